//! `stevedore config PATH…`: find the configuration files ([`super::discover`]), tell what each
//! one is and parse it with positions ([`super::detect`]), gather what belongs together (compose
//! projects, daemon views: [`super::project`]) and build the models. A file that fails to parse is
//! recorded and the rest go on.

pub use super::detect::Kind;
use super::detect::classify;
use super::discover::{discover, read};
use super::doc::Node;
use super::files::{ConfigTarget, FileError, ScannedFile, SkippedFile};
use super::project::{build_daemons, compose_overlay};
use crate::error::{Error, Result};
use crate::model::container::ContainerSpec;
use crate::model::daemon::DaemonConfig;
use crate::model::recipe::BuildRecipe;
use crate::model::seccomp::SeccompProfile;
use crate::suppress::{InlineIgnores, comment_ignores};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

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
    /// Grade a compose project with parts that cannot be read (`--allow-partial`).
    pub allow_partial: bool,
    /// Where relative paths are read from (default: the working directory).
    pub root: super::Root,
}

/// What a config scan produced.
#[derive(Default)]
pub struct Loaded {
    pub target: ConfigTarget,
    pub daemons: Vec<DaemonConfig>,
    pub seccomp: Vec<SeccompProfile>,
    pub containers: Vec<ContainerSpec>,
    pub recipes: Vec<BuildRecipe>,
    pub runtimes: Vec<crate::model::runtime::RuntimeConfig>,
    pub kubelets: Vec<crate::model::kubelet::KubeletConfig>,
    /// Kubernetes objects of every manifest read.
    pub cluster: crate::model::kube::Cluster,
    pub inline: InlineIgnores,
}

/// One input file, read.
pub(super) struct Input {
    pub(super) display: Arc<str>,
    pub(super) path: Option<PathBuf>,
    pub(super) text: String,
    pub(super) explicit_kind: Option<Kind>,
    /// Where the path (and the files it names) are read from.
    pub(super) root: super::Root,
    /// `--allow-partial`: a compose project with unreadable parts is graded without them.
    pub(super) allow_partial: bool,
}

/// `.stevedore.yaml`: a file of ours, not one we judge.
fn is_project_config(path: Option<&Path>) -> bool {
    path.and_then(Path::file_name)
        .and_then(|n| n.to_str())
        .is_some_and(|n| super::files::PROJECT_CONFIG_NAMES.contains(&n))
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
                root: options.root.clone(),
                allow_partial: options.allow_partial,
            });
            continue;
        }
        let path = Path::new(p);
        if !options.root.at(path).exists() {
            return Err(Error::io(
                p,
                std::io::Error::from(std::io::ErrorKind::NotFound),
            ));
        }
        for file in discover(path, &options.root) {
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
            if !options.root.at(Path::new(f)).is_file() {
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
            if let Some(files) = super::compose::compose_file_list(&dir, &options.root) {
                let env = dir.join(".env").display().to_string();
                lists.push((Some(env), files));
            }
        }
    }
    for (from_env, files) in lists {
        if let (Some(env), Some(missing)) = (
            &from_env,
            files.iter().find(|f| !options.root.at(f).is_file()),
        ) {
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
            .filter_map(|f| std::fs::canonicalize(options.root.at(f)).ok())
            .collect();
        inputs.retain(|i| {
            i.path
                .as_deref()
                .and_then(|p| std::fs::canonicalize(options.root.at(p)).ok())
                .is_none_or(|p| !listed.contains(&p))
        });
        compose_overlay(&files, &mut loaded, &mut compose_projects, options);
    }

    // Override files merged into a main compose file are not projects of their own.
    let merged_overrides: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|i| i.path.as_deref())
        .filter(|p| Kind::from_name(p) == Some(Kind::Compose) && !super::compose::is_override(p))
        .filter_map(|p| super::compose::default_override(p, &options.root))
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
                    Parsed::Containers(specs, cluster) => {
                        loaded.containers.extend(specs);
                        loaded.cluster.absorb(*cluster);
                    }
                    Parsed::Recipe(recipe) => loaded.recipes.push(*recipe),
                    Parsed::Compose(project) => {
                        loaded.target.skipped.extend(project.gaps);
                        compose_projects.push((input.display.to_string(), project.specs, project.used))
                    }
                    Parsed::NoCommand => {}
                    Parsed::Runtime(cfg) => loaded.runtimes.push(*cfg),
                    Parsed::Kubelet(cfg) => loaded.kubelets.push(*cfg),
                }
            }
            Ok(None) => loaded.target.skipped.push(SkippedFile {
                path: input.display.to_string(),
                reason: if is_project_config(input.path.as_deref()) {
                    "stevedore's own project configuration (applied only when found from the working directory or given with --config)".into()
                } else {
                    "not a recognised configuration file".into()
                },
            }),
            Err(Skip::Empty) => loaded.target.skipped.push(SkippedFile {
                path: input.display.to_string(),
                reason: "empty file".into(),
            }),
            Err(Skip::Unparsed(error)) => loaded.target.skipped.push(SkippedFile {
                path: input.display.to_string(),
                reason: format!("does not parse, and nothing in it says it is a configuration file: {error}"),
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
    // Counting across objects needs the whole set: a directory or a rendered chart on standard
    // input, not the files a hook was handed.
    loaded.cluster.whole = paths
        .iter()
        .any(|p| p == "-" || options.root.at(Path::new(p)).is_dir());
    loaded.cluster.link_service_accounts();
    build_daemons(&mut loaded, daemon_files, units, options);
    Ok(loaded)
}

pub(super) enum Parsed {
    Daemon(Node),
    Unit(u32, String),
    Seccomp(SeccompProfile),
    /// Kubernetes manifests: their containers, and their objects.
    Containers(Vec<ContainerSpec>, Box<crate::model::kube::Cluster>),
    Recipe(Box<BuildRecipe>),
    /// A compose project's services and the other files it read (includes, extends bases).
    Compose(super::project::ComposeProject),
    /// A dockerd unit without an `ExecStart=` of its own.
    NoCommand,
    /// containerd or CRI-O settings (or a registry `hosts.toml`).
    Runtime(Box<crate::model::runtime::RuntimeConfig>),
    /// A `KubeletConfiguration`, judged as the kubelet's `--config` file.
    Kubelet(Box<crate::model::kubelet::KubeletConfig>),
}

pub(super) enum Skip {
    Template,
    /// Nothing in it (and nothing says what it should have been).
    Empty,
    /// Does not parse, and nothing says it is a configuration file: skipped, the reason shown.
    Unparsed(String),
    Error(String),
}
