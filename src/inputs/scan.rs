//! `stevedore config PATH…`: find the configuration files, tell what each one is, parse it with
//! positions, and build the models. A file that fails to parse is recorded and the rest go on.

use super::doc::{Node, Pos};
use super::files::{ConfigTarget, FileError, ScannedFile, SkippedFile};
use super::{json, yaml};
use crate::error::{Error, Result};
use crate::inputs::shell_words::split_command_line;
use crate::inputs::systemd::exec_start;
use crate::model::Loc;
use crate::model::container::ContainerSpec;
use crate::model::daemon::DaemonConfig;
use crate::model::recipe::BuildRecipe;
use crate::model::seccomp::SeccompProfile;
use crate::suppress::{InlineIgnores, comment_ignores};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What a configuration file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    DaemonJson,
    DockerdUnit,
    Seccomp,
    Compose,
    Kubernetes,
    Dockerfile,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::DaemonJson,
        Kind::DockerdUnit,
        Kind::Seccomp,
        Kind::Compose,
        Kind::Kubernetes,
        Kind::Dockerfile,
    ];

    /// The kind `--kind` names (`daemon-json`, `compose`, …).
    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::DaemonJson => "daemon-json",
            Kind::DockerdUnit => "dockerd-unit",
            Kind::Seccomp => "seccomp",
            Kind::Compose => "compose",
            Kind::Kubernetes => "kubernetes",
            Kind::Dockerfile => "dockerfile",
        }
    }

    /// What the file name alone says.
    pub fn from_name(path: &Path) -> Option<Kind> {
        let name = path.file_name()?.to_str()?;
        let parent = path
            .parent()
            .and_then(Path::file_name)
            .and_then(|p| p.to_str())
            .unwrap_or("");
        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
        if name == "daemon.json" {
            Some(Kind::DaemonJson)
        } else if name == "docker.service"
            || (parent == "docker.service.d" && name.ends_with(".conf"))
        {
            Some(Kind::DockerdUnit)
        } else if name == "Dockerfile"
            || name == "Containerfile"
            || name.ends_with(".Dockerfile")
            || name.starts_with("Dockerfile.")
        {
            Some(Kind::Dockerfile)
        } else if yaml && (name.starts_with("compose") || name.starts_with("docker-compose")) {
            Some(Kind::Compose)
        } else {
            None
        }
    }
}

/// Options for a config scan.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Overrides detection (required for `-`).
    pub kind: Option<Kind>,
    /// dockerd flags given on the command line, merged into the daemon view.
    pub dockerd_args: Option<String>,
    /// Files larger than this are skipped.
    pub max_file_bytes: u64,
    /// The Dockerfile stage that ships (`--target`).
    pub target: Option<String>,
    /// Compose files merged in order into one project (`docker compose -f A -f B`).
    pub compose_files: Vec<String>,
}

/// What a config scan produced.
#[derive(Default)]
pub struct Loaded {
    pub target: ConfigTarget,
    pub daemons: Vec<DaemonConfig>,
    pub seccomp: Vec<SeccompProfile>,
    pub containers: Vec<ContainerSpec>,
    pub recipes: Vec<BuildRecipe>,
    pub inline: InlineIgnores,
}

/// One input file, read.
struct Input {
    display: Arc<str>,
    path: Option<PathBuf>,
    text: String,
    explicit_kind: Option<Kind>,
}

