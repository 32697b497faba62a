//! What a scan produced, as every printer receives it: the target, the checks that ran and the
//! findings after policy.

use crate::catalog::{Check, Settings, Severity, Subject};
use crate::image::{Image, Layer};
use crate::project_config::FailOn;
use crate::source::{Platform, Transport};

pub(super) use super::policy::Suppression;

/// A finding after policy: effective severity, fingerprint, suppression.
#[derive(Debug, Clone)]
pub struct Finding {
    pub check: &'static Check,
    pub severity: Severity,
    pub message: String,
    pub subject: Subject,
    pub evidence: Vec<(&'static str, String)>,
    /// Stable across rebuilds with the same problems: rule id + subject, never digests or times.
    pub fingerprint: String,
    pub suppression: Option<Suppression>,
    /// The image (repository path) an image finding belongs to, where one report covers several
    /// images (`stevedore containers --images`); `None`: the report's own target.
    pub image: Option<String>,
    /// The Dockerfile line that caused an image finding (`stevedore image --dockerfile`).
    pub source: Option<crate::locate::SourceLine>,
}

/// What was scanned, as reports describe it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImageTarget {
    pub input: String,
    pub transport: Transport,
    /// The repository path used as the SARIF location: `library/nginx`.
    pub repository: String,
    pub names: Vec<String>,
    pub manifest_digest: Option<String>,
    pub config_digest: String,
    pub platform: Platform,
    pub layers: Vec<LayerSummary>,
    pub entries: usize,
    pub shadowed_files: usize,
    pub inventory: BaseSummary,
    /// Only manifest and config were read: file rules had nothing to judge.
    pub config_only: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct LayerSummary {
    #[serde(flatten)]
    pub layer: Layer,
    pub created_by: Option<String>,
}

/// An image's base as reports describe it: what the pass found (OS, packages) and how the OS
/// rules see it (the tools on its paths, its class) with the policy's settings.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BaseSummary {
    pub os: Option<crate::image::inventory::OsInfo>,
    pub packages: Option<crate::image::inventory::Packages>,
    pub tools: Vec<crate::checks::os::base::Tool>,
    pub class: crate::checks::os::base::BaseClass,
    pub base_bytes: u64,
    /// The day lifecycle data was judged against (`YYYY-MM-DD`).
    pub as_of: String,
}

impl BaseSummary {
    pub fn of(image: &Image, settings: &Settings) -> BaseSummary {
        use crate::checks::os::base;
        BaseSummary {
            os: image.inventory.os.clone(),
            packages: image.inventory.packages.clone(),
            tools: base::tools_of(image),
            class: base::classify(image, settings.minimal_max_packages),
            base_bytes: image.inventory.base_bytes,
            as_of: settings.as_of.clone(),
        }
    }
}

impl ImageTarget {
    pub fn of(image: &Image, settings: &Settings) -> ImageTarget {
        ImageTarget {
            input: image.origin.input.clone(),
            transport: image.origin.transport,
            repository: image.repository_path(),
            names: image.origin.names.clone(),
            manifest_digest: image.manifest_digest.as_ref().map(|d| d.to_string()),
            config_digest: image.config_digest.to_string(),
            platform: image.platform.clone(),
            layers: image
                .layers
                .iter()
                .map(|l| LayerSummary {
                    layer: l.clone(),
                    created_by: image.created_by(l.index).map(str::to_string),
                })
                .collect(),
            entries: image.fs.len(),
            shadowed_files: image.fs.shadowed().len(),
            inventory: BaseSummary::of(image, settings),
            config_only: image.config_only,
        }
    }
}

pub use crate::inputs::files::{ConfigTarget, FileError, ScannedFile, SkippedFile};

/// What a report is about.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    Image(Box<ImageTarget>),
    Config(ConfigTarget),
    Live(LiveTarget),
}

/// A live daemon (or its containers) audited through the Docker API.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LiveTarget {
    pub endpoint: String,
    /// `docker` or `podman` (behind its Docker-compatible API).
    pub engine: String,
    pub server_version: String,
    pub api_version: String,
    /// What was judged: `docker/daemon`, `docker/containers/<name>`, files merged in.
    pub scanned: Vec<String>,
    /// What could not be judged, and why.
    pub notes: Vec<String>,
}

impl Target {
    /// The SARIF location of findings that carry no file of their own (image findings).
    pub fn default_uri(&self) -> &str {
        match self {
            Target::Image(i) => &i.repository,
            Target::Config(_) | Target::Live(_) => ".",
        }
    }
}

/// Everything a reporter renders.
pub struct Report {
    pub target: Target,
    pub checks: Vec<&'static Check>,
    pub findings: Vec<Finding>,
    pub fail_on: FailOn,
    /// Suppressions that matched nothing (warnings; they do not fail a run).
    pub unmatched: Vec<super::Unmatched>,
    /// The project config that applied (`None`: none was found, defaults apply).
    pub project_config: Option<String>,
}

impl Report {
    pub fn active(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.suppression.is_none())
    }

    pub fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_some())
            .count()
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.active().filter(|f| f.severity == severity).count()
    }

    /// Whether an unsuppressed finding is at or above `--fail-on`.
    /// Inputs that could not be read: the run exits 2 whatever the findings say.
    pub fn errors(&self) -> usize {
        match &self.target {
            Target::Config(t) => t.errors.len(),
            _ => 0,
        }
    }

    pub fn failed(&self) -> bool {
        match self.fail_on {
            FailOn::Never => false,
            FailOn::Severity(level) => self.active().any(|f| f.severity >= level),
        }
    }
}
