//! The command line as users meet it: exit codes, outputs, policy, errors.

use crate::support::imagegen::{self, Format};
use crate::support::{build_fixture, empty_config, fixture, stevedore, stevedore_in};
use serde_json::json;

fn demo() -> String {
    format!("docker-archive:{}", fixture("demo.tar").display())
}

#[test]
fn exit_codes_follow_fail_on() {
    let cfg = empty_config();
    let demo = demo();
    let code = |args: &[&str]| {
        let mut a = vec!["image", demo.as_str(), "--config", &cfg];
        a.extend_from_slice(args);
        stevedore(&a).code
    };
    // demo: a critical shadowed secret (FS003), medium IMG001 and FS001, a low IMG002.
    assert_eq!(code(&[]), 1, "default fail-on is medium");
    assert_eq!(code(&["--fail-on", "critical"]), 1);
    assert_eq!(code(&["--fail-on", "critical", "--ignore", "FS003"]), 0);
    assert_eq!(code(&["--fail-on", "high", "--ignore", "FS003"]), 0);
    assert_eq!(code(&["--fail-on", "none"]), 0);
    assert_eq!(code(&["--select", "IMG002", "--fail-on", "low"]), 1);
    assert_eq!(code(&["--select", "IMG002"]), 0);
    assert_eq!(code(&["--fail-on", "loud"]), 2);
}

#[test]
fn one_scan_writes_several_formats() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("out.sarif");
    let json = dir.path().join("out.json");
    let run = stevedore(&[
        "image",
        &demo(),
        "--config",
        &empty_config(),
        "-o",
        &format!("sarif={}", sarif.display()),
        "--output",
        &format!("json={}", json.display()),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("IMG001 root-user"),
        "text still goes to stdout: {}",
        run.stdout
    );
    let s: serde_json::Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(j["schema_version"], 1);
    // A plain --output FILE takes the --format output away from stdout.
    let only = dir.path().join("only.json");
    let run = stevedore(&[
        "image",
        &demo(),
        "--config",
        &empty_config(),
        "-f",
        "json",
        "-o",
        only.to_str().unwrap(),
    ]);
    assert!(run.stdout.is_empty());
    assert!(
        std::fs::read_to_string(&only)
            .unwrap()
            .contains("\"schema_version\": 1")
    );
}

#[test]
fn select_and_ignore_take_ids_names_and_families() {
    let cfg = empty_config();
    let demo = demo();
    let rules = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["image", demo.as_str(), "--config", &cfg, "-f", "json"];
        a.extend_from_slice(args);
        let report = stevedore(&a).json();
        report["rules_run"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect()
    };
    let family = |prefix: &str| -> Vec<String> {
        stevedore::checks::CATALOG
            .iter()
            .filter(|c| c.family() == prefix)
            .map(|c| c.id.to_string())
            .collect()
    };
    assert_eq!(rules(&["--select", "FS"]), family("FS"));
    assert_eq!(
        rules(&["--select", "root-user,IMG002"]),
        vec!["IMG001", "IMG002"]
    );
    assert_eq!(
        rules(&["--ignore", "img"]),
        [family("FS"), family("OS")].concat(),
        "an image scan lists the rules that read images"
    );
    let bad = stevedore(&["image", &demo, "--select", "NOPE042"]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("unknown rule `NOPE042`"),
        "{}",
        bad.stderr
    );
}

