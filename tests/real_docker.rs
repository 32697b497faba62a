//! A real image from a real `docker build` (Debian's docker.io, started by scripts/test.sh),
//! saved with `docker save` and converted by skopeo: every form must give the same findings.

use crate::support::{empty_config, services_required, stevedore};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

/// The daemon socket scripts/test.sh started, or `None` (skip) under a bare `cargo test`.
fn docker_host() -> Option<String> {
    match std::env::var("STEVEDORE_DOCKER_HOST") {
        Ok(h) if !h.is_empty() => Some(h),
        _ => {
            assert!(
                !services_required(),
                "scripts/test.sh started the services but STEVEDORE_DOCKER_HOST is unset"
            );
            eprintln!("SKIPPED: no Docker daemon (run ./scripts/test.sh to start one)");
            None
        }
    }
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn findings(reference: &str) -> Vec<(String, String)> {
    let r = stevedore(&[
        "image",
        reference,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(r.code, 0, "{reference}: {}", r.stderr);
    let mut v: Vec<(String, String)> = r.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn write(path: &Path, text: &str, mode: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn docker_build_save_and_skopeo_conversions_agree() {
    let Some(host) = docker_host() else { return };
    let dir = tempfile::tempdir().unwrap();
    // `docker build` drops setuid bits from COPY sources, so the base comes from `docker import`
    // of a rootfs tar (as a debootstrap or distro rootfs would), and the build adds to it.
    let rootfs = dir.path().join("rootfs.tar");
    let mut tar = tar::Builder::new(Vec::new());
    for (path, mode, data) in [
        ("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\n"),
        ("usr/bin/tool", 0o4755, "not really a binary\n"),
    ] {
        let mut h = tar::Header::new_gnu();
        h.set_mode(mode);
        h.set_size(data.len() as u64);
        h.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut h, path, data.as_bytes()).unwrap();
    }
    std::fs::write(&rootfs, tar.into_inner().unwrap()).unwrap();
    let base = "stevedore-test/base:1";
    run(Command::new("docker")
        .args(["-H", &host, "import"])
        .arg(&rootfs)
        .arg(base));
    let ctx = dir.path().join("ctx");
    write(&ctx.join("app/run"), "#!/app/run\n", 0o755);
    write(
        &ctx.join("Dockerfile"),
        &format!("FROM {base}\nCOPY app/ /app/\nUSER root\nCMD [\"/app/run\"]\n"),
        0o644,
    );
    let tag = "stevedore-test/real:1";
    run(Command::new("docker")
        .args(["-H", &host, "build", "-q", "-t", tag])
        .arg(&ctx)
        .env("DOCKER_BUILDKIT", "0"));
    let saved = dir.path().join("real.tar");
    run(Command::new("docker")
        .args(["-H", &host, "save", "-o"])
        .arg(&saved)
        .arg(tag));

    let from_save = findings(&format!("docker-archive:{}", saved.display()));
    let rules: Vec<&str> = from_save.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rules, vec!["FS001", "IMG001", "IMG002"], "{from_save:?}");
    assert!(from_save[0].1.contains("/usr/bin/tool"), "{from_save:?}");

    let layout = dir.path().join("layout");
    run(Command::new("skopeo")
        .args(["copy", "--quiet"])
        .arg(format!("docker-archive:{}", saved.display()))
        .arg(format!("oci:{}:real", layout.display())));
    assert_eq!(
        findings(&format!("oci:{}:real", layout.display())),
        from_save
    );

    let zstd = dir.path().join("real-zstd.tar");
    run(Command::new("skopeo")
        .args([
            "copy",
            "--quiet",
            "--dest-compress",
            "--dest-compress-format",
            "zstd",
        ])
        .arg(format!("docker-archive:{}", saved.display()))
        .arg(format!("oci-archive:{}", zstd.display())));
    assert_eq!(
        findings(&format!("oci-archive:{}", zstd.display())),
        from_save
    );

    let reports = stevedore(&[
        "image",
        &format!("docker-archive:{}", saved.display()),
        "-f",
        "json",
        "--fail-on",
        "none",
    ])
    .json();
    assert_eq!(reports["target"]["repository"], "stevedore-test/real");
}
