//! `--baseline`: adopt on an old codebase, fail only on what is new.

use crate::support::{empty_config, stevedore_in};
use serde_json::Value;

/// (rule, suppressed) of every finding.
fn verdicts(report: &Value) -> Vec<(String, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                !f["suppression"].is_null(),
            )
        })
        .collect()
}

#[test]
fn only_new_findings_fail_and_moved_lines_still_match() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = empty_config();
    let compose = dir.path().join("compose.yaml");
    std::fs::write(
        &compose,
        "services:\n  old:\n    image: busybox\n    privileged: true\n",
    )
    .unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "config",
            "-f",
            "json",
            "--config",
            &cfg,
            "--fail-on",
            "high",
        ];
        args.extend_from_slice(extra);
        args.push("compose.yaml");
        stevedore_in(dir.path(), &args)
    };

    let first = scan(&["-o", "json=old.json"]);
    assert_eq!(first.code, 1, "privileged fails at high: {}", first.stderr);
    let old = verdicts(&first.json());
    assert!(old.contains(&("CTR001".to_string(), false)), "{old:?}");

    // Unchanged: everything is in the baseline, nothing fails.
    let same = scan(&["--baseline", "old.json"]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    let report = same.json();
    assert!(verdicts(&report).iter().all(|(_, s)| *s));
    assert_eq!(report["summary"]["suppressed"], old.len());
    let why = report["findings"][0]["suppression"]["justification"]
        .as_str()
        .unwrap();
    assert!(why.contains("baseline old.json"), "{why}");

    // A new service above the old one: the old finding moved lines but still matches; the new
    // one is reported and fails the run.
    std::fs::write(
        &compose,
        "services:\n  new:\n    image: busybox\n    network_mode: host\n  old:\n    image: busybox\n    privileged: true\n",
    )
    .unwrap();
    let grown = scan(&["--baseline", "old.json"]);
    assert_eq!(grown.code, 1, "{}", grown.stdout);
    let now = verdicts(&grown.json());
    assert!(now.contains(&("CTR001".to_string(), true)), "{now:?}");
    let new: Vec<_> = now.iter().filter(|(_, s)| !s).collect();
    assert!(
        !new.is_empty() && new.iter().all(|(r, _)| r != "CTR001"),
        "{now:?}"
    );
}

#[test]
fn a_baseline_that_is_not_a_report_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.json"), "{\"findings\": [").unwrap();
    std::fs::write(dir.path().join("compose.yaml"), "services: {}\n").unwrap();
    let cfg = empty_config();
    for (file, needle) in [("bad.json", "not JSON"), ("missing.json", "missing.json")] {
        let run = stevedore_in(
            dir.path(),
            &[
                "config",
                "--config",
                &cfg,
                "--baseline",
                file,
                "compose.yaml",
            ],
        );
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains(file) && run.stderr.contains(needle),
            "{}",
            run.stderr
        );
    }
}