#[test]
fn project_config_suppresses_overrides_and_sets_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".stevedore.yaml"),
        "fail-on: high\nignore:\n  - rule: IMG002\n    reason: probes live in Kubernetes\nseverity:\n  IMG001: high\naccept:\n  FS001:\n    - /usr/bin/*\n",
    )
    .unwrap();
    let nested = dir.path().join("sub");
    std::fs::create_dir(&nested).unwrap();
    let run = stevedore_in(&nested, &["image", &demo(), "-f", "json"]);
    assert_eq!(
        run.code, 1,
        "IMG001 raised to high meets fail-on high: {}",
        run.stderr
    );
    let report = run.json();
    let find = |rule: &str| -> Vec<serde_json::Value> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule_id"] == rule)
            .cloned()
            .collect()
    };
    assert_eq!(find("IMG001")[0]["severity"], "high");
    assert_eq!(
        find("IMG002")[0]["suppression"]["justification"],
        "probes live in Kubernetes"
    );
    let fs: Vec<(String, bool)> = find("FS001")
        .iter()
        .map(|f| {
            (
                f["location"]["path"].as_str().unwrap().to_string(),
                f["suppression"].is_null(),
            )
        })
        .collect();
    assert_eq!(
        fs,
        vec![
            ("/app/su".into(), true),
            ("/usr/bin/su".into(), false),
            ("/usr/bin/wall".into(), false)
        ],
        "accepted paths are suppressed, others stay active"
    );
    assert_eq!(report["summary"]["suppressed"], 3);
    // The command line wins over the file.
    let run = stevedore_in(
        &nested,
        &[
            "image",
            &demo(),
            "--fail-on",
            "critical",
            "--ignore",
            "FS003",
        ],
    );
    assert_eq!(run.code, 0);
    assert!(run.stdout.contains("3 suppressed"), "{}", run.stdout);
    let run = stevedore_in(
        &nested,
        &[
            "image",
            &demo(),
            "--severity",
            "IMG001=low",
            "--severity",
            "FS003=medium",
            "-f",
            "json",
        ],
    );
    assert_eq!(run.code, 0, "no active finding reaches high any more");
}

