//! Test helpers: run the real binary, build fixture images, find the repository's files.

#![allow(dead_code)]

pub mod imagegen;
pub mod nodegen;
pub mod serve;
pub mod validate;

use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs a helper command the test needs (openssl, skopeo, psql, a browser) and fails the test,
/// naming the command and what it printed, unless it succeeds.
pub fn run_ok(command: &mut Command) -> std::process::Output {
    let out = command
        .output()
        .unwrap_or_else(|e| panic!("{command:?}: {e}"));
    assert!(
        out.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(rel: &str) -> PathBuf {
    repo().join("fixtures").join(rel)
}

/// The tests' project config (defaults and a fixed day), so tests never pick up a `.stevedore.yaml`
/// from around the checkout.
pub fn empty_config() -> String {
    fixture("config/tests.yaml").display().to_string()
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}\nstderr: {}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `stevedore ARGS` in `cwd` with colour off.
pub fn stevedore_in(cwd: &Path, args: &[&str]) -> Run {
    stevedore_with_env(cwd, args, &[])
}

/// Runs `stevedore ARGS` in `cwd` with colour off and `env` added to the environment.
pub fn stevedore_with_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .output()
        .expect("run stevedore");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `stevedore ARGS` from the repository root.
pub fn stevedore(args: &[&str]) -> Run {
    stevedore_in(&repo(), args)
}

/// `stevedore image REFERENCE -f json --fail-on none` with the tests' config and `extra`, under
/// GNU time: asserts no panic, peak RSS under `max_kib` KiB and wall time under a minute (debug
/// build). Hostile inputs go through here.
pub fn scan_image_bounded(reference: &str, extra: &[&str], max_kib: u64) -> Run {
    let cfg = empty_config();
    let mut args = vec![
        "image",
        reference,
        "--config",
        &cfg,
        "-f",
        "json",
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(extra);
    let (run, kib, elapsed) = stevedore_measured(&args);
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    if let Some(kib) = kib {
        assert!(kib < max_kib, "{reference}: peak RSS {kib} KiB");
    }
    assert!(
        elapsed < std::time::Duration::from_secs(60),
        "{reference}: {elapsed:?}"
    );
    run
}

/// Runs `stevedore ARGS` under GNU time: the run, its peak RSS in KiB (`None` without
/// /usr/bin/time, which only a bare `cargo test` lacks: scripts/test.sh installs it) and its wall
/// time.
pub fn stevedore_measured(args: &[&str]) -> (Run, Option<u64>, std::time::Duration) {
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        assert!(!services_required(), "scripts/test.sh installs GNU time");
        let started = std::time::Instant::now();
        let run = stevedore(args);
        return (run, None, started.elapsed());
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let stats = dir.path().join("rss");
    let started = std::time::Instant::now();
    let out = Command::new(time)
        .arg("-f")
        .arg("%M")
        .arg("-o")
        .arg(&stats)
        .arg(env!("CARGO_BIN_EXE_stevedore"))
        .args(args)
        .current_dir(repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("run stevedore under GNU time");
    let elapsed = started.elapsed();
    let kib = std::fs::read_to_string(&stats)
        .ok()
        .and_then(|s| s.lines().last().and_then(|l| l.trim().parse().ok()));
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    (run, kib, elapsed)
}

/// Writes fixture `name` (from `fixtures/images/NAME.yaml`) in `format` under `dir`; returns the
/// reference to scan.
pub fn build_fixture(name: &str, format: imagegen::Format, dir: &Path) -> String {
    let desc = imagegen::load(&fixture(&format!("images/{name}.yaml")));
    let built = imagegen::build(&desc);
    let path = imagegen::write(&built, format, dir, name);
    format.reference(&path)
}

/// The fixture descriptions shipped under `fixtures/images/`.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixture("images"))
        .expect("fixtures/images")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_suffix(".yaml"))
                .map(str::to_string)
        })
        .collect();
    names.sort();
    names
}

/// Whether scripts/test.sh started the real services; then tests needing them must not skip.
pub fn services_required() -> bool {
    std::env::var_os("STEVEDORE_TEST_SERVICES").is_some_and(|v| v == "1")
}

/// SARIF GitHub code scanning accepts: the schema and upload rules in [`validate`], always; and,
/// as an extra check, an external validator when one is installed (`STEVEDORE_SARIF_VALIDATOR`, or
/// `../shared/tools/validate-sarif` beside the checkout).
#[track_caller]
pub fn assert_sarif_accepted(text: &str) {
    validate::assert_sarif(text);
    let external = std::env::var_os("STEVEDORE_SARIF_VALIDATOR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("../shared/tools/validate-sarif"));
    if !external.exists() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("report.sarif");
    std::fs::write(&file, text).expect("write SARIF");
    let out = Command::new(&external)
        .arg(&file)
        .output()
        .expect("run the external SARIF validator");
    assert!(
        out.status.success(),
        "{}: {}{}",
        external.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Checks a JSON report against `docs/json-report.schema.json` and that it reads back into the
/// typed contract and renders to the same text.
#[track_caller]
pub fn assert_json_report(text: &str) {
    let parsed =
        stevedore::report::json::JsonReport::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(parsed.render(), text, "the report does not round-trip");
    let doc: serde_json::Value = serde_json::from_str(text).expect("JSON");
    let errors = validate::json_report_schema_errors(&doc);
    assert!(
        errors.is_empty(),
        "the JSON report breaks docs/json-report.schema.json:\n{}",
        errors.join("\n")
    );
}

/// (rule, "file:line", message) of every finding in a JSON report.
pub fn file_findings(report: &serde_json::Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                f["rule_id"].as_str().unwrap().to_string(),
                format!("{}:{}", l["path"].as_str().unwrap_or(""), l["line"]),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}
