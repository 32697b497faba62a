//! The git pre-push hook: `stevedore hook install|uninstall|pre-push`.
//!
//! The hook lints what is being pushed, not the working tree: every changed file is read from the
//! pushed commit (`git cat-file`) into a private directory, next to the other files of its
//! directory (compose `.env`, override and include files) and the commit's `.stevedore.yaml`.

use crate::error::{Error, Result};
use crate::project_config::FailOn;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The line that marks a hook as ours; anything else is a foreign hook.
const MARKER: &str = "# installed by `stevedore hook install`";

/// Sibling files larger than this are not materialised (they are not configuration).
const MAX_SIBLING_BYTES: u64 = 1 << 20;

/// Runs git in `dir` and returns its standard output.
fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>> {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::usage(format!("cannot run git: {e}")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(Error::usage(format!(
            "git {}: {}",
            args.join(" "),
            err.lines().next().unwrap_or("failed")
        )));
    }
    Ok(out.stdout)
}

/// Whether git succeeds (for probes such as "does this commit exist here").
fn git_ok(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8_lossy(&bytes).trim().to_string()
}

/// The hooks directory: `core.hooksPath` (relative to the work tree's top) or `.git/hooks`.
pub(crate) fn hooks_dir(cwd: &Path) -> Result<PathBuf> {
    let top = PathBuf::from(text(git(cwd, &["rev-parse", "--show-toplevel"])?));
    let configured = Command::new("git")
        .args(["config", "--path", "core.hooksPath"])
        .current_dir(cwd)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| text(o.stdout))
        .filter(|s| !s.is_empty());
    Ok(match configured {
        Some(p) => top.join(p),
        None => {
            let common = PathBuf::from(text(git(cwd, &["rev-parse", "--git-common-dir"])?));
            cwd.join(common).join("hooks")
        }
    })
}

fn hook_script(exe: &Path, fail_on: Option<FailOn>) -> String {
    let fail_on = fail_on.map_or(String::new(), |f| format!(" --fail-on {f}"));
    let exe = exe.display().to_string().replace('\'', r"'\''");
    format!(
        "#!/bin/sh\n\
         {MARKER}; remove it with `stevedore hook uninstall`.\n\
         # Lints the configuration files changed by the commits being pushed.\n\
         # Push once without it: git push --no-verify\n\
         stevedore='{exe}'\n\
         [ -x \"$stevedore\" ] || stevedore=stevedore\n\
         exec \"$stevedore\" hook pre-push{fail_on} \"$@\"\n"
    )
}

pub(crate) fn install(cwd: &Path, fail_on: Option<FailOn>, force: bool) -> Result<PathBuf> {
    let dir = hooks_dir(cwd)?;
    let path = dir.join("pre-push");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        if !existing.contains(MARKER) && !force {
            return Err(Error::usage(format!(
                "{}: a pre-push hook stevedore did not write is there; keep it, or replace it with --force",
                path.display()
            )));
        }
    }
    let exe = std::env::current_exe().map_err(|e| Error::io("stevedore executable", e))?;
    std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
    std::fs::write(&path, hook_script(&exe, fail_on)).map_err(|e| Error::io(&path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
            .map_err(|e| Error::io(&path, e))?;
    }
    Ok(path)
}

pub(crate) fn uninstall(cwd: &Path) -> Result<Option<PathBuf>> {
    let path = hooks_dir(cwd)?.join("pre-push");
    match std::fs::read_to_string(&path) {
        Err(_) => Ok(None),
        Ok(existing) if !existing.contains(MARKER) => Err(Error::usage(format!(
            "{}: this pre-push hook is not stevedore's; left alone",
            path.display()
        ))),
        Ok(_) => {
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            Ok(Some(path))
        }
    }
}

/// One ref being pushed, as git describes it on the hook's standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PushedRef {
    pub local_sha: String,
    pub remote_ref: String,
    pub remote_sha: String,
}

pub(crate) fn parse_push_lines(input: impl BufRead) -> Result<Vec<PushedRef>> {
    let mut refs = Vec::new();
    for line in input.lines() {
        let line = line.map_err(|e| Error::io("standard input", e))?;
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [] => continue,
            [_local_ref, local_sha, remote_ref, remote_sha] => refs.push(PushedRef {
                local_sha: local_sha.to_string(),
                remote_ref: remote_ref.to_string(),
                remote_sha: remote_sha.to_string(),
            }),
            _ => {
                return Err(Error::input(
                    "pre-push input",
                    format!(
                        "expected `<local ref> <local sha> <remote ref> <remote sha>`, got `{line}`"
                    ),
                ));
            }
        }
    }
    Ok(refs)
}

fn is_null(sha: &str) -> bool {
    sha.chars().all(|c| c == '0')
}

fn nul_list(bytes: Vec<u8>) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// The files added, copied, modified or renamed by the commits of `pushed` the remote lacks;
/// `None` for a deleted ref.
pub(crate) fn changed_files(repo: &Path, pushed: &PushedRef) -> Result<Option<Vec<String>>> {
    if is_null(&pushed.local_sha) {
        return Ok(None);
    }
    let local = pushed.local_sha.as_str();
    let known_remote = !is_null(&pushed.remote_sha)
        && git_ok(
            repo,
            &[
                "cat-file",
                "-e",
                &format!("{}^{{commit}}", pushed.remote_sha),
            ],
        );
    let base = if known_remote {
        Some(pushed.remote_sha.clone())
    } else {
        // No merge-base (no origin/HEAD, unrelated histories): every file, below.
        git(repo, &["merge-base", "origin/HEAD", local])
            .ok()
            .map(text)
            .filter(|base| !base.is_empty())
    };
    let files = match base {
        Some(base) => git(
            repo,
            &[
                "diff",
                "--name-only",
                "-z",
                "--no-renames",
                "--diff-filter=ACMR",
                &base,
                local,
            ],
        )?,
        // A new branch with nothing to compare against: every tracked file of the pushed commit.
        None => git(
            repo,
            &["ls-tree", "-r", "-z", "--full-tree", "--name-only", local],
        )?,
    };
    Ok(Some(nul_list(files)))
}