pub fn load(paths: &[String], options: &LoadOptions) -> Result<Loaded> {
    if paths.is_empty() && options.compose_files.is_empty() {
        return Err(Error::usage(
            "stevedore config needs at least one path (or - for standard input)",
        ));
    }
    let mut loaded = Loaded {
        target: ConfigTarget {
            inputs: paths
                .iter()
                .chain(&options.compose_files)
                .cloned()
                .collect(),
            ..Default::default()
        },
        ..Default::default()
    };
    let mut inputs = Vec::new();
    for p in paths {
        if p == "-" {
            let kind = options.kind.ok_or_else(|| {
                Error::usage("reading standard input needs --kind (e.g. --kind kubernetes)")
            })?;
            let mut text = String::new();
            std::io::stdin()
                .take(options.max_file_bytes + 1)
                .read_to_string(&mut text)
                .map_err(|e| Error::io("standard input", e))?;
            inputs.push(Input {
                display: Arc::from("-"),
                path: None,
                text,
                explicit_kind: Some(kind),
            });
            continue;
        }
        let path = Path::new(p);
        if !path.exists() {
            return Err(Error::io(
                p,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        for file in discover(path) {
            if let Some(input) = read(&file, options, &mut loaded.target) {
                inputs.push(input);
            }
        }
    }

    let mut compose_projects: Vec<(String, Vec<ContainerSpec>, Vec<String>)> = Vec::new();
    // Compose file lists: `--compose-file`, else `COMPOSE_FILE` in the `.env` of a directory
    // holding compose files. Each list is one project; its files found under a directory are not
    // projects of their own.
    let mut lists: Vec<(Option<String>, Vec<PathBuf>)> = Vec::new();
    if !options.compose_files.is_empty() {
        for f in &options.compose_files {
            if !Path::new(f).is_file() {
                return Err(Error::io(
                    f,
                    std::io::Error::from(std::io::ErrorKind::NotFound),
                ));
            }
        }
        lists.push((
            None,
            options.compose_files.iter().map(PathBuf::from).collect(),
        ));
    } else {
        let mut dirs: Vec<PathBuf> = inputs
            .iter()
            .filter_map(|i| i.path.as_deref())
            .filter(|p| Kind::from_name(p) == Some(Kind::Compose))
            .filter_map(|p| p.parent().map(Path::to_path_buf))
            .collect();
        dirs.sort();
        dirs.dedup();
        for dir in dirs {
            if let Some(files) = super::compose::compose_file_list(&dir) {
                let env = dir.join(".env").display().to_string();
                lists.push((Some(env), files));
            }
        }
    }
    for (from_env, files) in lists {
        if let (Some(env), Some(missing)) = (&from_env, files.iter().find(|f| !f.is_file())) {
            loaded.target.errors.push(FileError {
                path: env.clone(),
                error: format!(
                    "COMPOSE_FILE names {}, which does not exist",
                    missing.display()
                ),
            });
            continue;
        }
        let listed: Vec<PathBuf> = files
            .iter()
            .filter_map(|f| std::fs::canonicalize(f).ok())
            .collect();
        inputs.retain(|i| {
            i.path
                .as_deref()
                .and_then(|p| std::fs::canonicalize(p).ok())
                .is_none_or(|p| !listed.contains(&p))
        });
        compose_overlay(&files, &mut loaded, &mut compose_projects, options);
    }

    // Override files merged into a main compose file are not projects of their own.
    let merged_overrides: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|i| i.path.as_deref())
        .filter(|p| Kind::from_name(p) == Some(Kind::Compose) && !super::compose::is_override(p))
        .filter_map(super::compose::default_override)
        .collect();
    let mut units: Vec<(Arc<str>, u32, String)> = Vec::new();
    let mut daemon_files: Vec<(Arc<str>, Node, Option<PathBuf>)> = Vec::new();
    for input in inputs {
        let kind = input
            .explicit_kind
            .or(options.kind)
            .or_else(|| input.path.as_deref().and_then(Kind::from_name));
        if input
            .path
            .as_ref()
            .is_some_and(|p| merged_overrides.contains(p))
        {
            loaded.target.files.push(ScannedFile {
                path: input.display.to_string(),
                kind: "compose-override",
            });
            loaded
                .inline
                .entries
                .extend(comment_ignores(&input.display, &input.text));
            continue;
        }
        loaded
            .inline
            .entries
            .extend(comment_ignores(&input.display, &input.text));
        match classify(&input, kind, options.target.as_deref()) {
            Ok(Some((kind, parsed))) => {
                loaded.target.files.push(ScannedFile { path: input.display.to_string(), kind: kind.name() });
                match parsed {
                    Parsed::Daemon(doc) => daemon_files.push((Arc::clone(&input.display), doc, input.path.clone())),
                    Parsed::Unit(line, command) => units.push((Arc::clone(&input.display), line, command)),
                    Parsed::Seccomp(profile) => loaded.seccomp.push(profile),
                    Parsed::Containers(specs) => loaded.containers.extend(specs),
                    Parsed::Recipe(recipe) => loaded.recipes.push(*recipe),
                    Parsed::Compose(specs, used) => {
                        compose_projects.push((input.display.to_string(), specs, used))
                    }
                    Parsed::NoCommand => {}
                }
            }
            Ok(None) => loaded.target.skipped.push(SkippedFile {
                path: input.display.to_string(),
                reason: "not a recognised configuration file".into(),
            }),
            Err(Skip::Template) => loaded.target.skipped.push(SkippedFile {
                path: input.display.to_string(),
                reason: "Go template that does not parse as YAML (render it first, e.g. helm template … | stevedore config - --kind kubernetes)".into(),
            }),
            Err(Skip::Error(error)) => {
                loaded.target.files.push(ScannedFile {
                    path: input.display.to_string(),
                    kind: kind.map_or("unknown", Kind::name),
                });
                loaded.target.errors.push(FileError { path: input.display.to_string(), error })
            }
        }
    }
    // A file another project includes or extends from is part of that project, not one of its own.
    let consumed: Vec<String> = compose_projects
        .iter()
        .flat_map(|(_, _, used)| used.clone())
        .collect();
    for (main, specs, _) in compose_projects {
        if !consumed.contains(&main) {
            loaded.containers.extend(specs);
        }
    }
    build_daemons(&mut loaded, daemon_files, units, options);
    Ok(loaded)
}

/// Files under `path` in a stable order, honouring `.gitignore`; `.git` itself is never walked.
fn discover(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let walker = ignore::WalkBuilder::new(path)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    walker
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| e.into_path())
        .collect()
}

fn read(file: &Path, options: &LoadOptions, target: &mut ConfigTarget) -> Option<Input> {
    let display = file.display().to_string();
    let skip = |target: &mut ConfigTarget, reason: String| {
        target.skipped.push(SkippedFile {
            path: display.clone(),
            reason,
        });
        None
    };
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    if size > options.max_file_bytes {
        return skip(
            target,
            format!(
                "larger than {}",
                crate::limits::human_bytes(options.max_file_bytes)
            ),
        );
    }
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            target.errors.push(FileError {
                path: display,
                error: e.to_string(),
            });
            return None;
        }
    };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return skip(target, "binary".into());
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return skip(target, "not UTF-8 text".into());
    };
    Some(Input {
        display: Arc::from(display.as_str()),
        path: Some(file.to_path_buf()),
        text,
        explicit_kind: None,
    })
}

