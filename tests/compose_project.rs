//! A compose project read as `docker compose` reads it: what cannot be read is an error unless
//! partial coverage is allowed, and only values written in the files count as values.

use crate::support::{empty_config, stevedore_in};
use serde_json::Value;
use std::path::Path;

fn scan(dir: &Path, extra: &[&str]) -> crate::support::Run {
    let cfg = empty_config();
    let mut args = vec![
        "config",
        ".",
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ];
    args.extend_from_slice(extra);
    stevedore_in(dir, &args)
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn skipped(report: &Value) -> Vec<(String, String)> {
    report["target"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

const SERVICE: &str = "services:\n  web:\n    image: example/web:1.0\n    privileged: true\n";

#[test]
fn a_missing_include_or_extends_file_is_an_error_unless_partial_coverage_is_allowed() {
    for (name, compose) in [
        (
            "include",
            format!("include:\n  - shared/db.yaml\n{SERVICE}"),
        ),
        (
            "extends",
            format!(
                "{SERVICE}  worker:\n    extends:\n      file: base/worker.yaml\n      service: worker\n"
            ),
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "compose.yaml", &compose);
        let strict = scan(dir.path(), &[]);
        assert_eq!(strict.code, 2, "{name}: {}", strict.stderr);
        assert!(
            strict.stderr.contains("no such file") && strict.stderr.contains("--allow-partial"),
            "{name}: {}",
            strict.stderr
        );

        let partial = scan(dir.path(), &["--allow-partial"]);
        assert_eq!(partial.code, 0, "{name}: {}", partial.stderr);
        let report = partial.json();
        assert!(
            rules(&report).contains(&"CTR001".to_string()),
            "{name}: the readable part is still graded"
        );
        let gaps = skipped(&report);
        assert!(
            gaps.iter().any(|(p, r)| p.ends_with(".yaml")
                && r.contains(name)
                && r.contains("graded without it")),
            "{name}: {gaps:?}"
        );
    }
}

#[test]
fn an_unreadable_dotenv_is_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", SERVICE);
    std::fs::create_dir(dir.path().join(".env")).unwrap(); // there, but cannot be read as a file
    let strict = scan(dir.path(), &[]);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
    assert!(strict.stderr.contains(".env"), "{}", strict.stderr);
    let partial = scan(dir.path(), &["--allow-partial"]);
    assert_eq!(partial.code, 0, "{}", partial.stderr);
}

#[test]
fn a_missing_env_file_is_listed_and_the_project_graded() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        &format!("{SERVICE}    env_file:\n      - local.env\n"),
    );
    let run = scan(dir.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert!(rules(&report).contains(&"CTR001".to_string()));
    let gaps = skipped(&report);
    assert!(
        gaps.iter().any(|(p, r)| p.ends_with("local.env")
            && r.contains("env_file")
            && r.contains("not judged")),
        "{gaps:?}"
    );
}

#[test]
fn interpolated_values_are_references_and_literal_ones_are_values() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n      REPLICA_URL: postgres://rep:${REPLICA_PASSWORD}@db2/x\n  api:\n    image: example/api:2.1\n    environment:\n      - API_TOKEN=Vt5mQ9zX2wLk7pR3\n      - PRICE=$$5\n",
    );
    // The values behind the references are real ones: they live in .env, not the compose file.
    write(dir.path(), ".env", "DB_PASSWORD=Jd8#kw2Pq9zT\n");
    let run = scan(dir.path(), &["--select", "CTR022"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(
        messages[0].contains("service api: API_TOKEN"),
        "{messages:#?}"
    );
    assert!(
        !run.stdout.contains("Vt5mQ9zX2wLk7pR3") && !run.stdout.contains("Jd8#kw2Pq9zT"),
        "secrets are redacted"
    );
}