/// Whether a path may be a configuration file `stevedore config` reads (as pre-commit's
/// `files` pattern says).
pub(crate) fn may_be_config(path: &str) -> bool {
    let p = Path::new(path);
    let unit_drop_in = p
        .parent()
        .and_then(Path::file_name)
        .and_then(|d| d.to_str())
        .is_some_and(|d| d.ends_with(".service.d"))
        && path.ends_with(".conf");
    is_plain(path)
        && (crate::inputs::load::Kind::from_name(p).is_some()
            || unit_drop_in
            || [".yaml", ".yml", ".json", ".toml", ".service"]
                .iter()
                .any(|e| path.ends_with(e)))
}

/// A relative path with no `.`, `..` or empty components (git trees hold nothing else, but the
/// names are written to disk, so check).
fn is_plain(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// A blob of the tree at `commit`: (mode, object id, size, path).
fn tree_entries(
    repo: &Path,
    commit: &str,
    args: &[&str],
) -> Result<Vec<(String, String, u64, String)>> {
    let mut all = vec!["ls-tree", "-z", "-l", "--full-tree", commit, "--"];
    all.extend_from_slice(args);
    let out = git(repo, &all)?;
    Ok(nul_list(out)
        .into_iter()
        .filter_map(|line| {
            let (meta, path) = line.split_once('\t')?;
            let mut m = meta.split_whitespace();
            let mode = m.next()?.to_string();
            let kind = m.next()?;
            let id = m.next()?.to_string();
            let size = m.next()?.parse().ok()?;
            (kind == "blob" && (mode == "100644" || mode == "100755"))
                .then(|| (mode, id, size, path.to_string()))
        })
        .collect())
}

/// A compose override changed alone is linted through its main file, as `docker compose` merges
/// them: on its own it would lack everything the main file sets. Paths are relative to `dir`,
/// where the commit is materialised.
pub(crate) fn with_compose_mains(files: Vec<String>, dir: &Path) -> Vec<String> {
    let mut out = files.clone();
    for f in &files {
        let path = Path::new(f);
        if !crate::inputs::compose::is_override(path) {
            continue;
        }
        if let Some(main) = crate::inputs::compose::main_of_override(&dir.join(path)) {
            if let Ok(rel) = main.strip_prefix(dir) {
                let rel = rel.to_string_lossy().into_owned();
                if !out.contains(&rel) {
                    out.push(rel);
                }
            }
        }
    }
    out
}

/// Writes `files` of `commit`, the other small files of their directories and the commit's
/// `.stevedore.yaml` under `dest`. Symlinks and submodules are not followed.
pub(crate) fn materialise(repo: &Path, commit: &str, files: &[String], dest: &Path) -> Result<()> {
    let mut dirs: Vec<String> = files
        .iter()
        .map(|f| match f.rfind('/') {
            Some(i) => format!("{}/", &f[..i]),
            None => String::new(),
        })
        .collect();
    dirs.sort();
    dirs.dedup();
    let mut wanted = Vec::new();
    for dir in &dirs {
        let spec = if dir.is_empty() { "." } else { dir.as_str() };
        for entry in tree_entries(repo, commit, &[spec])? {
            if entry.2 <= MAX_SIBLING_BYTES || files.contains(&entry.3) {
                wanted.push(entry);
            }
        }
    }
    wanted.extend(tree_entries(repo, commit, &[".stevedore.yaml"])?);
    for (_, id, _, path) in wanted {
        if !is_plain(&path) {
            continue;
        }
        let target = dest.join(&path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
        }
        let bytes = git(repo, &["cat-file", "blob", &id])?;
        let mut f = std::fs::File::create(&target).map_err(|e| Error::io(&target, e))?;
        f.write_all(&bytes).map_err(|e| Error::io(&target, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_lines_parse_and_garbage_is_an_error() {
        let input = "refs/heads/main 1111 refs/heads/main 0000\n\n";
        let refs = parse_push_lines(input.as_bytes()).unwrap();
        assert_eq!(
            refs,
            vec![PushedRef {
                local_sha: "1111".into(),
                remote_ref: "refs/heads/main".into(),
                remote_sha: "0000".into()
            }]
        );
        let err = parse_push_lines("one two\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("one two"), "{err}");
        assert!(is_null("0000000000000000000000000000000000000000") && !is_null("1111"));
    }

    #[test]
    fn config_candidates() {
        for yes in [
            "compose.yaml",
            "deploy/app.yml",
            "Dockerfile",
            "x/daemon.json",
            "Containerfile",
        ] {
            assert!(may_be_config(yes), "{yes}");
        }
        for no in ["README.md", "src/main.rs", "Makefile"] {
            assert!(!may_be_config(no), "{no}");
        }
    }

    #[test]
    fn the_script_quotes_its_path_and_carries_the_threshold() {
        let s = hook_script(
            Path::new("/opt/it's/stevedore"),
            Some(FailOn::Severity(crate::catalog::Severity::High)),
        );
        assert!(s.starts_with("#!/bin/sh\n") && s.contains(MARKER));
        assert!(s.contains(r"stevedore='/opt/it'\''s/stevedore'"), "{s}");
        assert!(s.contains("hook pre-push --fail-on high \"$@\""), "{s}");
    }
}
