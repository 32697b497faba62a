//! What belongs together: a compose project (its override, `COMPOSE_FILE` lists, includes and
//! extends), the workloads of a manifest, and one daemon view per daemon.json with the units'
//! and `--dockerd-args` flags merged in (and the seccomp profile it names).

use super::detect::Kind;
use super::discover::lexical_join;
use super::discover::read;
use super::doc::{Node, Pos};
use super::files::{FileError, ScannedFile, SkippedFile};
use super::json;
use super::load::{Input, LoadOptions, Loaded};
use crate::inputs::shell_words::split_command_line;
use crate::model::Loc;
use crate::model::container::ContainerSpec;
use crate::model::daemon::DaemonConfig;
use crate::model::seccomp::SeccompProfile;
use crate::suppress::comment_ignores;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A compose file list: one project, each file merged over the ones before as `docker compose -f
/// A -f B` does (no default override then, as with `-f`). A file that cannot be read or parsed
/// is a file error like any other.
pub(super) fn compose_overlay(
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
        Ok(project) => {
            loaded.target.skipped.extend(project.gaps);
            projects.push((main.display.to_string(), project.specs, project.used))
        }
        Err(error) => loaded.target.errors.push(FileError {
            path: main.display.to_string(),
            error,
        }),
    }
}

/// A compose project as read: its services, the other files it read, and the parts it could not
/// read (graded without them: `--allow-partial`).
pub(super) struct ComposeProject {
    pub(super) specs: Vec<ContainerSpec>,
    pub(super) used: Vec<String>,
    pub(super) gaps: Vec<SkippedFile>,
}

/// A compose project rooted at this file: its override merged, includes and extends followed.
pub(super) fn compose_project(input: &Input) -> std::result::Result<ComposeProject, String> {
    compose_project_with(input, None)
}

/// [`compose_project`] with the files merged over the main one given (`None`: the default
/// override, when there is one).
pub(super) fn compose_project_with(
    input: &Input,
    overlays: Option<&[Input]>,
) -> std::result::Result<ComposeProject, String> {
    use super::compose;
    let dir = input
        .path
        .as_deref()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."));
    let env = compose::environment(dir, &input.root);
    let mut files = compose::Files::new(input.root.clone(), input.allow_partial);
    if let Some((path, reason)) = compose::dotenv_problem(dir, &input.root) {
        files.gap(path, reason)?;
    }
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
            if let Some(over_path) = input
                .path
                .as_deref()
                .and_then(|p| compose::default_override(p, &input.root))
            {
                let display: Arc<str> = Arc::from(over_path.display().to_string().as_str());
                let text = std::fs::read_to_string(input.root.at(&over_path))
                    .map_err(|e| format!("{display}: {e}"))?;
                let over = compose::parse_text(&text, &display, &mut files, &env)
                    .map_err(|e| format!("{display}: {e}"))?;
                compose::merge(&mut doc, over, "");
            }
        }
    }
    let specs = compose::project(doc, input.path.as_deref(), &mut files, &env, 0)?;
    let used = files.names.iter().skip(1).map(|n| n.to_string()).collect();
    let gaps = files
        .gaps
        .into_iter()
        .map(|(path, reason)| SkippedFile { path, reason })
        .collect();
    Ok(ComposeProject { specs, used, gaps })
}

/// Every container of every workload in a (multi-document) manifest.
pub(super) fn kubernetes_specs(
    input: &Input,
    docs: &[Node],
) -> (Vec<ContainerSpec>, Box<crate::model::kube::Cluster>) {
    let mut cluster = Box::default();
    let sources = helm_sources(&input.text);
    let mut specs = Vec::new();
    for d in docs {
        // Rendered Helm output names each document's template: findings point there, at the
        // line within the rendered template.
        let source = sources
            .iter()
            .rev()
            .find(|(line, _)| *line < d.pos.line)
            .filter(|(line, _)| !sources_between(&input.text, *line, d.pos.line));
        let (file, doc) = match source {
            Some((line, template)) => {
                let mut shifted = d.clone();
                shifted.shift_lines(*line);
                (
                    Arc::from(template.as_str()),
                    std::borrow::Cow::Owned(shifted),
                )
            }
            None => (Arc::clone(&input.display), std::borrow::Cow::Borrowed(d)),
        };
        super::kubernetes_objects::collect(&file, &doc, &mut cluster);
        specs.extend(super::kubernetes::containers(&file, &doc));
    }
    (specs, cluster)
}

/// `# Source: chart/templates/x.yaml` lines of `helm template` output, with their line numbers.
fn helm_sources(text: &str) -> Vec<(u32, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let path = l.strip_prefix("# Source: ")?.trim();
            let line = u32::try_from(i + 1).ok()?;
            (!path.is_empty() && !path.contains("..")).then(|| (line, path.to_string()))
        })
        .collect()
}

/// Whether a document separator lies between a `# Source:` line and a document: the comment
/// then belongs to an earlier document.
fn sources_between(text: &str, from: u32, to: u32) -> bool {
    text.lines()
        .enumerate()
        .skip(from as usize)
        .take(to.saturating_sub(from).saturating_sub(1) as usize)
        .any(|(_, l)| l.trim_end() == "---")
}

/// One daemon view per daemon.json, with the units' and `--dockerd-args` flags merged in; or
/// one view from flags alone when no daemon.json was given.
pub(super) fn build_daemons(
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
        follow_seccomp_profile(loaded, &cfg, path.as_deref(), &options.root);
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
pub(super) fn follow_seccomp_profile(
    loaded: &mut Loaded,
    cfg: &DaemonConfig,
    daemon_json: Option<&Path>,
    root: &super::Root,
) {
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
    if loaded.target.files.iter().any(|f| f.path == display) || !root.at(&resolved).is_file() {
        return;
    }
    let Ok(text) = std::fs::read_to_string(root.at(&resolved)) else {
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
