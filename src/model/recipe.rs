//! How an image is built, from either side: an image's config and history, or a Dockerfile's
//! final stage. The image rules (`IMG…`) read this, so one rule serves both.

use crate::catalog::Subject;
use crate::image::Image;
use crate::image::fs::Kind;
use crate::image::history::{Step, build_args};
use crate::inputs::doc::Pos;
use crate::inputs::dockerfile::{self, Dockerfile};
use crate::model::Loc;
use std::collections::BTreeMap;
use std::sync::Arc;

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
    anchor: Option<Loc>,
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

    pub fn from_image(image: &Image) -> BuildRecipe {
        let cfg = &image.config.config;
        let reference = image.reference().map(|r| {
            let r = crate::reference::familiar(r);
            let full = if crate::reference::names_an_image(r) {
                r.to_string()
            } else {
                format!("{}:{r}", image.repository_path())
            };
            (full, Subject::config("reference"))
        });
        let uid_of = crate::image::accounts::users(&image.fs)
            .map(|p| p.entries.into_iter().map(|u| (u.name, u.uid)).collect())
            .unwrap_or_default();
        let mut first_add = true;
        let steps = image
            .steps()
            .map(|(index, _, step)| {
                let created_by = image
                    .config
                    .history
                    .get(index)
                    .map_or("", |h| h.created_by.as_str());
                let base_rootfs = step.is("ADD")
                    && std::mem::replace(&mut first_add, false)
                    && (step.text.trim().ends_with(" in /") || step.text.trim().ends_with(" /"));
                if step.is("ADD") {
                    first_add = false;
                }
                RecipeStep {
                    instruction: step.instruction,
                    text: step.text,
                    build_args: build_args(created_by),
                    describe: image.describe_step(index),
                    subject: image.history_subject(index),
                    base_rootfs,
                }
            })
            .collect();
        let assign = |field: &str, kind: &str, name: &str, value: &str| Assignment {
            name: name.to_string(),
            value: value.to_string(),
            place: format!("{kind} {name}"),
            subject: Subject::config_key(field, name),
        };
        BuildRecipe {
            kind: RecipeKind::Image,
            reference,
            user: (!cfg.user.trim().is_empty())
                .then(|| (cfg.user.trim().to_string(), Subject::config("config.User"))),
            uid_of,
            healthcheck: cfg
                .healthcheck
                .as_ref()
                .map(|h| (h.test.clone(), Subject::config("config.Healthcheck"))),
            env: cfg
                .env
                .iter()
                .map(|e| {
                    let (k, v) = e.split_once('=').unwrap_or((e, ""));
                    assign("config.Env", "ENV", k, v)
                })
                .collect(),
            labels: cfg
                .labels
                .iter()
                .map(|(k, v)| assign("config.Labels", "LABEL", k, v))
                .collect(),
            exposed: cfg
                .exposed_ports
                .keys()
                .map(|p| (p.clone(), Subject::config_key("config.ExposedPorts", p)))
                .collect(),
            volumes: cfg
                .volumes
                .keys()
                .map(|v| (v.clone(), Subject::config_key("config.Volumes", v)))
                .collect(),
            steps,
            caches: caches(image),
            anchor: None,
        }
    }

    /// The final stage of a Dockerfile (or `target`), with everything it inherits from earlier
    /// stages it is built `FROM`. `None` without any `FROM`.
    pub fn from_dockerfile(
        file: &Arc<str>,
        d: &Dockerfile,
        target: Option<&str>,
    ) -> Option<BuildRecipe> {
        let final_stage = d.target(target)?;
        let chain = d.chain(final_stage);
        let root = &d.stages[*chain.first()?];
        let loc = |line: u32, field: String| Loc::new(file, Pos { line, column: 1 }, field);
        let base = d.expand_args(&root.base);
        let reference = (!base.eq_ignore_ascii_case("scratch") && !base.contains('$')).then(|| {
            (
                base.clone(),
                Subject::at(&loc(root.from_line, "FROM".into())),
            )
        });
        let last_line = chain
            .iter()
            .flat_map(|i| d.stages[*i].instructions.iter().map(|ins| ins.line))
            .max()
            .unwrap_or(d.stages[final_stage].from_line);
        let mut recipe = BuildRecipe {
            kind: RecipeKind::Dockerfile,
            reference,
            user: None,
            uid_of: BTreeMap::new(),
            healthcheck: None,
            env: Vec::new(),
            labels: Vec::new(),
            exposed: Vec::new(),
            volumes: Vec::new(),
            steps: Vec::new(),
            caches: Vec::new(),
            anchor: Some(loc(last_line, String::new())),
        };
        for ins in chain.iter().flat_map(|i| d.stages[*i].instructions.iter()) {
            let field = |what: &str| format!("{} {what}", ins.keyword);
            let here = |what: &str| Subject::at(&loc(ins.line, field(what)));
            let args = ins.args.trim();
            match ins.keyword.as_str() {
                "USER" => recipe.user = Some((args.to_string(), here(""))),
                "HEALTHCHECK" => {
                    let test = if args.eq_ignore_ascii_case("NONE") {
                        vec!["NONE".to_string()]
                    } else {
                        vec!["CMD".to_string(), args.to_string()]
                    };
                    recipe.healthcheck = Some((test, here("")));
                }
                "ENV" | "LABEL" => {
                    // `A=b "C=d e"` with shell quoting; values may hold spaces.
                    let quoted: Vec<(String, String)> =
                        crate::model::daemon::split_command_line(args)
                            .into_iter()
                            .filter_map(|w| {
                                w.split_once('=')
                                    .map(|(k, v)| (k.to_string(), v.to_string()))
                            })
                            .collect();
                    let pairs = match quoted {
                        p if !p.is_empty() => p,
                        // Legacy `ENV NAME value`.
                        _ => args
                            .split_once(char::is_whitespace)
                            .map(|(k, v)| vec![(k.to_string(), v.trim().to_string())])
                            .unwrap_or_default(),
                    };
                    for (name, value) in pairs {
                        let a = Assignment {
                            place: format!("{} {name}", ins.keyword),
                            subject: here(&name),
                            name,
                            value,
                        };
                        if ins.keyword == "ENV" {
                            recipe.env.push(a)
                        } else {
                            recipe.labels.push(a)
                        }
                    }
                }
                "EXPOSE" => recipe.exposed.extend(
                    dockerfile::words(args)
                        .into_iter()
                        .map(|p| (p.clone(), here(&p))),
                ),
                "VOLUME" => recipe.volumes.extend(
                    dockerfile::words(args)
                        .into_iter()
                        .map(|v| (v.clone(), here(&v))),
                ),
                _ => {}
            }
            if matches!(ins.keyword.as_str(), "RUN" | "ADD" | "COPY" | "ARG") {
                let short: String = args.split_whitespace().collect::<Vec<_>>().join(" ");
                let clipped = if short.chars().count() > 80 {
                    format!("{}…", short.chars().take(80).collect::<String>())
                } else {
                    short.clone()
                };
                let text = if ins.keyword == "RUN" {
                    Step::parse(&format!("RUN {args}")).text
                } else {
                    args.to_string()
                };
                recipe.steps.push(RecipeStep {
                    instruction: ins.keyword.clone(),
                    text,
                    build_args: Vec::new(),
                    describe: format!("`{} {clipped}` (line {})", ins.keyword, ins.line),
                    subject: Subject::at(&loc(
                        ins.line,
                        format!(
                            "{} {}",
                            ins.keyword,
                            short.chars().take(60).collect::<String>()
                        ),
                    )),
                    base_rootfs: false,
                });
            }
        }
        Some(recipe)
    }
}

/// Package caches left in an image's filesystem, attributed to the step that created the layer
/// holding the newest file.
fn caches(image: &Image) -> Vec<CacheDir> {
    let mut out = Vec::new();
    for (dir, programs) in CACHES {
        let files: Vec<_> = image
            .fs
            .under(dir)
            .filter(|e| e.kind == Kind::File && e.size > 0 && !e.path.ends_with("/lock"))
            .collect();
        let bytes: u64 = files.iter().map(|e| e.size).sum();
        if bytes == 0 {
            continue;
        }
        let layer = files.iter().map(|e| e.layer).max().unwrap_or(0);
        let step = image.layers.get(layer).and_then(|l| l.history).or_else(|| {
            image
                .steps()
                .filter(|(_, _, s)| {
                    s.is("RUN")
                        && crate::image::history::commands(&s.text)
                            .into_iter()
                            .any(|c| {
                                programs
                                    .contains(&crate::image::history::program_and_subcommand(c).0)
                            })
                })
                .map(|(i, _, _)| i)
                .last()
        });
        out.push(CacheDir {
            dir,
            bytes,
            files: files.len(),
            layer,
            left_by: step.map(|i| image.describe_step(i)),
        });
    }
    out
}
