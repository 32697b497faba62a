//! The live Docker Engine API against a real dockerd (started by scripts/test.sh): images out of
//! the daemon, the daemon's settings, and containers' runtime settings.

use crate::support::{empty_config, services_required, stevedore};
use serde_json::Value;
use std::path::Path;
use std::process::{Child, Command};

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

fn docker(host: &str, args: &[&str]) -> String {
    let out = Command::new("docker")
        .arg("-H")
        .arg(host)
        .args(args)
        .output()
        .expect("docker");
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A unique suffix, so reruns against one daemon never collide.
fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// A tiny image (one root-owned setuid file, no USER) imported into the daemon.
fn tiny_image(host: &str, dir: &Path, tag: &str) {
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o4755);
    h.set_size(4);
    h.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut h, "bin/tool", &b"tool"[..]).unwrap();
    let path = dir.join("tiny.tar");
    std::fs::write(&path, tar.into_inner().unwrap()).unwrap();
    docker(
        host,
        &[
            "import",
            "--change",
            "CMD [\"/bin/tool\"]",
            path.to_str().unwrap(),
            tag,
        ],
    );
}

fn findings(run: &crate::support::Run) -> Vec<(String, String, String)> {
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn image_from_the_daemon_equals_its_saved_archive() {
    let Some(host) = docker_host() else { return };
    let dir = tempfile::tempdir().unwrap();
    let tag = format!("stevedore-test/tiny:{}", unique());
    tiny_image(&host, dir.path(), &tag);
    let saved = dir.path().join("saved.tar");
    docker(&host, &["save", "-o", saved.to_str().unwrap(), &tag]);
    let cfg = empty_config();
    let scan = |reference: &str| {
        let run = stevedore(&[
            "image",
            reference,
            "-H",
            &host,
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &cfg,
        ]);
        assert_eq!(run.code, 0, "{reference}: {}", run.stderr);
        let report = run.json();
        let findings: Vec<Value> = report["findings"].as_array().unwrap().clone();
        (
            findings,
            report["target"]["repository"].clone(),
            report["target"]["transport"].clone(),
        )
    };
    let (from_daemon, repo_daemon, transport) = scan(&format!("docker-daemon:{tag}"));
    let (from_archive, repo_archive, _) = scan(&format!("docker-archive:{}", saved.display()));
    assert_eq!(transport, "docker-daemon");
    assert_eq!(
        from_daemon, from_archive,
        "same findings, same fingerprints"
    );
    assert_eq!(repo_daemon, repo_archive);
    assert!(
        from_daemon.iter().any(|f| f["rule_id"] == "FS001"),
        "{from_daemon:#?}"
    );
    // A bare reference asks the daemon.
    let (bare, _, transport) = scan(&tag);
    assert_eq!(transport, "docker-daemon");
    assert_eq!(bare, from_archive);
    docker(&host, &["rmi", &tag]);
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn containers_runtime_settings() {
    let Some(host) = docker_host() else { return };
    let dir = tempfile::tempdir().unwrap();
    let id = unique();
    let tag = format!("stevedore-test/tiny:{id}");
    tiny_image(&host, dir.path(), &tag);
    let allow_all = dir.path().join("allow-all.json");
    std::fs::write(&allow_all, r#"{"defaultAction": "SCMP_ACT_ALLOW"}"#).unwrap();
    let socket = host.trim_start_matches("unix://").to_string();
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("priv", vec!["--privileged".into()]),
        ("sysadmin", vec!["--cap-add".into(), "SYS_ADMIN".into()]),
        (
            "unconfined",
            vec!["--security-opt".into(), "seccomp=unconfined".into()],
        ),
        (
            "allowall",
            vec![
                "--security-opt".into(),
                format!("seccomp={}", allow_all.display()),
            ],
        ),
        (
            "sock",
            vec!["-v".into(), format!("{socket}:/var/run/docker.sock")],
        ),
        ("pidhost", vec!["--pid".into(), "host".into()]),
        ("nethost", vec!["--network".into(), "host".into()]),
        ("readonly", vec!["--read-only".into()]),
        (
            "unmasked",
            vec!["--security-opt".into(), "systempaths=unconfined".into()],
        ),
        (
            "nolabel",
            vec!["--security-opt".into(), "label=disable".into()],
        ),
        (
            "sysctl",
            vec!["--sysctl".into(), "net.core.somaxconn=1024".into()],
        ),
        ("nolog", vec!["--log-driver".into(), "none".into()]),
        (
            "tmpexec",
            ["--read-only", "--tmpfs", "/run:exec,size=16m"]
                .map(String::from)
                .to_vec(),
        ),
        (
            "restart",
            [
                "--restart",
                "always",
                "-p",
                "8080:80",
                "-p",
                "127.0.0.1:8081:81",
            ]
            .map(String::from)
            .to_vec(),
        ),
        (
            "onfailure5",
            ["--restart", "on-failure:5"].map(String::from).to_vec(),
        ),
        (
            "good",
            [
                "--cap-drop",
                "ALL",
                "--security-opt",
                "no-new-privileges",
                "--read-only",
                "--memory",
                "64m",
                "--cpus",
                "0.5",
                "--pids-limit",
                "50",
                "--user",
                "1000:1000",
            ]
            .map(String::from)
            .to_vec(),
        ),
    ];
    let mut names = Vec::new();
    for (name, flags) in &cases {
        let full = format!("st-{name}-{id}");
        let mut args = vec!["create", "--name", &full];
        args.extend(flags.iter().map(String::as_str));
        args.push(&tag);
        docker(&host, &args);
        names.push(full);
    }
    let cfg = empty_config();
    let mut args = vec![
        "containers",
        "--all",
        "-H",
        &host,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ];
    args.extend(names.iter().map(String::as_str));
    let found = findings(&stevedore(&args));
    let of = |name: &str| -> Vec<String> {
        let path = format!("docker/containers/st-{name}-{id}");
        let mut rules: Vec<String> = found
            .iter()
            .filter(|f| f.1.starts_with(&path))
            .map(|f| f.0.clone())
            .collect();
        rules.sort();
        rules.dedup();
        rules
    };
    // Every container lacks cap-drop ALL, no-new-privileges, limits and a user, except "good".
    let baseline = ["CTR003", "CTR006", "CTR012", "CTR013"];
    let with = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = baseline
            .iter()
            .chain(extra)
            .map(|s| s.to_string())
            .collect();
        v.sort();
        v.dedup();
        v
    };
    assert_eq!(of("priv"), with(&["CTR001", "CTR011"]));
    assert_eq!(of("sysadmin"), with(&["CTR002", "CTR011"]));
    assert_eq!(of("unconfined"), with(&["CTR004", "CTR011"]));
    assert_eq!(
        of("allowall"),
        with(&["CTR011", "SCP001"]),
        "the inline profile is linted"
    );
    assert_eq!(of("sock"), with(&["CTR010", "CTR011"]));
    assert_eq!(of("pidhost"), with(&["CTR008", "CTR011"]));
    assert_eq!(of("nethost"), with(&["CTR007", "CTR011"]));
    assert_eq!(of("readonly"), with(&[]));
    assert_eq!(
        of("unmasked"),
        with(&["CTR011", "CTR019"]),
        "the CLI sends empty masked paths"
    );
    assert_eq!(of("nolabel"), with(&["CTR011", "CTR020"]));
    assert_eq!(of("sysctl"), with(&["CTR011", "CTR021"]));
    assert_eq!(of("nolog"), with(&["CTR011", "CTR023"]));
    assert_eq!(
        of("tmpexec"),
        with(&["CTR024"]),
        "read-only root, executable tmpfs"
    );
    assert_eq!(of("restart"), with(&["CTR011", "CTR017", "CTR018"]));
    assert_eq!(of("onfailure5"), with(&["CTR011"]));
    let ports: Vec<&String> = found
        .iter()
        .filter(|f| f.0 == "CTR018")
        .map(|f| &f.2)
        .collect();
    assert_eq!(
        ports.len(),
        1,
        "127.0.0.1:8081 is bound to one address: {ports:?}"
    );
    assert!(ports[0].ends_with("publishes host port 8080 on every host interface"));
    assert_eq!(of("good"), Vec::<String>::new(), "{found:#?}");
    let cap = found.iter().find(|f| f.0 == "CTR002").unwrap();
    assert!(
        cap.2.starts_with(&format!("container st-sysadmin-{id} ("))
            && cap
                .2
                .contains("adds capability SYS_ADMIN (escape to the host"),
        "{cap:?}"
    );
    // --images: each distinct image is scanned too, its findings located at the image.
    let good = format!("st-good-{id}");
    let run = stevedore(&[
        "containers",
        &good,
        "--images",
        "-H",
        &host,
        "-f",
        "sarif",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let sarif: Value = serde_json::from_str(&run.stdout).unwrap();
    let fs001 = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "FS001")
        .expect("FS001 from the image");
    assert_eq!(
        fs001["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "stevedore-test/tiny"
    );
    for n in &names {
        docker(&host, &["rm", "-f", n]);
    }
    docker(&host, &["rmi", &tag]);
}

/// A second private dockerd, started with a daemon.json: the live DMN results follow it.
struct Daemon {
    child: Child,
    dir: tempfile::TempDir,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(self.dir.path());
    }
}

fn start_daemon(config: &str) -> (Daemon, String) {
    let dir = tempfile::Builder::new()
        .prefix("stevedore-dockerd")
        .tempdir_in("/tmp")
        .unwrap();
    let cfg = dir.path().join("daemon.json");
    std::fs::write(&cfg, config).unwrap();
    let sock = dir.path().join("d.sock");
    let log = std::fs::File::create(dir.path().join("log")).unwrap();
    let child = Command::new("dockerd")
        .arg("--config-file")
        .arg(&cfg)
        .args([
            "--iptables=false",
            "--ip6tables=false",
            "--bridge=none",
            "--storage-driver=vfs",
        ])
        .arg("--data-root")
        .arg(dir.path().join("data"))
        .arg("--exec-root")
        .arg(dir.path().join("exec"))
        .arg("--pidfile")
        .arg(dir.path().join("pid"))
        .arg("-H")
        .arg(format!("unix://{}", sock.display()))
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("start dockerd");
    let host = format!("unix://{}", sock.display());
    let daemon = Daemon { child, dir };
    for _ in 0..150 {
        let ok = Command::new("docker")
            .args(["-H", &host, "version"])
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return (daemon, host);
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    panic!(
        "dockerd did not start: {}",
        std::fs::read_to_string(daemon.dir.path().join("log")).unwrap_or_default()
    );
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn daemon_settings_follow_daemon_json() {
    let Some(host) = docker_host() else { return };
    let cfg = empty_config();
    let rules = |host: &str, extra: &[&str]| -> Vec<String> {
        let mut args = vec![
            "daemon",
            "-H",
            host,
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &cfg,
        ];
        args.extend_from_slice(extra);
        let mut r: Vec<String> = findings(&stevedore(&args))
            .into_iter()
            .map(|f| f.0)
            .collect();
        r.sort();
        r
    };
    let plain = rules(&host, &[]);
    assert_eq!(
        plain,
        vec!["DMN003", "DMN004", "DMN010", "DMN014", "DMN018"]
    );
    let json = r#"{"live-restore": true, "no-new-privileges": true, "userland-proxy": false, "log-level": "info", "log-driver": "syslog"}"#;
    let (_daemon, hardened) = start_daemon(json);
    let live = rules(&hardened, &[]);
    assert_eq!(
        live,
        vec!["DMN003", "DMN010", "DMN018"],
        "live-restore and the log driver show through the API"
    );
    // With its daemon.json, the settings the API hides are judged too.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("daemon.json");
    std::fs::write(&file, json).unwrap();
    let merged = rules(&hardened, &["--daemon-config", file.to_str().unwrap()]);
    assert_eq!(
        merged,
        vec!["DMN002", "DMN003", "DMN010", "DMN011", "DMN018"],
        "icc and ulimits are at their defaults"
    );
}

#[test]
fn unreachable_daemon_is_one_clear_error() {
    let run = stevedore(&[
        "daemon",
        "-H",
        "unix:///nonexistent/docker.sock",
        "--timeout",
        "2",
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("cannot connect to the Docker daemon at unix:///nonexistent/docker.sock (--host): no such socket"),
        "{}",
        run.stderr
    );
}

/// The daemon is found like the docker CLI finds it: DOCKER_HOST, else the current context.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn endpoint_from_docker_host_and_context() {
    let Some(host) = docker_host() else { return };
    let cfg = empty_config();
    let run_with = |envs: &[(&str, &str)]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stevedore"));
        cmd.args([
            "daemon",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &cfg,
        ])
        .env_remove("DOCKER_HOST");
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["target"]["endpoint"].as_str().unwrap().to_string()
    };
    assert_eq!(run_with(&[("DOCKER_HOST", &host)]), host);
    // A context named "ci" in a private docker config directory.
    let dir = tempfile::tempdir().unwrap();
    let meta_dir = dir
        .path()
        .join("contexts/meta")
        .join(crate::support::imagegen::sha256_hex(b"ci"));
    std::fs::create_dir_all(&meta_dir).unwrap();
    std::fs::write(
        meta_dir.join("meta.json"),
        serde_json::json!({"Name": "ci", "Endpoints": {"docker": {"Host": host}}}).to_string(),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        r#"{"currentContext": "ci"}"#,
    )
    .unwrap();
    assert_eq!(
        run_with(&[("DOCKER_CONFIG", dir.path().to_str().unwrap())]),
        host
    );
}

#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn live_sarif_is_accepted() {
    let Some(host) = docker_host() else { return };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("daemon.sarif");
    let run = stevedore(&[
        "daemon",
        "-H",
        &host,
        "--fail-on",
        "none",
        "--config",
        &empty_config(),
        "-o",
        &format!("sarif={}", file.display()),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    crate::support::assert_sarif_accepted(&std::fs::read_to_string(&file).unwrap());
    let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(
        doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "docker/daemon"
    );
}

/// Hostile but loadable layers (symlink loops and a 2,000-deep chain, links pointing out of the
/// root, a non-UTF-8 name, a file that becomes a directory, a whiteout; Docker refuses duplicate
/// entries and links to missing files, which the archive tests cover) loaded
/// into the daemon and read back through the Engine API: the same findings as the archive, in
/// bounded memory.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn hostile_layers_through_the_daemon() {
    use crate::support::imagegen::{self, Format, raw_tar};
    use tar::EntryType::{Directory, Regular, Symlink};
    let Some(host) = docker_host() else { return };
    let dir = tempfile::tempdir().unwrap();
    let chain: Vec<(Vec<u8>, Vec<u8>)> = (0..2000)
        .map(|i| {
            let target = if i == 1999 {
                b"/bin/tool".to_vec()
            } else {
                format!("/chain/c{}", i + 1).into_bytes()
            };
            (format!("chain/c{i}").into_bytes(), target)
        })
        .collect();
    let mut l0: Vec<imagegen::RawEntry<'_>> = vec![
        (b"bin", Directory, 0o755, b"", None),
        (b"bin/tool", Regular, 0o4755, b"tool", None),
        (b"loop-a", Symlink, 0o777, b"", Some(b"loop-b")),
        (b"loop-b", Symlink, 0o777, b"", Some(b"loop-a")),
        (b"etc", Directory, 0o755, b"", None),
        (b"etc/passwd", Symlink, 0o777, b"", Some(b"/loop-a")),
        (
            b"link-out",
            Symlink,
            0o777,
            b"",
            Some(b"../../../../etc/shadow"),
        ),
        (b"gone", Regular, 0o4755, b"first", None),
        (b"bad\xff\xfename", Regular, 0o4755, b"x", None),
        (b"x", Regular, 0o4755, b"file", None),
        (b"chain", Directory, 0o755, b"", None),
    ];
    for (name, target) in &chain {
        l0.push((name, Symlink, 0o777, b"", Some(target)));
    }
    let l1 = raw_tar(&[
        (b"x", Directory, 0o755, b"", None),
        (b"x/y", Regular, 0o2755, b"y", None),
        (b".wh.gone", Regular, 0o644, b"", None),
    ]);
    let mut built = imagegen::from_layers(vec![raw_tar(&l0), l1], serde_json::json!({}));
    let tag = format!("stevedore-test/hostile:{}", unique());
    built.repo_tags = vec![tag.clone()];
    let archive = imagegen::write(&built, Format::DockerArchive, dir.path(), "hostile");
    docker(&host, &["load", "-q", "-i", archive.to_str().unwrap()]);

    let scan = |reference: &str| {
        let run = crate::support::scan_image_bounded(reference, &["-H", &host], 64 * 1024);
        let mut f = findings(&run);
        f.sort();
        f
    };
    let from_daemon = scan(&format!("docker-daemon:{tag}"));
    let from_archive = scan(&format!("docker-archive:{}", archive.display()));
    assert_eq!(from_daemon, from_archive);
    let setuid: Vec<&str> = from_daemon
        .iter()
        .filter(|f| f.0 == "FS001")
        .map(|f| f.1.as_str())
        .collect();
    assert_eq!(
        setuid,
        ["/bad\\xff\\xfename", "/bin/tool", "/x/y"],
        "{from_daemon:?}"
    );
    docker(&host, &["rmi", &tag]);
}

/// Podman's Docker-compatible API (scripts/test.sh starts `podman system service`): an image
/// loaded into Podman scans like its archive, and the daemon view says Podman and leaves out what
/// does not apply to it (live-restore, experimental).
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn podman_through_its_docker_api() {
    let host = match std::env::var("STEVEDORE_PODMAN_HOST") {
        Ok(h) if !h.is_empty() => h,
        _ => {
            assert!(
                !services_required(),
                "scripts/test.sh started the services but STEVEDORE_PODMAN_HOST is unset"
            );
            eprintln!("SKIPPED: no Podman service (run ./scripts/test.sh to start one)");
            return;
        }
    };
    let podman_args = std::env::var("STEVEDORE_PODMAN_ARGS").unwrap_or_default();
    // The podman CLI on the service's storage.
    let podman = |args: &[&str]| {
        let out = Command::new("podman")
            .args(podman_args.split_whitespace())
            .args(args)
            .output()
            .expect("podman");
        assert!(
            out.status.success(),
            "podman {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let demo = crate::support::fixture("demo.tar");
    podman(&["load", "-q", "-i", demo.to_str().unwrap()]);
    let cfg = empty_config();
    let scan = |reference: &str| {
        let run = crate::support::scan_image_bounded(reference, &["-H", &host], 64 * 1024);
        let mut f = findings(&run);
        f.sort();
        f
    };
    let from_podman = scan("docker-daemon:localhost/stevedore-demo/app:1.0");
    let from_archive = scan(&format!("docker-archive:{}", demo.display()));
    assert!(!from_podman.is_empty());
    assert_eq!(from_podman, from_archive);

    let run = stevedore(&[
        "daemon",
        "-H",
        &host,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["target"]["engine"], "podman", "{report:#}");
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["rule_id"].as_str())
        .collect();
    assert!(
        !rules.contains(&"DMN004") && !rules.contains(&"DMN012"),
        "live-restore and experimental do not apply to Podman: {rules:?}"
    );
    assert!(rules.contains(&"DMN003"), "{rules:?}");
    let notes = report["target"]["notes"].to_string();
    assert!(notes.contains("Podman"), "{notes}");

    // A container Podman created (not started) is judged like a Docker one.
    let name = format!("st-podman-{}", unique());
    let out = Command::new("podman")
        .args(podman_args.split_whitespace())
        .args([
            "create",
            "--name",
            &name,
            "--privileged",
            "--restart",
            "always",
        ])
        .args(["-p", "8080:80", "localhost/stevedore-demo/app:1.0"])
        .output()
        .expect("podman");
    assert!(
        out.status.success(),
        "podman create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = stevedore(&[
        "containers",
        &name,
        "-H",
        &host,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ]);
    let found = findings(&run);
    for rule in ["CTR001", "CTR017", "CTR018"] {
        assert!(found.iter().any(|f| f.0 == rule), "{rule}: {found:?}");
    }
    podman(&["rm", "-f", &name]);
}

/// Live reports keep the documented JSON contract too.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn live_json_matches_the_schema() {
    let Some(host) = docker_host() else { return };
    for command in [&["daemon"][..], &["containers", "--all", "--images"][..]] {
        let mut args = command.to_vec();
        let cfg = empty_config();
        args.extend([
            "-H",
            &host,
            "--fail-on",
            "none",
            "-f",
            "json",
            "--config",
            &cfg,
        ]);
        let run = stevedore(&args);
        assert_eq!(run.code, 0, "{command:?}: {}", run.stderr);
        crate::support::assert_json_report(&run.stdout);
    }
}
