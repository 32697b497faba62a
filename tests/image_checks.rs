//! The image catalog on fixtures that plant each problem next to its look-alikes.

use crate::support::imagegen::{self, Format};
use crate::support::{build_fixture, empty_config, fixture, stevedore};
use serde_json::Value;

fn scan(name: &str, extra: &[&str]) -> (Value, String) {
    let dir = tempfile::tempdir().unwrap();
    let reference = build_fixture(name, Format::OciDirGzip, dir.path());
    let cfg = empty_config();
    let mut args = vec![
        "image",
        reference.as_str(),
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ];
    args.extend_from_slice(extra);
    let run = stevedore(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    (run.json(), run.stdout)
}

/// (rule, message) of every unsuppressed finding.
fn active(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppression"].is_null())
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn has(found: &[(String, String)], rule: &str, needle: &str) -> bool {
    found.iter().any(|(r, m)| r == rule && m.contains(needle))
}

/// Fails with every finding listed when no `rule` finding says `needle`.
#[track_caller]
fn assert_has(found: &[(String, String)], rule: &str, needle: &str) {
    assert!(
        has(found, rule, needle),
        "no {rule} saying {needle:?}; found: {found:#?}"
    );
}

/// Fails with the offending findings listed when a `rule` finding says `needle`.
#[track_caller]
fn assert_lacks(found: &[(String, String)], rule: &str, needle: &str) {
    let hits: Vec<_> = found
        .iter()
        .filter(|(r, m)| r == rule && m.contains(needle))
        .collect();
    assert!(
        hits.is_empty(),
        "{rule} saying {needle:?} must not fire: {hits:#?}"
    );
}

#[test]
fn config_secrets_fire_and_look_alikes_stay_silent() {
    let (report, raw) = scan("config-smells", &[]);
    let found = active(&report);
    for needle in [
        "ENV AWS_ACCESS_KEY_ID",
        "ENV AWS_SECRET_ACCESS_KEY",
        "ENV DB_PASSWORD",
        "LABEL deploy.slack_webhook_token",
    ] {
        assert_has(&found, "IMG005", needle);
    }
    for quiet in [
        "GPG_KEY",
        "PYTHON_VERSION",
        "PASSWORD_FILE",
        "OAUTH_TOKEN_URL",
        "API_KEY",
        "SECRET_KEY",
        "GITHUB_TOKEN",
        "APP_SHA256",
    ] {
        assert!(
            !found.iter().any(|(_, m)| m.contains(&format!(" {quiet} "))),
            "{quiet} must not fire"
        );
    }
    assert_eq!(
        found.iter().filter(|(r, _)| r == "IMG005").count(),
        4,
        "{found:#?}"
    );
    // Evidence is redacted everywhere: the secrets themselves never reach a report.
    let dir = tempfile::tempdir().unwrap();
    let reference = build_fixture("config-smells", Format::DockerArchive, dir.path());
    let sarif = stevedore(&["image", &reference, "-f", "sarif", "--fail-on", "none"]).stdout;
    let text = stevedore(&["image", &reference, "--fail-on", "none"]).stdout;
    for secret in [
        "AKIAZ7QWERTYUIOPASDF",
        "q8Yv3LkP0sWm2Xn5",
        "correct-horse-battery",
        "xoxb-2222222222",
    ] {
        assert!(
            !raw.contains(secret),
            "{secret} leaked into the JSON report"
        );
        assert!(!sarif.contains(secret), "{secret} leaked into SARIF");
        assert!(!text.contains(secret), "{secret} leaked into text");
    }
    assert!(sarif.contains("AKIA…(20 chars)"));
    assert_has(&found, "IMG007", "2375/tcp: Docker API without TLS");
    assert_has(&found, "IMG007", "22/tcp: SSH");
    assert!(!found.iter().any(|(_, m)| m.contains("8080")), "{found:#?}");
    assert_has(
        &found,
        "IMG008",
        "label RUN asks for --privileged, --pid=host, -v /:/",
    );
    assert_has(&found, "IMG011", "/var/run/docker.sock");
    assert!(
        !found.iter().any(|(_, m)| m.contains("/var/lib/app")),
        "{found:#?}"
    );
    assert_has(&found, "IMG006", "stevedore-fixtures/config-smells:latest");
    let severity = |rule: &str, needle: &str| -> String {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule && f["message"].as_str().unwrap().contains(needle))
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(severity("IMG007", "2375"), "critical");
    assert_eq!(severity("IMG007", "22/tcp"), "medium");
}

#[test]
fn latest_tag_needs_a_reference() {
    let dir = tempfile::tempdir().unwrap();
    let mut desc = imagegen::load(&fixture("images/clean.yaml"));
    desc.repo_tags.clear();
    let path = imagegen::write(
        &imagegen::build(&desc),
        Format::DockerArchive,
        dir.path(),
        "untagged",
    );
    let run = stevedore(&[
        "image",
        path.to_str().unwrap(),
        "-f",
        "json",
        "--select",
        "IMG006",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(
        run.json()["findings"].as_array().unwrap().len(),
        0,
        "an archive without a reference has no tag"
    );
    let (clean, _) = scan("clean", &["--select", "IMG006"]);
    assert!(active(&clean).is_empty());
}

#[test]
fn history_smells() {
    let (report, _) = scan("history-smells", &[]);
    let found = active(&report);
    assert_has(
        &found,
        "IMG003",
        "`apt-get update` without an install in the same step: `RUN apt-get update` (history 1)",
    );
    assert_has(&found, "IMG003", "`apt-get dist-upgrade` upgrades packages");
    assert_has(
        &found,
        "IMG009",
        "sudo in `RUN apt-get -y dist-upgrade && sudo apt-get install -y curl`",
    );
    // The history drops ADD's --checksum flag: a remote ADD there is judged by neither rule.
    assert_lacks(&found, "IMG004", "https://");
    assert_lacks(&found, "IMG014", "");
    assert_has(
        &found,
        "IMG004",
        "ADD where COPY would do: `ADD file:7a6b5c in /app/config/`",
    );
    assert_lacks(&found, "IMG004", "file:0c9d8e"); // the base image's own ADD is not ours
    assert_has(
        &found,
        "IMG010",
        "/var/lib/apt/lists holds 43 B in 1 file, left by `RUN apt-get update`",
    );
    assert_has(&found, "IMG005", "build arg NPM_TOKEN, history 5");
    let sev: Vec<(&str, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "IMG004")
        .map(|f| {
            (
                f["evidence"]["source"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
            )
        })
        .collect();
    assert!(
        sev.iter().all(|s| *s == ("local", "low")) && !sev.is_empty(),
        "{sev:?}"
    );
}

#[test]
fn filesystem_smells() {
    let (report, raw) = scan("fs-smells", &[]);
    let found = active(&report);
    assert_has(
        &found,
        "FS002",
        "/usr/bin/admin-tool has file capabilities cap_sys_admin+ep",
    );
    assert_has(
        &found,
        "FS002",
        "/usr/bin/web has file capabilities cap_net_bind_service+ep",
    );
    assert_has(
        &found,
        "FS003",
        "private key (openssh private key): /app/deploy_key was added in layer 1 by `COPY . /app` (history 1) and deleted in layer 2, but still ships",
    );
    assert_has(&found, "FS003", "docker save");
    assert_has(
        &found,
        "FS003",
        "credentials in config.json: /root/.docker/config.json",
    );
    assert_has(
        &found,
        "FS003",
        "shell history (2 commands): /root/.bash_history",
    );
    assert_has(&found, "FS004", "account `toor` has an empty password");
    assert_lacks(&found, "FS004", "`app`"); // a locked account is fine
    assert_has(&found, "FS005", "account `toor` has uid 0");
    assert_has(&found, "FS005", "uid 1000 is shared by app, svc");
    assert_has(&found, "FS005", "gid 1000 is shared by app, svc");
    assert_has(&found, "FS005", "malformed lines (skipped): 5");
    assert_has(&found, "FS006", "world-writable file: /opt/app.conf");
    assert_has(
        &found,
        "FS006",
        "world-writable directory without the sticky bit: /opt/shared",
    );
    assert_has(
        &found,
        "FS007",
        "version-control directory (.git): /app/.git",
    );
    assert_has(&found, "FS007", "Dockerfile: /app/Dockerfile");
    assert!(
        !found.iter().any(|(_, m)| m.contains("/app/.git/config")),
        "contents of a reported directory are not repeated"
    );
    let sev = |needle: &str| -> String {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["message"].as_str().unwrap().contains(needle))
            .map(|f| f["severity"].as_str().unwrap().to_string())
            .unwrap()
    };
    assert_eq!(sev("cap_sys_admin"), "high");
    assert_eq!(sev("cap_net_bind_service"), "low");
    assert!(
        !raw.contains("b3BlbnNzaC1rZXktdjEAAAAABG5vbmU"),
        "key material never reaches a report"
    );
    assert!(!raw.contains("ZGVwbG95OnMzY3JldC1wdw=="));
    let deleted = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"]["path"] == "/app/deploy_key")
        .unwrap();
    assert_eq!(deleted["location"]["deleted_in"], 2);
    assert_eq!(deleted["location"]["layer"], 1);
}

#[test]
fn accept_flags_config_and_image_labels_suppress_without_dropping() {
    let (report, _) = scan(
        "config-smells",
        &["--accept-key", "DB_PASSWORD", "--select", "IMG005"],
    );
    let db = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["location"]["key"] == "DB_PASSWORD")
        .unwrap()
        .clone();
    assert_eq!(
        db["suppression"]["justification"],
        "DB_PASSWORD is accepted with --accept-key"
    );

    let (report, _) = scan(
        "fs-smells",
        &["--accept-file", "/usr/bin/*", "--select", "FS002"],
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| !f["suppression"].is_null())
    );
    assert_eq!(report["summary"]["suppressed"], 2);

    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg.yaml");
    std::fs::write(&cfg, "accept:\n  IMG005:\n    - key: AWS_ACCESS_KEY_ID\n      reason: rotated, read-only test key\n    - DB_PASSWORD\n").unwrap();
    let reference = build_fixture("config-smells", Format::OciDirGzip, dir.path());
    let run = stevedore(&[
        "image",
        &reference,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        cfg.to_str().unwrap(),
        "--select",
        "IMG005",
    ]);
    let report = run.json();
    let reasons: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["suppression"]["justification"].as_str())
        .collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.contains(&"rotated, read-only test key"));

    // An image label suppresses for the CLI, visibly, unless told not to trust it.
    let mut desc = imagegen::load(&fixture("images/fs-smells.yaml"));
    desc.config.insert(
        "Labels".into(),
        imagegen::serde_yaml_value::Any::Map(
            [(
                "stevedore.ignore".to_string(),
                imagegen::serde_yaml_value::Any::Str("FS007, FS006".into()),
            )]
            .into_iter()
            .collect(),
        ),
    );
    let path = imagegen::write(
        &imagegen::build(&desc),
        Format::OciDirGzip,
        dir.path(),
        "labelled",
    );
    let reference = format!("oci:{}", path.display());
    let labelled = stevedore(&[
        "image",
        &reference,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
    ])
    .json();
    let fs7: Vec<&Value> = labelled["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "FS007" || f["rule_id"] == "FS006")
        .collect();
    assert!(!fs7.is_empty());
    assert!(fs7.iter().all(|f| f["suppression"]["kind"] == "inSource"));
    let distrust = stevedore(&[
        "image",
        &reference,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
        "--ignore-image-labels",
    ])
    .json();
    assert!(
        distrust["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == "FS007")
            .all(|f| f["suppression"].is_null())
    );
}
