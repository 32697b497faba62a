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
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
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

/// A real `docker build` that plants the problems the image rules exist for: a key added and
/// removed by a later `RUN rm`, a setuid bit set by `RUN chmod`, and a file whose capability
/// xattr arrives in an imported base layer. The base is Debian's static busybox, imported.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn docker_build_with_planted_problems() {
    let Some(host) = docker_host() else { return };
    let busybox = Path::new("/bin/busybox");
    assert!(busybox.exists(), "scripts/test.sh installs busybox-static");
    let dir = tempfile::tempdir().unwrap();
    let rootfs = dir.path().join("busybox-root.tar");
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o755);
    h.set_uid(0);
    h.set_gid(0);
    tar.append_path_with_name(busybox, "bin/busybox").unwrap();
    for applet in ["sh", "rm", "chmod"] {
        let mut l = tar::Header::new_gnu();
        l.set_entry_type(tar::EntryType::Symlink);
        l.set_mode(0o777);
        l.set_size(0);
        tar.append_link(&mut l, format!("bin/{applet}"), "busybox")
            .unwrap();
    }
    // cap_sys_admin+ep, vfs_cap_data revision 2.
    let mut cap = vec![0x01, 0, 0, 0x02];
    cap.extend_from_slice(&(1u32 << 21).to_le_bytes());
    cap.extend_from_slice(&[0; 12]);
    tar.append_pax_extensions([("SCHILY.xattr.security.capability", cap.as_slice())])
        .unwrap();
    let data = b"captool\n";
    h.set_size(data.len() as u64);
    h.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut h, "usr/bin/captool", &data[..])
        .unwrap();
    std::fs::write(&rootfs, tar.into_inner().unwrap()).unwrap();
    let base = "stevedore-test/busybox:1";
    run(Command::new("docker")
        .args(["-H", &host, "import"])
        .arg(&rootfs)
        .arg(base));

    let ctx = dir.path().join("ctx");
    write(
        &ctx.join("id_ed25519"),
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n",
        0o600,
    );
    write(&ctx.join("tool"), "tool\n", 0o755);
    write(
        &ctx.join("Dockerfile"),
        &format!(
            "FROM {base}\nCOPY id_ed25519 /root/.ssh/id_ed25519\nRUN rm /root/.ssh/id_ed25519\n\
             COPY tool /usr/local/bin/tool\nRUN chmod u+s /usr/local/bin/tool\nUSER 1000\n"
        ),
        0o644,
    );
    let tag = "stevedore-test/planted:1";
    run(Command::new("docker")
        .args(["-H", &host, "build", "-q", "-t", tag])
        .arg(&ctx)
        .env("DOCKER_BUILDKIT", "0"));
    let saved = dir.path().join("planted.tar");
    run(Command::new("docker")
        .args(["-H", &host, "save", "-o"])
        .arg(&saved)
        .arg(tag));

    let found = findings(&format!("docker-archive:{}", saved.display()));
    let has = |rule: &str, needle: &str| found.iter().any(|(r, m)| r == rule && m.contains(needle));
    assert!(
        has("FS003", "/root/.ssh/id_ed25519 was added in layer 1")
            && has("FS003", "deleted in layer 2"),
        "{found:#?}"
    );
    assert!(
        has("FS001", "setuid file /usr/local/bin/tool"),
        "{found:#?}"
    );
    assert!(
        has(
            "FS002",
            "/usr/bin/captool has file capabilities cap_sys_admin+ep"
        ),
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|(r, _)| r == "IMG001"),
        "USER 1000 is not root: {found:#?}"
    );

    // The classic builder's history mapped to the Dockerfile's lines.
    let mapped = crate::support::stevedore(&[
        "image",
        &format!("docker-archive:{}", saved.display()),
        "--dockerfile",
        ctx.join("Dockerfile").to_str().unwrap(),
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &crate::support::empty_config(),
    ]);
    assert_eq!(mapped.code, 0, "{}", mapped.stderr);
    let report = mapped.json();
    let line = |rule: &str, needle: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule_id"] == rule && f["message"].as_str().unwrap().contains(needle))
            .map(|f| f["source"]["line"].as_i64().unwrap())
            .unwrap_or_else(|| panic!("no {rule} {needle}: {report:#}"))
    };
    assert_eq!(line("FS003", "/root/.ssh/id_ed25519"), 2, "COPY id_ed25519");
    assert_eq!(line("FS001", "/usr/local/bin/tool"), 5, "RUN chmod");
    assert_eq!(
        line("FS002", "/usr/bin/captool"),
        1,
        "the imported base: FROM"
    );
    assert_eq!(
        line("IMG002", ""),
        6,
        "no HEALTHCHECK: the last instruction"
    );

    // The same through skopeo's OCI layout.
    let layout = dir.path().join("layout");
    run(Command::new("skopeo")
        .args(["copy", "--quiet"])
        .arg(format!("docker-archive:{}", saved.display()))
        .arg(format!("oci:{}:planted", layout.display())));
    assert_eq!(
        findings(&format!("oci:{}:planted", layout.display())),
        found
    );
}

