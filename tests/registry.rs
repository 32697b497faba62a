//! Images straight from a real registry (Debian's docker-registry, started by scripts/test.sh),
//! pushed with skopeo: the same findings as the archive they came from.

use crate::support::imagegen::{self, Format};
use crate::support::{build_fixture, empty_config, fixture, services_required, stevedore};
use serde_json::{Value, json};
use std::process::Command;

fn registry(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(r) if !r.is_empty() => Some(r),
        _ => {
            assert!(
                !services_required(),
                "scripts/test.sh started the registries but {var} is unset"
            );
            eprintln!("SKIPPED: no registry (run ./scripts/test.sh)");
            None
        }
    }
}

fn skopeo(args: &[&str]) {
    let out = Command::new("skopeo")
        .args([
            "--insecure-policy",
            "copy",
            "--quiet",
            "--dest-tls-verify=false",
        ])
        .args(args)
        .output()
        .expect("skopeo");
    assert!(
        out.status.success(),
        "skopeo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn scan(reference: &str, extra: &[&str]) -> (i32, Value, String) {
    let cfg = empty_config();
    let mut args = vec![
        "image",
        reference,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ];
    args.extend_from_slice(extra);
    let run = stevedore(&args);
    let json = if run.code == 0 {
        run.json()
    } else {
        Value::Null
    };
    (run.code, json, run.stderr)
}

fn essence(report: &Value) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| json!([f["rule_id"], f["message"], f["location"], f["fingerprint"]]))
        .collect()
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn pushed_images_scan_like_their_archives() {
    let Some(reg) = registry("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let insecure = ["--insecure-registry", reg.as_str()];
    for name in ["demo", "fs-smells", "debian-full"] {
        let archive = build_fixture(name, Format::DockerArchive, dir.path());
        let (code, from_archive, err) = scan(&archive, &[]);
        assert_eq!(code, 0, "{err}");
        // gzip: skopeo compresses the archive's layers; zstd: an OCI layout with zstd layers (from
        // the fixture generator) pushed as it is.
        let zstd_layout = build_fixture(name, Format::OciDirZstd, dir.path());
        for (tag, compression, source) in [
            ("gzip", "gzip", archive.clone()),
            ("zstd", "zstd", zstd_layout),
        ] {
            let dest = format!("docker://{reg}/fixtures/{name}-{tag}:1");
            skopeo(&[&source, &dest]);
            let (code, from_registry, err) = scan(&dest, &insecure);
            assert_eq!(code, 0, "{dest}: {err}");
            assert_eq!(essence(&from_registry), essence(&from_archive), "{dest}");
            assert_eq!(from_registry["target"]["transport"], "docker");
            assert!(
                from_registry["target"]["manifest_digest"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("sha256:"))
            );
            let layers = from_registry["target"]["layers"].as_array().unwrap();
            assert!(
                layers.iter().all(|l| l["compression"] == compression),
                "{layers:?}"
            );
            // By digest, too.
            let by_digest = format!(
                "docker://{reg}/fixtures/{name}-{tag}@{}",
                from_registry["target"]["manifest_digest"].as_str().unwrap()
            );
            let (code, again, err) = scan(&by_digest, &insecure);
            assert_eq!(code, 0, "{err}");
            assert_eq!(essence(&again), essence(&from_archive));
        }
    }
    // Plain HTTP must be asked for, even on loopback.
    let (code, _, err) = scan(&format!("docker://{reg}/fixtures/demo-gzip:1"), &[]);
    assert_eq!(code, 2);
    assert_eq!(err.lines().count(), 1, "{err}");
    // A bare reference that no daemon has goes to the registry.
    let (code, report, err) = scan(
        &format!("{reg}/fixtures/demo-gzip:1"),
        &[
            "--insecure-registry",
            &reg,
            "-H",
            "unix:///nonexistent.sock",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["target"]["transport"], "docker");
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn multi_platform_index_from_the_registry() {
    let Some(reg) = registry("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // Two platforms of one description, the arm64 one running as root.
    let desc = imagegen::load(&fixture("images/clean.yaml"));
    let platforms: Vec<(&str, imagegen::Description)> = [("amd64", "10001"), ("arm64", "")]
        .into_iter()
        .map(|(arch, user)| {
            let mut d = desc.clone();
            d.config.insert(
                "User".into(),
                imagegen::serde_yaml_value::Any::Str(user.into()),
            );
            (arch, d)
        })
        .collect();
    let (layout, _, _) = imagegen::index_layout(dir.path(), &platforms);
    let dest = format!("docker://{reg}/fixtures/multi:1");
    skopeo(&["--all", &format!("oci:{}:multi", layout.display()), &dest]);
    let insecure = ["--insecure-registry", reg.as_str(), "--select", "IMG001"];
    let arm = scan(
        &dest,
        &[&insecure[..], &["--platform", "linux/arm64"]].concat(),
    )
    .1;
    assert_eq!(arm["target"]["platform"]["architecture"], "arm64");
    assert_eq!(arm["findings"].as_array().unwrap().len(), 1);
    let amd = scan(
        &dest,
        &[&insecure[..], &["--platform", "linux/amd64"]].concat(),
    )
    .1;
    assert!(amd["findings"].as_array().unwrap().is_empty());
    let (code, _, err) = scan(
        &dest,
        &[&insecure[..], &["--platform", "linux/s390x"]].concat(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("linux/amd64, linux/arm64"), "{err}");
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn basic_auth_registry() {
    let Some(reg) = registry("STEVEDORE_TEST_AUTH_REGISTRY") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let archive = build_fixture("demo", Format::DockerArchive, dir.path());
    let dest = format!("docker://{reg}/fixtures/demo:1");
    skopeo(&["--dest-creds", "stevedore:test-password", &archive, &dest]);
    let insecure = ["--insecure-registry", reg.as_str()];
    let (code, _, err) = scan(&dest, &insecure);
    assert_eq!(code, 2, "no credentials: a clean error");
    assert_eq!(err.lines().count(), 1);
    assert!(
        err.contains("HTTP 401: the registry asks for credentials"),
        "{err}"
    );
    let (code, report, err) = scan(
        &dest,
        &[&insecure[..], &["--creds", "stevedore:test-password"]].concat(),
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 7);
    let raw = serde_json::to_string(&report).unwrap();
    assert!(
        !raw.contains("test-password"),
        "credentials never reach a report"
    );
    // The same from an auth file, as podman and skopeo write them.
    let auth = dir.path().join("auth.json");
    let token = base64_encode("stevedore:test-password");
    std::fs::write(
        &auth,
        json!({"auths": {reg.clone(): {"auth": token}}}).to_string(),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args([
            "image",
            &dest,
            "--insecure-registry",
            &reg,
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &empty_config(),
        ])
        .env("REGISTRY_AUTH_FILE", &auth)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A wrong password fails cleanly and does not echo it.
    let (code, _, err) = scan(
        &dest,
        &[&insecure[..], &["--creds", "stevedore:wrong-password"]].concat(),
    );
    assert_eq!(code, 2);
    assert!(!err.contains("wrong-password"), "{err}");
}

fn base64_encode(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// An OCI layout holding one gzip layer given as its blob bytes, with the diff_id the config
/// claims; digests of the blobs themselves are right (a registry checks those on push).
fn layout_with_blob(dir: &std::path::Path, name: &str, blob: &[u8], diff_id: &str) -> String {
    let layout = dir.join(name);
    let config = serde_json::to_vec(&json!({
        "architecture": "amd64", "os": "linux", "config": {"User": "1000"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
    }))
    .unwrap();
    let config = imagegen::put_blob(&layout, &config);
    let mut layer = imagegen::put_blob(&layout, blob);
    layer["mediaType"] = json!("application/vnd.oci.image.layer.v1.tar+gzip");
    imagegen::finish_layout(&layout, config, vec![layer])
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

/// The hostile corpus through the registry source: pushed byte for byte (skopeo
/// --preserve-digests), each case is the same report or the same one-line error as from the
/// layout, in bounded memory and time.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn hostile_images_through_the_registry() {
    use crate::support::imagegen::raw_tar;
    use tar::EntryType::{Link, Regular, Symlink};
    let Some(reg) = registry("STEVEDORE_TEST_REGISTRY") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let diff = |tar: &[u8]| format!("sha256:{}", imagegen::sha256_hex(tar));

    let escaping = raw_tar(&[
        (b"../../../../tmp/evil", Regular, 0o4755, b"x", None),
        (b"/abs/suid", Regular, 0o4755, b"x", None),
        (
            b"link-out",
            Symlink,
            0o777,
            b"",
            Some(b"../../../../etc/shadow"),
        ),
        (b"hard-out", Link, 0o4755, b"", Some(b"../../../etc/shadow")),
    ]);
    let plain = raw_tar(&[(b"big", Regular, 0o644, &vec![7u8; 200_000], None)]);
    let plain_gz = gzip(&plain);
    let cut_short = raw_tar(&[
        (
            b"PaxHeaders/victim",
            tar::EntryType::XHeader,
            0o644,
            &crate::hostile::pax_record("size", "1099511627776"),
            None,
        ),
        (b"victim", Regular, 0o644, b"abc", None),
    ]);
    let cases: Vec<(&str, String, Option<&str>)> = vec![
        (
            "escaping",
            layout_with_blob(dir.path(), "escaping", &gzip(&escaping), &diff(&escaping)),
            None,
        ),
        (
            "wrong-diff-id",
            layout_with_blob(
                dir.path(),
                "wrong-diff-id",
                &plain_gz,
                &format!("sha256:{}", "0".repeat(64)),
            ),
            Some("diff_id mismatch"),
        ),
        (
            "truncated-gzip",
            layout_with_blob(
                dir.path(),
                "truncated-gzip",
                &plain_gz[..plain_gz.len() / 2],
                &diff(&plain),
            ),
            Some("layer 0"),
        ),
        (
            "cut-short",
            layout_with_blob(
                dir.path(),
                "cut-short",
                &gzip(&cut_short),
                &diff(&cut_short),
            ),
            Some("cut short"),
        ),
        (
            "pax-bomb",
            crate::hostile::bomb_layout_as(dir.path(), "gzip", 1 << 30, tar::EntryType::XHeader),
            Some("extension header"),
        ),
        (
            "gzip-bomb",
            crate::hostile::bomb_layout_as(dir.path(), "gzip", 2 << 30, Regular),
            None,
        ),
    ];
    for (name, layout, error) in cases {
        let dest = format!("docker://{reg}/hostile/{name}:1");
        skopeo(&["--preserve-digests", &layout, &dest]);
        let mut results = Vec::new();
        for reference in [layout.as_str(), dest.as_str()] {
            let run = crate::support::scan_image_bounded(
                reference,
                &["--insecure-registry", &reg],
                64 * 1024,
            );
            match error {
                Some(needle) => {
                    assert_eq!(run.code, 2, "{reference}: {}", run.stderr);
                    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
                    assert!(run.stderr.contains(needle), "{reference}: {}", run.stderr);
                    results.push(Value::Null);
                }
                None => {
                    assert_eq!(run.code, 0, "{reference}: {}", run.stderr);
                    results.push(json!(essence(&run.json())));
                }
            }
        }
        assert_eq!(results[0], results[1], "{name}: registry and layout differ");
    }
    assert!(!std::path::Path::new("/tmp/evil").exists());
}
