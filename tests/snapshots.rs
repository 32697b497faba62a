//! Snapshots of every output format for the shipped demo image, and SARIF checked by the shared
//! validator (schema + GitHub code scanning's upload rules).

use crate::support::{empty_config, stevedore};

fn demo_output(format: &str, extra: &[&str]) -> String {
    let cfg = empty_config();
    let mut args = vec!["image", "fixtures/demo.tar", "--config", &cfg, "-f", format];
    args.extend_from_slice(extra);
    let run = stevedore(&args);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.stdout.replace(stevedore::VERSION, "[VERSION]")
}

#[test]
fn text_report() {
    insta::assert_snapshot!(demo_output("text", &[]));
}

#[test]
fn json_report() {
    let json = demo_output("json", &[]);
    crate::support::assert_json_report(&json.replace("[VERSION]", stevedore::VERSION));
    insta::assert_snapshot!(json);
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(demo_output("markdown", &[]));
}

#[test]
fn sarif_report() {
    insta::assert_snapshot!(demo_output(
        "sarif",
        &["--sarif-category", "stevedore/image"]
    ));
}

/// Every fixture's SARIF passes the schema and GitHub's upload rules.
#[test]
fn sarif_passes_the_github_validator() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg.yaml");
    std::fs::write(&cfg, "accept:\n  FS001: [\"/app/*\"]\n").unwrap();
    let plain = dir.path().join("plain.sarif");
    let suppressed = dir.path().join("suppressed.sarif");
    for (file, config) in [
        (&plain, empty_config()),
        (&suppressed, cfg.display().to_string()),
    ] {
        let run = stevedore(&[
            "image",
            "fixtures/demo.tar",
            "--config",
            &config,
            "-o",
            &format!("sarif={}", file.display()),
            "--sarif-category",
            "stevedore/image",
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
    }
    // Every fixture's SARIF too: each rule's results reach GitHub intact.
    let mut files = vec![plain.clone(), suppressed.clone()];
    for name in crate::support::fixture_names() {
        let reference = crate::support::build_fixture(
            &name,
            crate::support::imagegen::Format::OciDirGzip,
            dir.path(),
        );
        let file = dir.path().join(format!("{name}.sarif"));
        let run = stevedore(&[
            "image",
            &reference,
            "--fail-on",
            "none",
            "--config",
            &empty_config(),
            "-o",
            &format!("sarif={}", file.display()),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        files.push(file);
    }
    // Findings on Dockerfile lines.
    let mapped = dir.path().join("mapped.sarif");
    let image = crate::support::build_fixture(
        "buildkit-built",
        crate::support::imagegen::Format::OciDirGzip,
        dir.path(),
    );
    let run = stevedore(&[
        "image",
        &image,
        "--dockerfile",
        "fixtures/images/buildkit-built.Dockerfile",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
        "-o",
        &format!("sarif={}", mapped.display()),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    files.push(mapped);
    for file in &files {
        crate::support::assert_sarif_accepted(&std::fs::read_to_string(file).unwrap());
    }
    let doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&suppressed).unwrap()).unwrap();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["suppressions"][0]["kind"] == "external")
    );
    for r in results {
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "stevedore-demo/app"
        );
    }
}

/// Fingerprints name the problem, not the build: the same problems in a rebuilt image (new
/// digests, new times, another layer order) keep their fingerprints.
#[test]
fn fingerprints_survive_a_rebuild() {
    use crate::support::imagegen::{self, Format};
    let dir = tempfile::tempdir().unwrap();
    let mut desc = imagegen::load(&crate::support::fixture("images/demo.yaml"));
    let first = imagegen::write(&imagegen::build(&desc), Format::OciDirGzip, dir.path(), "a");
    desc.layers[1].files.push(imagegen::FileDesc {
        path: "app/VERSION".into(),
        content: Some("2".into()),
        ..Default::default()
    });
    desc.layers.insert(
        0,
        imagegen::LayerDesc {
            created_by: "new base".into(),
            files: vec![],
        },
    );
    let second = imagegen::write(&imagegen::build(&desc), Format::OciDirGzip, dir.path(), "b");
    let prints = |p: &std::path::Path| -> Vec<String> {
        let run = stevedore(&[
            "image",
            &format!("oci:{}", p.display()),
            "-f",
            "sarif",
            "--fail-on",
            "none",
            "--config",
            &empty_config(),
        ]);
        let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let mut v: Vec<String> = doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                r["partialFingerprints"]["stevedore/v1"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        v.sort();
        v
    };
    let (a, b) = (prints(&first), prints(&second));
    assert_eq!(a.len(), 7);
    assert_eq!(a, b);
}

fn config_output(format: &str, paths: &[&str]) -> String {
    let cfg = empty_config();
    let mut args = vec![
        "config",
        "--config",
        &cfg,
        "-f",
        format,
        "--fail-on",
        "none",
    ];
    args.extend_from_slice(paths);
    let run = stevedore(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout.replace(stevedore::VERSION, "[VERSION]")
}

#[test]
fn config_text_report() {
    insta::assert_snapshot!(config_output(
        "text",
        &[
            "fixtures/configs/daemon-bad",
            "fixtures/configs/seccomp-bad",
            "fixtures/configs/dockerfile-bad"
        ]
    ));
}

#[test]
fn config_json_report() {
    let json = config_output(
        "json",
        &["fixtures/configs/compose-bad", "fixtures/configs/k8s-bad"],
    );
    crate::support::assert_json_report(&json.replace("[VERSION]", stevedore::VERSION));
    insta::assert_snapshot!(json);
}

#[test]
fn config_sarif_report() {
    insta::assert_snapshot!(config_output("sarif", &["fixtures/configs/daemon-bad"]));
}

/// Image findings placed on Dockerfile lines (`--dockerfile`), in every format.
fn mapped_output(format: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let image = crate::support::build_fixture(
        "buildkit-built",
        crate::support::imagegen::Format::OciDirGzip,
        dir.path(),
    );
    let cfg = empty_config();
    let run = stevedore(&[
        "image",
        &image,
        "--dockerfile",
        "fixtures/images/buildkit-built.Dockerfile",
        "--config",
        &cfg,
        "-f",
        format,
        "--fail-on",
        "none",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.stdout
        .replace(stevedore::VERSION, "[VERSION]")
        .replace(&dir.path().display().to_string(), "[DIR]")
}

#[test]
fn dockerfile_mapped_reports() {
    insta::assert_snapshot!("dockerfile_mapped_text", mapped_output("text"));
    let json = mapped_output("json");
    crate::support::assert_json_report(&json.replace("[VERSION]", stevedore::VERSION));
    insta::assert_snapshot!("dockerfile_mapped_json", json);
    insta::assert_snapshot!("dockerfile_mapped_sarif", mapped_output("sarif"));
    insta::assert_snapshot!("dockerfile_mapped_markdown", mapped_output("markdown"));
}
