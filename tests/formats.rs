//! One description, every source format, identical findings; and every check both fires on a
//! fixture and stays silent on the clean one.

use crate::support::imagegen::Format;
use crate::support::{build_fixture, empty_config, fixture_names, stevedore};
use serde_json::Value;
use std::collections::BTreeSet;

/// The parts of a JSON report that must not depend on the source format.
fn essence(report: &Value) -> Value {
    let findings: Vec<Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            serde_json::json!({
                "rule": f["rule_id"], "message": f["message"], "location": f["location"],
                "evidence": f["evidence"], "fingerprint": f["fingerprint"], "severity": f["severity"],
            })
        })
        .collect();
    serde_json::json!({
        "findings": findings,
        "entries": report["target"]["entries"],
        "shadowed": report["target"]["shadowed_files"],
        "config_digest": report["target"]["config_digest"],
        "diff_ids": report["target"]["layers"].as_array().map(|ls| ls.iter().map(|l| l["diff_id"].clone()).collect::<Vec<_>>()),
        "repository": report["target"]["repository"],
    })
}

fn scan_json(reference: &str) -> Value {
    let run = stevedore(&[
        "image",
        reference,
        "--format",
        "json",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(run.code, 0, "{reference}: {}", run.stderr);
    run.json()
}

#[test]
fn every_format_gives_identical_results() {
    let dir = tempfile::tempdir().unwrap();
    for name in fixture_names() {
        let mut first: Option<(Format, Value)> = None;
        for format in Format::ALL {
            let reference = build_fixture(&name, format, dir.path());
            let report = scan_json(&reference);
            let got = essence(&report);
            match &first {
                None => first = Some((format, got)),
                Some((f0, want)) => {
                    assert_eq!(&got, want, "{name}: {format:?} differs from {f0:?}")
                }
            }
        }
    }
}

#[test]
fn manifest_digest_is_reported_for_oci_sources() {
    let dir = tempfile::tempdir().unwrap();
    let oci = scan_json(&build_fixture("demo", Format::OciDirGzip, dir.path()));
    assert!(
        oci["target"]["manifest_digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    let legacy = scan_json(&build_fixture("demo", Format::DockerArchive, dir.path()));
    assert!(legacy["target"]["manifest_digest"].is_null());
    // Newer docker save archives carry an OCI index: its manifest digest is reported.
    let newer = scan_json(&build_fixture("demo", Format::DockerArchiveOci, dir.path()));
    assert!(
        newer["target"]["manifest_digest"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:"))
    );
    assert_eq!(newer["target"]["transport"], "docker-archive");
}

fn fired(name: &str) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let report = scan_json(&build_fixture(name, Format::OciDirGzip, dir.path()));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn clean_fixture_is_silent() {
    assert_eq!(fired("clean"), BTreeSet::new());
}

#[test]
fn root_user_resolves_names_through_passwd() {
    assert!(
        fired("root-alias").contains("IMG001"),
        "uid-0 alias through a symlinked /etc/passwd"
    );
    assert!(
        !fired("named-user").contains("IMG001"),
        "uid 1000 by name is not root"
    );
}

#[test]
fn healthcheck_none_counts_as_missing() {
    assert!(fired("root-alias").contains("IMG002"));
    assert!(!fired("named-user").contains("IMG002"));
}

#[test]
fn setuid_findings_follow_the_flattened_filesystem() {
    let dir = tempfile::tempdir().unwrap();
    let report = scan_json(&build_fixture("demo", Format::DockerArchive, dir.path()));
    let setuid: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule_id"] == "FS001")
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap().to_string(),
                f["location"]["layer"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        setuid,
        vec![
            ("/app/su".to_string(), 2),
            ("/usr/bin/su".to_string(), 0),
            ("/usr/bin/wall".to_string(), 0)
        ]
    );
    assert!(
        !fired("named-user").contains("FS001"),
        "a setuid file replaced later is gone"
    );
    assert_eq!(
        report["target"]["shadowed_files"], 1,
        "the deleted /app/.env still ships"
    );
}