#[test]
fn broken_project_config_is_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("bad.yaml");
    std::fs::write(&cfg, "ignore: [IMG001\n").unwrap();
    let run = stevedore(&["image", &demo(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with(&format!("stevedore: error: {}", cfg.display())),
        "{}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1);
    std::fs::write(&cfg, "ignore: [NOT_A_RULE]\n").unwrap();
    let run = stevedore(&["image", &demo(), "--config", cfg.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unknown rule `NOT_A_RULE`"),
        "{}",
        run.stderr
    );
}

#[test]
fn rules_command_lists_and_explains() {
    let list = stevedore(&["rules"]);
    assert_eq!(list.code, 0);
    for c in stevedore::checks::CATALOG {
        assert!(list.stdout.contains(c.id) && list.stdout.contains(c.name));
    }
    let one = stevedore(&["rules", "img001"]);
    assert_eq!(one.code, 0);
    assert!(
        one.stdout.contains("IMG001 root-user") && one.stdout.contains("Fix"),
        "{}",
        one.stdout
    );
    assert_eq!(stevedore(&["rules", "setuid-setgid-file"]).code, 0);
    assert_eq!(stevedore(&["rules", "XYZ999"]).code, 2);
}

#[test]
fn bare_reference_and_missing_paths_are_usage_errors() {
    let run = stevedore(&["image", "nginx:1.27"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("docker-archive:PATH") && run.stderr.contains("oci-archive:PATH"),
        "{}",
        run.stderr
    );
    let run = stevedore(&["image", "oci:/nonexistent/layout"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("/nonexistent/layout"), "{}", run.stderr);
}

#[test]
fn bare_paths_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    for format in Format::ALL {
        let reference = build_fixture("clean", format, dir.path());
        let bare = reference.split_once(':').unwrap().1;
        let run = stevedore(&["image", bare, "--config", &empty_config(), "-f", "json"]);
        assert_eq!(run.code, 0, "{format:?}: {}", run.stderr);
        let expected = if matches!(
            format,
            Format::OciDirGzip | Format::OciDirZstd | Format::OciDirPlain
        ) {
            "oci"
        } else if format == Format::OciArchive {
            "oci-archive"
        } else {
            "docker-archive"
        };
        assert_eq!(run.json()["target"]["transport"], expected, "{format:?}");
    }
}

/// A two-platform index: the host's by default, another with --platform, and an error that lists
/// what is there.
#[test]
fn platform_selection_in_an_index() {
    let dir = tempfile::tempdir().unwrap();
    let desc = imagegen::load(&fixture("images/clean.yaml"));
    let mut blobs = Vec::new();
    let mut manifests = Vec::new();
    for (arch, user) in [("amd64", "10001"), ("arm64", "")] {
        let mut d = desc.clone();
        d.architecture = arch.into();
        d.config.insert(
            "User".into(),
            imagegen::serde_yaml_value::Any::Str(user.into()),
        );
        let built = imagegen::build(&d);
        let (manifest, b) = imagegen::oci_manifest(&built, "gzip", None);
        let bytes = serde_json::to_vec(&manifest).unwrap();
        let hex = imagegen::sha256_hex(&bytes);
        manifests.push(json!({
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{hex}"), "size": bytes.len(),
            "platform": {"os": "linux", "architecture": arch, "variant": if arch == "arm64" { "v8" } else { "" }},
        }));
        blobs.extend(b);
        blobs.push((hex, bytes));
    }
    if let Some(p) = manifests[0]["platform"].as_object_mut() {
        p.remove("variant");
    }
    let nested = json!({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": manifests});
    let nested_bytes = serde_json::to_vec(&nested).unwrap();
    let nested_hex = imagegen::sha256_hex(&nested_bytes);
    blobs.push((nested_hex.clone(), nested_bytes.clone()));
    let index = json!({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": format!("sha256:{nested_hex}"),
        "size": nested_bytes.len(), "annotations": {"org.opencontainers.image.ref.name": "multi"}}]});
    let layout = dir.path().join("multi");
    for (name, data) in imagegen::layout_members(&index, blobs) {
        let p = layout.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    }
    let reference = format!("oci:{}:multi", layout.display());
    let scan = |extra: &[&str]| {
        let mut args = vec![
            "image",
            reference.as_str(),
            "-f",
            "json",
            "--fail-on",
            "none",
            "--select",
            "IMG001",
        ];
        args.extend_from_slice(extra);
        stevedore(&args)
    };
    let arm = scan(&["--platform", "linux/arm64"]).json();
    assert_eq!(arm["target"]["platform"]["architecture"], "arm64");
    assert_eq!(
        arm["findings"].as_array().unwrap().len(),
        1,
        "the arm64 variant runs as root"
    );
    let amd = scan(&["--platform", "linux/amd64"]).json();
    assert_eq!(amd["target"]["platform"]["architecture"], "amd64");
    assert!(amd["findings"].as_array().unwrap().is_empty());
    let missing = scan(&["--platform", "linux/s390x"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no linux/s390x image")
            && missing.stderr.contains("linux/amd64, linux/arm64/v8"),
        "{}",
        missing.stderr
    );
    let wrong_ref = stevedore(&["image", &format!("oci:{}:nope", layout.display())]);
    assert_eq!(wrong_ref.code, 2);
    assert!(
        wrong_ref.stderr.contains("names here: multi"),
        "{}",
        wrong_ref.stderr
    );
}

#[test]
fn archive_with_two_images_needs_a_choice() {
    let dir = tempfile::tempdir().unwrap();
    let a = imagegen::build(&imagegen::load(&fixture("images/clean.yaml")));
    let b = imagegen::build(&imagegen::load(&fixture("images/named-user.yaml")));
    let mut members = imagegen::docker_members(&a);
    let mut second = imagegen::docker_members(&b);
    let m1: serde_json::Value = serde_json::from_slice(&members[0].1).unwrap();
    let m2: serde_json::Value = serde_json::from_slice(&second[0].1).unwrap();
    let both = json!([m1[0], m2[0]]);
    members[0].1 = serde_json::to_vec(&both).unwrap();
    second.remove(0);
    members.extend(second);
    let path = dir.path().join("two.tar");
    std::fs::write(&path, imagegen::archive(&members)).unwrap();
    let run = stevedore(&["image", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("holds 2 images")
            && run.stderr.contains("stevedore-fixtures/named-user:2"),
        "{}",
        run.stderr
    );
    let run = stevedore(&[
        "image",
        &format!(
            "docker-archive:{}:stevedore-fixtures/named-user:2",
            path.display()
        ),
        "-f",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.json()["target"]["repository"],
        "stevedore-fixtures/named-user"
    );
    let run = stevedore(&[
        "image",
        &format!("docker-archive:{}:@0", path.display()),
        "-f",
        "json",
        "--fail-on",
        "none",
    ]);
    assert_eq!(
        run.json()["target"]["repository"],
        "stevedore-fixtures/clean"
    );
}

/// --config-only verifies manifest and config and reads no layer: config rules only.
#[test]
fn config_only_reads_no_layer() {
    let dir = tempfile::tempdir().unwrap();
    let reference = build_fixture("demo", Format::OciDirGzip, dir.path());
    // Corrupt a layer blob: a full scan fails, a config-only scan never reads it.
    let layout = dir.path().join(Format::OciDirGzip.file_name("demo"));
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest_hex = index["manifests"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(layout.join("blobs/sha256").join(&manifest_hex)).unwrap(),
    )
    .unwrap();
    let layer_hex = manifest["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .trim_start_matches("sha256:")
        .to_string();
    std::fs::write(layout.join("blobs/sha256").join(&layer_hex), b"garbage").unwrap();
    assert_eq!(
        stevedore(&["image", &reference, "--config", &empty_config()]).code,
        2
    );
    let run = stevedore(&[
        "image",
        &reference,
        "--config-only",
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["target"]["config_only"], true);
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec!["IMG001", "IMG002"],
        "no file rule judged nothing"
    );
}

/// Shell completions and man pages come from the same definitions as `--help`.
#[test]
fn completions_and_man_pages_are_generated() {
    let bash = stevedore(&["completions", "bash"]);
    assert_eq!(bash.code, 0, "{}", bash.stderr);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("stevedore.bash");
    std::fs::write(&script, &bash.stdout).unwrap();
    let syntax = std::process::Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "{}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Completing `stevedore i` offers `image`, through bash itself.
    let complete = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "source {}; COMP_WORDS=(stevedore i); COMP_CWORD=1; _stevedore stevedore i stevedore; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display()
        ))
        .output()
        .unwrap();
    let offered = String::from_utf8_lossy(&complete.stdout);
    assert!(offered.lines().any(|l| l == "image"), "{offered}");
    for (shell, marker) in [
        ("zsh", "#compdef stevedore"),
        ("fish", "complete -c stevedore"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let run = stevedore(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        assert!(run.stdout.contains("config"), "{shell}: subcommands");
    }
    assert_eq!(stevedore(&["completions", "tcsh"]).code, 2);

    for (args, needles) in [
        (
            &["man"][..],
            &["stevedore-image(1)", "stevedore-config(1)"][..],
        ),
        (
            &["man", "image"][..],
            &["docker-daemon:NAME", "--platform"][..],
        ),
    ] {
        let run = stevedore(args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        assert!(
            run.stdout.starts_with(".ie"),
            "roff: {}",
            &run.stdout[..80.min(run.stdout.len())]
        );
        let page = dir.path().join("page.1");
        std::fs::write(&page, &run.stdout).unwrap();
        // groff renders it, warnings on; any warning fails.
        let rendered = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
            .arg(&page)
            .output()
            .expect("groff");
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(rendered.status.success());
        assert!(
            rendered.stderr.is_empty(),
            "{}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        for needle in needles {
            assert!(text.contains(needle), "{needle} not in {args:?}:\n{text}");
        }
    }
    assert_eq!(stevedore(&["man", "nope"]).code, 2);
}
