//! How an image is built, from either side: an image's config and history, or a Dockerfile's
//! final stage. The image rules (`IMG…`) read this, so one rule serves both.

use crate::finding::Subject;
use crate::model::Loc;
use std::collections::BTreeMap;

/// `NAME=value` from ENV, LABEL or ARG, with where it was written.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub name: String,
    pub value: String,
    /// `ENV NAME`, `LABEL NAME`: how a message names the place.
    pub place: String,
    pub subject: Subject,
}

#[derive(Debug, Clone)]
pub struct RecipeStep {
    /// Upper-case instruction: `RUN`, `ADD`, `COPY`, `ARG`…
    pub instruction: String,
    /// For RUN the shell command; otherwise the instruction's arguments.
    pub text: String,
    /// Build arguments a RUN saw (`|1 TOKEN=x` in history).
    pub build_args: Vec<(String, String)>,
    /// `` `RUN apt-get update` (history 3) `` or `` `RUN apt-get update` (line 7) ``.
    pub describe: String,
    pub subject: Subject,
    /// The base image's own root filesystem (`ADD file:… in /` as the first ADD of an image).
    pub base_rootfs: bool,
}

/// Package-manager cache found in an image's filesystem (images only).
#[derive(Debug, Clone)]
pub struct CacheDir {
    pub dir: &'static str,
    pub bytes: u64,
    pub files: usize,
    pub layer: usize,
    /// The step that left it, when history says.
    pub left_by: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecipeKind {
    Image,
    Dockerfile,
}

#[derive(Debug, Clone)]
pub struct BuildRecipe {
    pub kind: RecipeKind,
    /// The image reference in play: what an image is known by, or a Dockerfile's base image.
    pub reference: Option<(String, Subject)>,
    /// The final user, if set anywhere.
    pub user: Option<(String, Subject)>,
    /// User names to uids, from the image's `/etc/passwd` (empty for a Dockerfile).
    pub uid_of: BTreeMap<String, u64>,
    pub healthcheck: Option<(Vec<String>, Subject)>,
    pub env: Vec<Assignment>,
    pub labels: Vec<Assignment>,
    pub exposed: Vec<(String, Subject)>,
    pub volumes: Vec<(String, Subject)>,
    pub steps: Vec<RecipeStep>,
    pub caches: Vec<CacheDir>,
    /// Where findings about something missing point in a Dockerfile (its last instruction).
    pub(crate) anchor: Option<Loc>,
}

/// Cache directories package managers fill, and the programs that fill them.
pub const CACHES: [(&str, &[&str]); 4] = [
    ("/var/lib/apt/lists", &["apt-get", "apt", "aptitude"]),
    ("/var/cache/apk", &["apk"]),
    ("/var/cache/yum", &["yum"]),
    ("/var/cache/dnf", &["dnf", "microdnf"]),
];

impl BuildRecipe {
    /// Where a finding about a missing setting (`User`, `Healthcheck`) points.
    pub fn missing(&self, what: &str) -> Subject {
        match &self.anchor {
            Some(loc) => Subject::at(&loc.with_field(format!("missing {what}"))),
            None => Subject::config(&format!("config.{what}")),
        }
    }
}