enum Parsed {
    Daemon(Node),
    Unit(u32, String),
    Seccomp(SeccompProfile),
    Containers(Vec<ContainerSpec>),
    Recipe(Box<BuildRecipe>),
    /// A compose project's services and the other files it read (includes, extends bases).
    Compose(Vec<ContainerSpec>, Vec<String>),
    /// A dockerd unit without an `ExecStart=` of its own.
    NoCommand,
}

enum Skip {
    Template,
    Error(String),
}

fn looks_templated(text: &str) -> bool {
    text.contains("{{") && text.contains("}}")
}

/// Decides what a file is (by the given kind, else by content) and parses it.
fn classify(
    input: &Input,
    kind: Option<Kind>,
    target: Option<&str>,
) -> std::result::Result<Option<(Kind, Parsed)>, Skip> {
    let name = input
        .path
        .as_deref()
        .and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .unwrap_or("");
    let by_extension_json = name.ends_with(".json");
    let by_extension_yaml = name.ends_with(".yml") || name.ends_with(".yaml");
    match kind {
        Some(Kind::DaemonJson) => json::parse(&input.text)
            .map(|d| Some((Kind::DaemonJson, Parsed::Daemon(d))))
            .map_err(Skip::Error),
        Some(Kind::DockerdUnit) => Ok(Some((
            Kind::DockerdUnit,
            match exec_start(&input.text) {
                Some((line, command)) => Parsed::Unit(line, command),
                None => Parsed::NoCommand,
            },
        ))),
        Some(Kind::Seccomp) => {
            let doc = json::parse(&input.text).map_err(Skip::Error)?;
            if let Some(problem) = SeccompProfile::shape_problem(&doc) {
                return Err(Skip::Error(problem));
            }
            SeccompProfile::from_doc(&input.display, &doc)
                .map(|p| Some((Kind::Seccomp, Parsed::Seccomp(p))))
                .ok_or_else(|| {
                    Skip::Error("not a seccomp profile (no defaultAction or syscalls)".into())
                })
        }
        Some(Kind::Compose) => match compose_project(input) {
            Ok((specs, used)) => Ok(Some((Kind::Compose, Parsed::Compose(specs, used)))),
            Err(_) if looks_templated(&input.text) => Err(Skip::Template),
            Err(e) => Err(Skip::Error(e)),
        },
        Some(Kind::Kubernetes) => match yaml::parse(&input.text) {
            Ok(docs) => Ok(Some((
                Kind::Kubernetes,
                Parsed::Containers(kubernetes_specs(input, &docs)),
            ))),
            Err(_) if looks_templated(&input.text) => Err(Skip::Template),
            Err(e) => Err(Skip::Error(e)),
        },
        Some(Kind::Dockerfile) => {
            let parsed = super::dockerfile::parse(&input.text);
            match BuildRecipe::from_dockerfile(&input.display, &parsed, target) {
                Some(recipe) => Ok(Some((Kind::Dockerfile, Parsed::Recipe(Box::new(recipe))))),
                None if parsed.stages.is_empty() => Err(Skip::Error("no FROM instruction".into())),
                None => Err(Skip::Error(format!(
                    "no stage named `{}`",
                    target.unwrap_or("")
                ))),
            }
        }
        None if by_extension_json => {
            let Ok(doc) = json::parse(&input.text) else {
                return Ok(None);
            };
            let Some(profile) = SeccompProfile::from_doc(&input.display, &doc) else {
                return Ok(None);
            };
            match SeccompProfile::shape_problem(&doc) {
                Some(problem) => Err(Skip::Error(problem)),
                None => Ok(Some((Kind::Seccomp, Parsed::Seccomp(profile)))),
            }
        }
        None if by_extension_yaml => {
            let docs = match yaml::parse(&input.text) {
                Ok(d) => d,
                Err(_) if looks_templated(&input.text) => return Err(Skip::Template),
                // Not skipped: a manifest that breaks the parser (an alias bomb, say) must not
                // slip past the linter as "not recognised".
                Err(e) => return Err(Skip::Error(e)),
            };
            if docs
                .iter()
                .any(|d| d.get("services").is_some_and(Node::is_map))
            {
                compose_project(input)
                    .map(|(s, used)| Some((Kind::Compose, Parsed::Compose(s, used))))
                    .map_err(Skip::Error)
            } else if docs
                .iter()
                .any(|d| d.get("apiVersion").is_some() && d.get("kind").is_some())
            {
                Ok(Some((
                    Kind::Kubernetes,
                    Parsed::Containers(kubernetes_specs(input, &docs)),
                )))
            } else {
                Ok(None)
            }
        }
        None => Ok(None),
    }
}

