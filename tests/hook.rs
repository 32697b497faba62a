//! `stevedore hook`: a real repository pushing to a local bare remote through the installed hook.

use crate::support::stevedore_in;
use std::path::Path;
use std::process::{Command, Output};

/// Runs git in `dir`, isolated from the user's and the system's git config.
fn git(dir: &Path, args: &[&str]) -> Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "t")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "t")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .env("NO_COLOR", "1")
        .output()
        .expect("run git")
}

fn ok(dir: &Path, args: &[&str]) -> String {
    let out = git(dir, args);
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn commit_all(dir: &Path, message: &str) {
    ok(dir, &["add", "-A"]);
    ok(dir, &["commit", "-q", "-m", message]);
}

/// A work tree with one pushed commit and a bare `origin`.
fn repo_pair(root: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let remote = root.join("remote.git");
    let work = root.join("work");
    std::fs::create_dir_all(&work).unwrap();
    ok(root, &["init", "-q", "--bare", "-b", "main", "remote.git"]);
    ok(&work, &["init", "-q", "-b", "main"]);
    ok(
        &work,
        &["remote", "add", "origin", remote.to_str().unwrap()],
    );
    std::fs::write(work.join("README.md"), "demo\n").unwrap();
    commit_all(&work, "start");
    ok(&work, &["push", "-q", "origin", "main"]);
    (work, remote)
}

fn push(work: &Path, args: &[&str]) -> (bool, String) {
    let mut all = vec!["push", "origin"];
    all.extend_from_slice(args);
    let out = git(work, &all);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[test]
fn the_hook_blocks_a_privileged_compose_file_and_lets_clean_pushes_through() {
    let root = tempfile::tempdir().unwrap();
    let (work, remote) = repo_pair(root.path());
    let run = stevedore_in(&work, &["hook", "install", "--fail-on", "high"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let hook = std::fs::read_to_string(work.join(".git/hooks/pre-push")).unwrap();
    assert!(hook.contains(env!("CARGO_BIN_EXE_stevedore")), "{hook}");

    // A privileged service: refused, with the finding printed; the remote keeps its old head.
    let before = ok(&remote, &["rev-parse", "main"]);
    std::fs::create_dir_all(work.join("deploy")).unwrap();
    std::fs::write(
        work.join("deploy/compose.yaml"),
        "services:\n  app:\n    image: busybox:1.36\n    privileged: true\n",
    )
    .unwrap();
    std::fs::write(work.join("notes.txt"), "not configuration\n").unwrap();
    commit_all(&work, "privileged");
    let (pushed, out) = push(&work, &["main"]);
    assert!(!pushed, "{out}");
    assert!(out.contains("CTR001"), "{out}");
    assert!(out.contains("deploy/compose.yaml"), "{out}");
    assert!(out.contains("--no-verify"), "{out}");
    assert_eq!(ok(&remote, &["rev-parse", "main"]), before);

    // The working tree is not what is linted: fixing it without committing still blocks.
    std::fs::write(
        work.join("deploy/compose.yaml"),
        "services:\n  app:\n    image: busybox:1.36\n",
    )
    .unwrap();
    let (pushed, out) = push(&work, &["main"]);
    assert!(!pushed, "the committed file is privileged: {out}");

    // Committed fix: the push goes through.
    commit_all(&work, "fix");
    let (pushed, out) = push(&work, &["main"]);
    assert!(pushed, "{out}");
    assert!(out.contains("linting 1 file(s)"), "{out}");

    // Deleting files and pushing only non-configuration changes is fine.
    std::fs::remove_file(work.join("deploy/compose.yaml")).unwrap();
    std::fs::write(work.join("notes.txt"), "changed\n").unwrap();
    commit_all(&work, "delete");
    let (pushed, out) = push(&work, &["main"]);
    assert!(pushed, "{out}");
    assert!(out.contains("no configuration files changed"), "{out}");

    // A new branch with no origin/HEAD: every tracked file of the pushed commit is linted.
    ok(&work, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(
        work.join("compose.yaml"),
        "services:\n  web:\n    image: busybox:1.36\n    network_mode: host\n    pid: host\n",
    )
    .unwrap();
    commit_all(&work, "host namespaces");
    let (pushed, out) = push(&work, &["feature"]);
    assert!(!pushed, "{out}");
    assert!(out.contains("compose.yaml"), "{out}");

    // Deleting a remote branch pushes no content and is never blocked.
    let (pushed, out) = push(&work, &["--no-verify", "feature"]);
    assert!(pushed, "{out}");
    let (pushed, out) = push(&work, &["--delete", "feature"]);
    assert!(pushed, "{out}");

    let run = stevedore_in(&work, &["hook", "uninstall"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!work.join(".git/hooks/pre-push").exists());
}

#[test]
fn foreign_hooks_are_kept_and_core_hooks_path_is_honoured() {
    let root = tempfile::tempdir().unwrap();
    let (work, _) = repo_pair(root.path());
    let foreign = work.join(".git/hooks/pre-push");
    std::fs::write(&foreign, "#!/bin/sh\nexit 0\n").unwrap();
    let run = stevedore_in(&work, &["hook", "install"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    let run = stevedore_in(&work, &["hook", "uninstall"]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(
        std::fs::read_to_string(&foreign).unwrap(),
        "#!/bin/sh\nexit 0\n"
    );
    let run = stevedore_in(&work, &["hook", "install", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let replaced = std::fs::read_to_string(&foreign).unwrap();
    assert!(replaced.contains("hook pre-push"), "{replaced}");

    ok(&work, &["config", "core.hooksPath", ".githooks"]);
    std::fs::create_dir_all(work.join("sub")).unwrap();
    let run = stevedore_in(&work.join("sub"), &["hook", "install"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(work.join(".githooks/pre-push").exists());
}

#[test]
fn garbage_on_the_hooks_stdin_is_an_input_error() {
    let root = tempfile::tempdir().unwrap();
    let (work, _) = repo_pair(root.path());
    let out = Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args(["hook", "pre-push", "origin", "url"])
        .current_dir(&work)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(b"not four fields\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pre-push input") && err.contains("not four fields"),
        "{err}"
    );
}

#[test]
fn pre_commit_hooks_select_configuration_files() {
    let text =
        std::fs::read_to_string(crate::support::repo().join(".pre-commit-hooks.yaml")).unwrap();
    use saphyr::LoadableYamlNode;
    let docs = saphyr::Yaml::load_from_str(&text).unwrap();
    let hooks = docs[0].as_vec().unwrap();
    let field = |id: &str, key: &str| -> String {
        let hook = hooks
            .iter()
            .find(|h| h["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("no hook {id}"));
        let v = &hook[key];
        if let Some(s) = v.as_str() {
            s.to_string()
        } else if let Some(b) = v.as_bool() {
            b.to_string()
        } else if let Some(a) = v.as_vec() {
            a.iter()
                .filter_map(|v| v.as_str())
                .collect::<Vec<_>>()
                .join(",")
        } else {
            panic!("{id}.{key}: {v:?}")
        }
    };
    assert_eq!(field("stevedore-config", "entry"), "stevedore config");
    assert_eq!(field("stevedore-config", "language"), "rust");
    assert_eq!(
        field("stevedore-config", "stages"),
        "pre-commit,pre-push,manual"
    );
    assert_eq!(field("stevedore-image", "pass_filenames"), "false");
    assert_eq!(field("stevedore-image", "stages"), "pre-push,manual");

    // pre-commit matches `files` with Python's re.search: ask Python.
    let pattern = field("stevedore-config", "files");
    let names = [
        ("Dockerfile", true),
        ("app/Dockerfile.prod", true),
        ("Containerfile", true),
        ("build/api.Dockerfile", true),
        ("compose.yaml", true),
        ("k8s/deploy.yml", true),
        ("etc/docker/daemon.json", true),
        ("systemd/docker.service.d/override.conf", true),
        ("node/containerd/config.toml", true),
        ("node/crio/crio.conf.d/10-caps.conf", true),
        ("node/containers/registries.conf", true),
        ("systemd/kubelet.service.d/10-kubeadm.conf", true),
        ("systemd/kubelet.service", true),
        ("README.md", false),
        ("docs/setup.conf", false),
        ("src/main.rs", false),
        ("docs/Dockerfiles.md", false),
    ];
    let script = "import re,sys\np=sys.argv[1]\nprint(' '.join('1' if re.search(p,n) else '0' for n in sys.argv[2:]))";
    let mut cmd = Command::new("python3");
    cmd.args(["-c", script, &pattern]);
    cmd.args(names.iter().map(|(n, _)| *n));
    let out = cmd.output().expect("python3");
    let got = String::from_utf8_lossy(&out.stdout);
    for ((name, want), bit) in names.iter().zip(got.split_whitespace()) {
        assert_eq!(bit == "1", *want, "{name} against {pattern}");
    }
    assert_eq!(got.split_whitespace().count(), names.len(), "{got}");
    // The pre-push hook selects the same files.
    for (name, want) in names {
        assert_eq!(
            stevedore::hook_may_be_config(name),
            want,
            "{name} in the pre-push hook"
        );
    }
}

#[test]
fn a_new_branch_is_linted_against_its_merge_base_with_origin_head() {
    let root = tempfile::tempdir().unwrap();
    let (work, remote) = repo_pair(root.path());
    // Old debt on main, pushed before the hook existed.
    std::fs::write(
        work.join("compose.yaml"),
        "services:\n  old:\n    image: busybox:1.36\n    privileged: true\n",
    )
    .unwrap();
    commit_all(&work, "old debt");
    ok(&work, &["push", "-q", "origin", "main"]);

    // A clone has origin/HEAD; its new branch changes only a clean file.
    ok(
        root.path(),
        &["clone", "-q", remote.to_str().unwrap(), "clone"],
    );
    let clone = root.path().join("clone");
    let run = stevedore_in(&clone, &["hook", "install", "--fail-on", "high"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    ok(&clone, &["checkout", "-q", "-b", "topic"]);
    std::fs::write(
        clone.join("compose.override.yaml"),
        "services:\n  old:\n    read_only: true\n",
    )
    .unwrap();
    commit_all(&clone, "harden");
    let (pushed, out) = push(&clone, &["topic"]);
    assert!(pushed, "only the changed file is linted: {out}");
    assert!(out.contains("linting 1 file(s)"), "{out}");
}

/// A compose override pushed alone is linted merged into its main file, as `docker compose`
/// runs it: the hardening the main file sets counts, and what the override adds is judged.
/// Findings in the main file itself are not the push's (see the merge-base test: old debt there
/// does not block).
#[test]
fn an_override_pushed_alone_is_linted_with_its_main_file() {
    let root = tempfile::tempdir().unwrap();
    let (work, _remote) = repo_pair(root.path());
    let run = stevedore_in(&work, &["hook", "install", "--fail-on", "low"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::copy(
        crate::support::fixture("configs/compose-good/compose.yaml"),
        work.join("compose.yaml"),
    )
    .unwrap();
    commit_all(&work, "hardened service");
    let (pushed, out) = push(&work, &["main"]);
    assert!(pushed, "{out}");

    // Only the override changes; alone it would lack the main file's user, limits, cap_drop…
    std::fs::write(
        work.join("compose.override.yaml"),
        "services:\n  api:\n    environment:\n      LOG_LEVEL: debug\n",
    )
    .unwrap();
    commit_all(&work, "override: environment only");
    let (pushed, out) = push(&work, &["main"]);
    assert!(pushed, "{out}");
    assert!(out.contains("linting 1 file(s)"), "{out}");

    // What the override adds is still judged, on the override's line.
    std::fs::write(
        work.join("compose.override.yaml"),
        "services:\n  api:\n    environment:\n      LOG_LEVEL: debug\n    privileged: true\n",
    )
    .unwrap();
    commit_all(&work, "override: privileged");
    let (pushed, out) = push(&work, &["main"]);
    assert!(!pushed, "{out}");
    assert!(out.contains("CTR001"), "{out}");
    assert!(out.contains("compose.override.yaml:5"), "{out}");
}