/// A real Debian 12 root filesystem (debootstrap --variant=minbase, built by scripts/test.sh),
/// imported as an image: the package count matches dpkg's own, the base is `full`, and the
/// end-of-life rule follows the date it is given.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn debootstrapped_debian_base() {
    let Some(host) = docker_host() else { return };
    let root = std::env::var("STEVEDORE_DEBIAN_ROOT").unwrap_or_default();
    assert!(
        Path::new(&root).join("usr/bin/dpkg").exists(),
        "scripts/test.sh builds the Debian root ({root})"
    );
    let dir = tempfile::tempdir().unwrap();
    let rootfs = dir.path().join("rootfs.tar");
    run(Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&rootfs)
        .arg("."));
    let tag = "stevedore-test/debian-minbase:12";
    run(Command::new("docker")
        .args([
            "-H",
            &host,
            "import",
            "--change",
            "CMD [\"/usr/local/bin/app\"]",
        ])
        .arg(&rootfs)
        .arg(tag));
    let saved = dir.path().join("debian.tar");
    run(Command::new("docker")
        .args(["-H", &host, "save", "-o"])
        .arg(&saved)
        .arg(tag));

    let dpkg = run(Command::new("dpkg-query")
        .arg(format!("--admindir={root}/var/lib/dpkg"))
        .args(["-W", "-f", "${db:Status-Status}\\n"]));
    let installed = dpkg.lines().filter(|l| *l == "installed").count();
    assert!(installed > 80, "minbase has ~90 packages, got {installed}");

    let scan = |day: &str| {
        let r = stevedore(&[
            "image",
            &format!("docker-archive:{}", saved.display()),
            "-f",
            "json",
            "--fail-on",
            "none",
            "--as-of",
            day,
        ]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        r.json()
    };
    let report = scan("2026-11-27");
    let inv = &report["target"]["inventory"];
    assert_eq!(inv["os"]["id"], "debian");
    assert_eq!(inv["os"]["version_id"], "12");
    assert_eq!(inv["packages"]["count"].as_u64(), Some(installed as u64));
    assert_eq!(inv["class"], "full");
    let rules = |r: &serde_json::Value| -> Vec<(String, String)> {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule_id"].as_str().unwrap().to_string(),
                    f["severity"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let found = rules(&report);
    assert!(found.iter().any(|(r, _)| r == "OS001"), "{found:?}");
    assert!(found.iter().any(|(r, _)| r == "OS003"), "{found:?}");
    assert!(
        found.contains(&("OS002".into(), "medium".into())),
        "bookworm is in LTS on 2026-11-27: {found:?}"
    );
    let early = rules(&scan("2025-01-01"));
    assert!(!early.iter().any(|(r, _)| r == "OS002"), "{early:?}");
}