/// A compose file list: one project, each file merged over the ones before as `docker compose -f
/// A -f B` does (no default override then, as with `-f`). A file that cannot be read or parsed
/// is a file error like any other.
fn compose_overlay(
    files: &[PathBuf],
    loaded: &mut Loaded,
    projects: &mut Vec<(String, Vec<ContainerSpec>, Vec<String>)>,
    options: &LoadOptions,
) {
    let mut inputs = Vec::new();
    for path in files {
        match read(path, options, &mut loaded.target) {
            Some(input) => inputs.push(input),
            None => return, // skipped or unreadable: already reported
        }
    }
    let Some((main, overlays)) = inputs.split_first() else {
        return;
    };
    for (i, input) in inputs.iter().enumerate() {
        loaded.target.files.push(ScannedFile {
            path: input.display.to_string(),
            kind: if i == 0 { "compose" } else { "compose-overlay" },
        });
        loaded
            .inline
            .entries
            .extend(comment_ignores(&input.display, &input.text));
    }
    match compose_project_with(main, Some(overlays)) {
        Ok((specs, used)) => projects.push((main.display.to_string(), specs, used)),
        Err(error) => loaded.target.errors.push(FileError {
            path: main.display.to_string(),
            error,
        }),
    }
}

/// A compose project rooted at this file: its override merged, includes and extends followed.
/// Returns the specs and the other files the project read.
fn compose_project(
    input: &Input,
) -> std::result::Result<(Vec<ContainerSpec>, Vec<String>), String> {
    compose_project_with(input, None)
}

/// [`compose_project`] with the files merged over the main one given (`None`: the default
/// override, when there is one).
fn compose_project_with(
    input: &Input,
    overlays: Option<&[Input]>,
) -> std::result::Result<(Vec<ContainerSpec>, Vec<String>), String> {
    use super::compose;
    let dir = input
        .path
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let env = compose::environment(dir);
    let mut files = compose::Files { names: Vec::new() };
    let mut doc = compose::parse_text(&input.text, &input.display, &mut files, &env)?;
    match overlays {
        Some(overlays) => {
            for over in overlays {
                let node = compose::parse_text(&over.text, &over.display, &mut files, &env)
                    .map_err(|e| format!("{}: {e}", over.display))?;
                compose::merge(&mut doc, node, "");
            }
        }
        None => {
            if let Some(over_path) = input.path.as_deref().and_then(compose::default_override) {
                let display: Arc<str> = Arc::from(over_path.display().to_string().as_str());
                let text =
                    std::fs::read_to_string(&over_path).map_err(|e| format!("{display}: {e}"))?;
                let over = compose::parse_text(&text, &display, &mut files, &env)
                    .map_err(|e| format!("{display}: {e}"))?;
                compose::merge(&mut doc, over, "");
            }
        }
    }
    let specs = compose::project(doc, input.path.as_deref(), &mut files, &env, 0)?;
    let used = files.names.iter().skip(1).map(|n| n.to_string()).collect();
    Ok((specs, used))
}

/// Every container of every workload in a (multi-document) manifest.
fn kubernetes_specs(input: &Input, docs: &[Node]) -> Vec<ContainerSpec> {
    docs.iter()
        .flat_map(|d| super::kubernetes::containers(&input.display, d))
        .collect()
}

/// One daemon view per daemon.json, with the units' and `--dockerd-args` flags merged in; or
/// one view from flags alone when no daemon.json was given.
fn build_daemons(
    loaded: &mut Loaded,
    files: Vec<(Arc<str>, Node, Option<PathBuf>)>,
    units: Vec<(Arc<str>, u32, String)>,
    options: &LoadOptions,
) {
    let args_file: Arc<str> = Arc::from("dockerd-args");
    let add_flags = |cfg: &mut DaemonConfig| {
        for (file, line, command) in &units {
            cfg.add_flags(
                file,
                Pos {
                    line: *line,
                    column: 1,
                },
                &split_command_line(command),
            );
        }
        if let Some(args) = &options.dockerd_args {
            cfg.add_flags(
                &args_file,
                Pos { line: 1, column: 1 },
                &split_command_line(args),
            );
        }
    };
    for (file, doc, path) in files {
        let mut cfg = DaemonConfig::from_json(&file, &doc);
        add_flags(&mut cfg);
        follow_seccomp_profile(loaded, &cfg, path.as_deref());
        loaded.daemons.push(cfg);
    }
    if loaded.daemons.is_empty() && (!units.is_empty() || options.dockerd_args.is_some()) {
        let root = match units.first() {
            Some((file, line, _)) => Loc::new(
                file,
                Pos {
                    line: *line,
                    column: 1,
                },
                "",
            ),
            None => Loc::new(&args_file, Pos { line: 1, column: 1 }, ""),
        };
        let mut cfg = DaemonConfig::empty(root);
        cfg.sources.clear();
        add_flags(&mut cfg);
        loaded.daemons.push(cfg);
    }
}

/// `seccomp-profile: /path/profile.json` that exists (absolute, or relative to daemon.json) and
/// was not scanned already is linted as well.
fn follow_seccomp_profile(loaded: &mut Loaded, cfg: &DaemonConfig, daemon_json: Option<&Path>) {
    let Some((profile, _)) = cfg.str("seccomp-profile") else {
        return;
    };
    if matches!(profile, "" | "unconfined" | "builtin") {
        return;
    }
    let candidate = Path::new(profile);
    let resolved = if candidate.is_absolute() {
        candidate.to_path_buf()
    } else {
        lexical_join(
            daemon_json.and_then(Path::parent).unwrap_or(Path::new(".")),
            candidate,
        )
    };
    let display = resolved.display().to_string();
    if loaded.target.files.iter().any(|f| f.path == display) || !resolved.is_file() {
        return;
    }
    let Ok(text) = std::fs::read_to_string(&resolved) else {
        return;
    };
    let file: Arc<str> = Arc::from(display.as_str());
    match json::parse(&text) {
        Ok(doc) => {
            if let Some(p) = SeccompProfile::from_doc(&file, &doc) {
                loaded.target.files.push(ScannedFile {
                    path: display,
                    kind: Kind::Seccomp.name(),
                });
                loaded.seccomp.push(p);
            }
        }
        Err(error) => loaded.target.errors.push(FileError {
            path: display,
            error,
        }),
    }
}

/// `base/../x` → `x` without touching the filesystem, so one file has one name in a report.
fn lexical_join(base: &Path, rel: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_name() {
        assert_eq!(
            Kind::from_name(Path::new("etc/docker/daemon.json")),
            Some(Kind::DaemonJson)
        );
        assert_eq!(
            Kind::from_name(Path::new("docker.service.d/override.conf")),
            Some(Kind::DockerdUnit)
        );
        assert_eq!(Kind::from_name(Path::new("other.d/override.conf")), None);
        assert_eq!(
            Kind::from_name(Path::new("app/Dockerfile")),
            Some(Kind::Dockerfile)
        );
        assert_eq!(
            Kind::from_name(Path::new("api.Dockerfile")),
            Some(Kind::Dockerfile)
        );
        assert_eq!(
            Kind::from_name(Path::new("docker-compose.prod.yml")),
            Some(Kind::Compose)
        );
        assert_eq!(Kind::from_name(Path::new("deploy.yaml")), None);
    }
}
