//! `stevedore node`: a node judged from its root filesystem, nothing run on it.

use crate::support::nodegen::{self, Description, Entry};
use crate::support::{assert_json_report, assert_sarif_accepted, empty_config, stevedore};
use serde_json::Value;
use std::path::Path;

fn file(path: &str, text: &str) -> Entry {
    Entry {
        path: path.into(),
        text: Some(text.into()),
        dir: false,
        link: None,
        mode: None,
        owner: None,
    }
}

/// A Docker node as Debian lays it out: the unit reads `/etc/default/docker`.
fn docker_node(extra: Vec<Entry>) -> Description {
    let mut files = vec![
        file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"),
        file("etc/group", "root:x:0:\ndocker:x:998:\n"),
        file("usr/sbin/dockerd", "#!/bin/sh\n"),
        file(
            "lib/systemd/system/docker.service",
            "[Service]\nEnvironmentFile=-/etc/default/docker\nExecStart=/usr/sbin/dockerd -H fd:// $DOCKER_OPTS\n",
        ),
        file("etc/default/docker", "DOCKER_OPTS=\"--iptables=false\"\n"),
        file("etc/docker/daemon.json", "{\"icc\": false}\n"),
    ];
    files.extend(extra);
    Description { files }
}

fn scan(root: &Path, format: &str) -> crate::support::Run {
    let cfg = empty_config();
    stevedore(&[
        "node",
        "--root",
        &root.display().to_string(),
        "-f",
        format,
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ])
}

use crate::support::file_findings as findings;

fn needs_root() -> bool {
    if nodegen::can_chown() {
        return true;
    }
    assert!(
        !crate::support::services_required(),
        "scripts/test.sh runs as root"
    );
    eprintln!("SKIPPED: node roots need root to set file owners");
    false
}

#[test]
fn the_daemon_view_is_the_units_command_line_over_daemon_json() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    nodegen::build(
        &docker_node(vec![file(
            "etc/systemd/system/docker.service.d/override.conf",
            "[Service]\nExecStart=\nExecStart=/usr/sbin/dockerd -H fd:// -H tcp://0.0.0.0:2375 $DOCKER_OPTS\n",
        )]),
        dir.path(),
    );
    let run = scan(dir.path(), "json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = findings(&run.json());
    let at = |rule: &str| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.0 == rule)
            .map(|f| f.1.clone())
            .collect()
    };
    // The drop-in replaced the command; /etc/default/docker's DOCKER_OPTS expanded into it, and
    // the flag that came through the variable points at the line that set it.
    assert_eq!(at("DMN016"), ["/etc/default/docker:1"]);
    assert_eq!(
        at("DMN001"),
        ["/etc/systemd/system/docker.service.d/override.conf:3"]
    );
    assert!(
        at("DMN002").is_empty(),
        "icc is off in daemon.json: {found:#?}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.0 == "NODE003" && f.2.starts_with("no audit rules on the node")),
        "{found:#?}"
    );
}

#[test]
fn a_node_without_docker_gets_no_daemon_findings() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    nodegen::build(
        &Description {
            files: vec![file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")],
        },
        dir.path(),
    );
    let run = scan(dir.path(), "json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(findings(&run.json()), []);
}

#[test]
fn hostile_roots_are_read_inside_the_root_and_never_block() {
    if !needs_root() {
        return;
    }
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("daemon.json"), "{\"icc\": true}").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let escape = format!(
        "../../../../../../..{}/daemon.json",
        outside.path().display()
    );
    nodegen::build(
        &docker_node(vec![
            Entry {
                path: "etc/docker/certs.d/r.example/ca.crt".into(),
                text: None,
                dir: false,
                link: Some("/etc/docker/certs.d/r.example/ca.crt".into()),
                mode: None,
                owner: None,
            },
            Entry {
                path: "etc/audit/rules.d/docker.rules".into(),
                text: None,
                dir: false,
                link: Some(escape.clone()),
                mode: None,
                owner: None,
            },
        ]),
        dir.path(),
    );
    // daemon.json is a FIFO: reading it would block forever.
    let json = dir.path().join("etc/docker/daemon.json");
    std::fs::remove_file(&json).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&json)
            .status()
            .unwrap()
            .success()
    );
    let run = scan(dir.path(), "json");
    assert_eq!(run.code, 2, "{}", run.stderr);
    let error = run.stderr.trim();
    assert!(
        error.contains("too many levels of symbolic links")
            && error.contains("(and 1 more files could not be read)"),
        "{error}"
    );
    assert_eq!(error.lines().count(), 1, "{error}");
    let report = run.json();
    let errors: Vec<String> = report["target"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["path"].as_str().unwrap(),
                e["error"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        errors.contains(&"/etc/docker/daemon.json: not a regular file".to_string()),
        "{errors:?}"
    );
    // The rest is still judged: the flags from /etc/default/docker.
    let found = findings(&report);
    assert!(found.iter().any(|f| f.0 == "DMN016"), "{found:#?}");
    // The escaping link resolves inside the root (where nothing is), never to the outside file.
    assert!(!run.stdout.contains(&outside.path().display().to_string()));
}

#[test]
fn node_reports_render_as_json_and_sarif() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // An end-of-life OS too: every rule a node scan runs must be described in the SARIF.
    nodegen::build(
        &docker_node(vec![file(
            "etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 9 (stretch)\"\nID=debian\nVERSION_ID=\"9\"\n",
        )]),
        dir.path(),
    );
    let json = scan(dir.path(), "json");
    assert_json_report(&json.stdout);
    let rules: Vec<String> = findings(&json.json()).into_iter().map(|f| f.0).collect();
    for rule in ["OS002", "NODE006", "NODE003", "DMN016"] {
        assert!(rules.iter().any(|r| r == rule), "{rule}: {rules:?}");
    }
    let sarif = scan(dir.path(), "sarif");
    assert_eq!(sarif.code, 0, "{}", sarif.stderr);
    assert_sarif_accepted(&sarif.stdout);
}

/// The test machine itself: the test script's private dockerd runs with `--iptables=false`, and
/// `stevedore node` on `/` must judge that running command line (read from /proc).
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn the_test_machines_own_root_and_running_dockerd() {
    let Ok(host) = std::env::var("STEVEDORE_DOCKER_HOST") else {
        assert!(
            !crate::support::services_required(),
            "STEVEDORE_DOCKER_HOST is unset"
        );
        eprintln!("SKIPPED: no private dockerd (run ./scripts/test.sh)");
        return;
    };
    let socket = host.trim_start_matches("unix://").to_string();
    let cfg = empty_config();
    let run = stevedore(&["node", "-f", "json", "--fail-on", "none", "--config", &cfg]);
    assert!(run.code == 0 || run.code == 2, "{}", run.stderr);
    let report = run.json();
    let found = findings(&report);
    let iptables: Vec<&(String, String, String)> =
        found.iter().filter(|f| f.0 == "DMN016").collect();
    assert!(
        iptables
            .iter()
            .any(|f| f.1.starts_with("/proc/") && f.1.ends_with("/cmdline:1")),
        "DMN016 from the running command line: {found:#?}"
    );
    // The process read is a dockerd serving the test socket or another root dockerd of the host.
    let scanned: Vec<&str> = report["target"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "process")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(scanned.len(), 1, "{scanned:?}");
    let pid = scanned[0]
        .trim_start_matches("/proc/")
        .trim_end_matches("/cmdline");
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
    assert!(
        cmdline.contains("dockerd") && cmdline.contains("--iptables=false"),
        "{cmdline} (socket {socket})"
    );
}

#[test]
fn container_runtimes_as_the_node_reads_them() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut world_writable = file(
        "etc/containerd/config.toml",
        "version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n[grpc]\n  gid = 998\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\n  config_path = \"/etc/containerd/certs.d\"\n",
    );
    world_writable.mode = Some("0666".into());
    nodegen::build(
        &Description {
            files: vec![
                file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
                file("etc/group", "root:x:0:\ndocker:x:998:alice\n"),
                file(
                    "etc/selinux/config",
                    "SELINUX=enforcing\nSELINUXTYPE=targeted\n",
                ),
                world_writable,
                // An import turns AppArmor off: imports apply over the main file.
                file(
                    "etc/containerd/conf.d/10-apparmor.toml",
                    "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  disable_apparmor = true\n",
                ),
                file(
                    "etc/containerd/certs.d/registry.internal/hosts.toml",
                    "server = \"https://registry.internal\"\n[host.\"https://registry.internal\"]\n  skip_verify = true\n",
                ),
                file(
                    "etc/crio/crio.conf",
                    "[crio.runtime]\napparmor_profile = \"unconfined\"\nseccomp_profile = \"/etc/crio/seccomp.json\"\n",
                ),
                // The drop-in wins: AppArmor is back on for CRI-O.
                file(
                    "etc/crio/crio.conf.d/20-apparmor.conf",
                    "[crio.runtime]\napparmor_profile = \"crio-default\"\n",
                ),
                file(
                    "etc/crio/seccomp.json",
                    "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}\n",
                ),
            ],
        },
        dir.path(),
    );
    let run = scan(dir.path(), "json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = findings(&run.json());
    let has = |rule: &str, at: &str, needle: &str| {
        found
            .iter()
            .any(|f| f.0 == rule && f.1 == at && f.2.contains(needle))
    };
    assert!(
        has(
            "CRI001",
            "/etc/containerd/conf.d/10-apparmor.toml:3",
            "containerd"
        ),
        "{found:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|f| f.0 == "CRI001" && f.2.contains("CRI-O")),
        "{found:#?}"
    );
    assert!(
        has(
            "CRI002",
            "/etc/containerd/config.toml:1",
            "left at containerd's default"
        ),
        "{found:#?}"
    );
    assert!(
        has(
            "CRI007",
            "/etc/containerd/certs.d/registry.internal/hosts.toml:3",
            "skip_verify = true"
        ),
        "{found:#?}"
    );
    assert!(has("SCP001", "/etc/crio/seccomp.json:1", ""), "{found:#?}");
    // The socket's group, named from the node's own /etc/group.
    assert!(
        has(
            "CRI018",
            "/etc/containerd/config.toml:4",
            "gid 998 (docker)"
        ),
        "{found:#?}"
    );
    assert!(
        has("NODE002", "/etc/containerd/config.toml:1", "mode 0666"),
        "{found:#?}"
    );
}

/// kubeadm's layout: the unit, its `10-kubeadm.conf` drop-in with the environment files it
/// reads, the `--config` file and a `--config-dir` drop-in. Each level of precedence decides one
/// setting here.
#[test]
fn the_kubelets_effective_configuration_on_a_kubeadm_node() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut kubeconfig = file(
        "etc/kubernetes/kubelet.conf",
        "apiVersion: v1\nkind: Config\n",
    );
    kubeconfig.mode = Some("0644".into());
    nodegen::build(
        &Description {
            files: vec![
                file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
                file("etc/group", "root:x:0:\n"),
                file(
                    "usr/lib/systemd/system/kubelet.service",
                    "[Service]\nExecStart=/usr/bin/kubelet\nRestart=always\n",
                ),
                {
                    let mut unit = file(
                        "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
                        "[Service]\nEnvironment=\"KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf\"\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nEnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env\nEnvironmentFile=-/etc/default/kubelet\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS\n",
                    );
                    unit.mode = Some("0600".into());
                    unit
                },
                file(
                    "var/lib/kubelet/kubeadm-flags.env",
                    "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///var/run/containerd/containerd.sock --config-dir=/etc/kubernetes/kubelet.conf.d\"\n",
                ),
                file(
                    "etc/default/kubelet",
                    "KUBELET_EXTRA_ARGS=--read-only-port=10255\n",
                ),
                {
                    let mut config = file(
                        "var/lib/kubelet/config.yaml",
                        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nauthorization:\n  mode: Webhook\nreadOnlyPort: 0\nseccompDefault: true\nrotateCertificates: true\nserverTLSBootstrap: true\npodPidsLimit: 4096\n",
                    );
                    config.mode = Some("0600".into());
                    config
                },
                file(
                    "etc/kubernetes/kubelet.conf.d/50-rollback.conf",
                    "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nseccompDefault: false\n",
                ),
                kubeconfig,
                file("etc/kubernetes/pki/ca.crt", "ca\n"),
                file(
                    "etc/containerd/config.toml",
                    "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  unset_seccomp_profile = \"runtime/default\"\n",
                ),
            ],
        },
        dir.path(),
    );
    let run = scan(dir.path(), "json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = findings(&run.json());
    let one = |rule: &str| -> (String, String) {
        let hits: Vec<_> = found.iter().filter(|f| f.0 == rule).collect();
        assert_eq!(hits.len(), 1, "{rule}: {found:#?}");
        (hits[0].1.clone(), hits[0].2.clone())
    };
    // A flag (from /etc/default/kubelet, through the drop-in's ExecStart) beats the file, and
    // points at the line of the environment file that set it.
    let (at, msg) = one("KLT004");
    assert_eq!(at, "/etc/default/kubelet:1");
    assert!(
        msg.contains("port 10255")
            && msg
                .contains("flag --read-only-port ($KUBELET_EXTRA_ARGS in /etc/default/kubelet:1)"),
        "{msg}"
    );
    // The --config-dir drop-in beats the file, and the runtime that would apply is named.
    let (at, msg) = one("KLT010");
    assert_eq!(at, "/etc/kubernetes/kubelet.conf.d/50-rollback.conf:3");
    assert!(
        msg.contains("--config-dir drop-in")
            && msg.contains("containerd's built-in default profile"),
        "{msg}"
    );
    // The file decides the rest: anonymous auth off, Webhook.
    assert!(
        !found.iter().any(|f| f.0 == "KLT001" || f.0 == "KLT002"),
        "{found:#?}"
    );
    // CIS Kubernetes 4.1.5: the kubeconfig is 0644.
    let (at, msg) = one("NODE002");
    assert_eq!(at, "/etc/kubernetes/kubelet.conf:1");
    assert!(msg.contains("CIS K8s 4.1.5"), "{msg}");
}

#[test]
fn a_kubelet_without_config_keeps_the_legacy_insecure_defaults() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    nodegen::build(
        &Description {
            files: vec![
                file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
                file(
                    "etc/systemd/system/kubelet.service",
                    "[Service]\nExecStart=/usr/local/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --client-ca-file=/etc/kubernetes/pki/ca.crt\n",
                ),
            ],
        },
        dir.path(),
    );
    let run = scan(dir.path(), "json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = findings(&run.json());
    for rule in ["KLT001", "KLT002", "KLT004"] {
        assert!(
            found.iter().any(|f| f.0 == rule
                && f.1 == "/etc/systemd/system/kubelet.service:2"
                && f.2
                    .contains("legacy default of a kubelet started without --config")),
            "{rule}: {found:#?}"
        );
    }
    assert!(
        !found.iter().any(|f| f.0 == "KLT003"),
        "the client CA flag is set"
    );
}

/// A copy of the parts of a node root `stevedore node` reads, to change without touching it.
fn copy_node(root: &Path, to: &Path) {
    for part in [
        "etc",
        "usr/lib/systemd/system",
        "usr/sbin/dockerd",
        "usr/bin/containerd",
        "usr/bin/containerd-shim",
        "usr/bin/containerd-shim-runc-v1",
        "usr/bin/containerd-shim-runc-v2",
        "usr/bin/runc",
    ] {
        let status = std::process::Command::new("cp")
            .args(["-a", "--parents", part])
            .arg(to)
            .current_dir(root)
            .status()
            .unwrap();
        assert!(status.success(), "cp {part}");
    }
    for link in ["lib", "bin", "sbin"] {
        let target = std::fs::read_link(root.join(link)).unwrap();
        std::os::unix::fs::symlink(target, to.join(link)).unwrap();
    }
}

/// A real Debian 12 node: docker.io, containerd, runc and auditd installed by apt into a
/// debootstrapped root (scripts/test.sh), then changed copies of it.
#[test]
#[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
fn a_real_debian_node_with_docker_and_containerd() {
    let Ok(root) = std::env::var("STEVEDORE_NODE_ROOT") else {
        assert!(
            !crate::support::services_required(),
            "STEVEDORE_NODE_ROOT is unset"
        );
        eprintln!("SKIPPED: no Debian node root (run ./scripts/test.sh)");
        return;
    };
    let root = Path::new(&root);
    let stock = scan(root, "json");
    assert_eq!(stock.code, 0, "{}", stock.stderr);
    let found = findings(&stock.json());
    let has = |found: &[(String, String, String)], rule: &str, at: &str, needle: &str| {
        found
            .iter()
            .any(|f| f.0 == rule && f.1.starts_with(at) && f.2.contains(needle))
    };
    // Debian's unit reads /etc/default/docker and sets nothing: dockerd's defaults.
    assert!(
        has(
            &found,
            "DMN002",
            "/lib/systemd/system/docker.service",
            "icc is not set"
        ),
        "{found:#?}"
    );
    // Debian's containerd config.toml leaves unset_seccomp_profile empty.
    assert!(
        has(&found, "CRI010", "/etc/containerd/config.toml", ""),
        "{found:#?}"
    );
    // auditd ships rules, none for Docker: each path present is asked for.
    assert!(
        has(
            &found,
            "NODE003",
            "/",
            "/usr/bin/runc has no audit rule (CIS 1.1.18)"
        ),
        "{found:#?}"
    );
    // The package modes and owners are right, and docker.socket declares root:docker 0660.
    assert!(
        !found.iter().any(|f| f.0 == "NODE001" || f.0 == "NODE002"),
        "{found:#?}"
    );

    // A changed copy: what the package left alone, an operator changed.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path();
    copy_node(root, copy);
    let socket = copy.join("usr/lib/systemd/system/docker.socket");
    let text = std::fs::read_to_string(&socket).unwrap();
    std::fs::write(&socket, text.replace("SocketMode=0660", "SocketMode=0666")).unwrap();
    std::fs::write(
        copy.join("etc/docker/daemon.json"),
        "{\"icc\": false, \"live-restore\": true}\n",
    )
    .unwrap();
    std::fs::write(
        copy.join("etc/audit/rules.d/docker.rules"),
        "-w /usr/bin/runc -k docker\n-w /usr/sbin/dockerd -k docker\n-w /etc/docker -k docker\n",
    )
    .unwrap();
    // What Debian's containerd writes with `containerd config default`.
    let default = std::env::var("STEVEDORE_CONTAINERD_DEFAULT").unwrap();
    std::fs::copy(default, copy.join("etc/containerd/config.toml")).unwrap();
    let changed = scan(copy, "json");
    assert_eq!(changed.code, 0, "{}", changed.stderr);
    let found = findings(&changed.json());
    assert!(
        has(
            &found,
            "NODE002",
            "/lib/systemd/system/docker.socket",
            "mode 0666"
        ),
        "{found:#?}"
    );
    assert!(
        !found.iter().any(|f| f.0 == "DMN002"),
        "icc is off now: {found:#?}"
    );
    assert!(!has(&found, "NODE003", "/", "/usr/bin/runc"), "{found:#?}");
    assert!(
        has(
            &found,
            "NODE003",
            "/",
            "/usr/bin/containerd has no audit rule"
        ),
        "{found:#?}"
    );
    // containerd's default file: a tag-pinned sandbox image, unset_seccomp_profile empty.
    assert!(
        has(
            &found,
            "CRI009",
            "/etc/containerd/config.toml",
            "registry.k8s.io/pause:"
        ),
        "{found:#?}"
    );
    assert!(
        has(&found, "CRI010", "/etc/containerd/config.toml", ""),
        "{found:#?}"
    );
    // …and privileged_without_host_devices = false on runc (the unused legacy tables are not
    // handlers).
    let devices: Vec<_> = found.iter().filter(|f| f.0 == "CRI017").collect();
    assert_eq!(devices.len(), 1, "{devices:#?}");
    assert!(devices[0].2.contains("handler runc"), "{devices:#?}");
}

/// As a DaemonSet: `--interval` keeps running and prints one JSON report per line.
#[test]
fn interval_prints_one_json_report_per_line_and_keeps_running() {
    if !needs_root() {
        return;
    }
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    nodegen::build(&docker_node(vec![]), dir.path());
    let cfg = empty_config();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args(["node", "--root"])
        .arg(dir.path())
        .args(["--interval", "10s", "--config", &cfg])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let still_running = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(still_running, "a DaemonSet's container must not exit");
    assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
    let report: Value = serde_json::from_str(&line).unwrap();
    let errors = crate::support::validate::json_report_schema_errors(&report);
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(findings(&report).iter().any(|f| f.0 == "DMN016"), "{line}");
    // Bad intervals are refused up front.
    let run = stevedore(&["node", "--interval", "1s"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("between 10s and 7d"), "{}", run.stderr);
}

/// The node-scan DaemonSet lints clean with its own exceptions, each with its reason, and keeps
/// the promises its header makes.
#[test]
fn the_node_scan_daemonset_lints_clean_and_mounts_only_what_it_reads() {
    let run = stevedore(&[
        "config",
        "deploy/kubernetes/node-scan.yaml",
        "--config",
        "deploy/kubernetes/stevedore.yaml",
        "-f",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let report = run.json();
    let findings = report["findings"].as_array().unwrap();
    assert!(!findings.is_empty(), "the exceptions are exercised");
    assert!(
        findings.iter().all(|f| f["suppression"]["justification"]
            .as_str()
            .is_some_and(|j| j.len() > 40)),
        "every finding is excepted with a written reason: {findings:#?}"
    );
    let text =
        std::fs::read_to_string(crate::support::repo().join("deploy/kubernetes/node-scan.yaml"))
            .unwrap();
    let docs = stevedore::inputs::yaml::parse(&text).unwrap();
    let ds = docs
        .iter()
        .find(|d| d.get("kind").and_then(|k| k.as_str()) == Some("DaemonSet"))
        .unwrap();
    let pod = ds.at(&["spec", "template", "spec"]).unwrap();
    assert_eq!(
        pod.get("automountServiceAccountToken")
            .and_then(|v| v.as_bool()),
        Some(false)
    );
    let paths: Vec<String> = pod
        .get("volumes")
        .unwrap()
        .as_seq()
        .iter()
        .filter_map(|v| {
            v.at(&["hostPath", "path"])
                .and_then(|p| p.as_str())
                .map(String::from)
        })
        .collect();
    for forbidden in [
        "/var/lib/kubelet/pki",
        "/var/lib/kubelet/pods",
        "/run",
        "/var/run",
        "/var/lib/kubelet",
    ] {
        assert!(
            !paths.iter().any(|p| p == forbidden),
            "{forbidden} is mounted: {paths:?}"
        );
    }
    assert!(!paths.iter().any(|p| p.ends_with(".sock")), "{paths:?}");
    let container = &pod.get("containers").unwrap().as_seq()[0];
    let sc = container.get("securityContext").unwrap();
    assert_eq!(
        sc.get("readOnlyRootFilesystem").and_then(|v| v.as_bool()),
        Some(true)
    );
    let drop: Vec<&str> = sc
        .at(&["capabilities", "drop"])
        .unwrap()
        .as_seq()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(drop, ["ALL"]);
    assert!(
        sc.at(&["capabilities", "add"]).is_none(),
        "no capability is added"
    );
    assert!(
        container
            .get("volumeMounts")
            .unwrap()
            .as_seq()
            .iter()
            .all(|m| m.get("readOnly").and_then(|v| v.as_bool()) == Some(true)),
        "every mount is read-only"
    );
    for ns in ["hostNetwork", "hostPID", "hostIPC"] {
        assert_eq!(pod.get(ns).and_then(|v| v.as_bool()), Some(false), "{ns}");
    }
}

#[test]
fn devices_huge_files_and_toml_bombs_are_refused_and_the_rest_judged() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    nodegen::build(&docker_node(vec![]), dir.path());
    let d = dir.path();
    // daemon.json: a link to a character device inside the root (reading it would never end).
    std::fs::create_dir_all(d.join("dev")).unwrap();
    assert!(
        std::process::Command::new("mknod")
            .arg(d.join("dev/zero"))
            .args(["c", "1", "5"])
            .status()
            .unwrap()
            .success()
    );
    std::fs::remove_file(d.join("etc/docker/daemon.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.join("etc/docker/daemon.json")).unwrap();
    // /etc/default/docker: a 9 MiB sparse file, over the size limit for a configuration file.
    let f = std::fs::File::create(d.join("etc/default/docker")).unwrap();
    f.set_len(9 << 20).unwrap();
    // containerd's config: nested arrays far beyond any real file.
    std::fs::create_dir_all(d.join("etc/containerd")).unwrap();
    std::fs::write(
        d.join("etc/containerd/config.toml"),
        format!(
            "version = 2\nx = {}{}\n",
            "[".repeat(50_000),
            "]".repeat(50_000)
        ),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let run = scan(d, "json");
    assert!(start.elapsed() < std::time::Duration::from_secs(20));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    let report = run.json();
    let errors: Vec<String> = report["target"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}: {}",
                e["path"].as_str().unwrap(),
                e["error"].as_str().unwrap()
            )
        })
        .collect();
    let has = |needle: &str| errors.iter().any(|e| e.contains(needle));
    assert!(
        has("/etc/docker/daemon.json: not a regular file"),
        "{errors:#?}"
    );
    assert!(
        has("/etc/default/docker: 9437184 bytes, over the"),
        "{errors:#?}"
    );
    assert!(
        has("/etc/containerd/config.toml: line 2: invalid TOML"),
        "{errors:#?}"
    );
    // Still judged: the audit rules and the daemon's defaults from the unit.
    let found = findings(&report);
    assert!(found.iter().any(|f| f.0 == "NODE003"), "{found:#?}");
    assert!(found.iter().any(|f| f.0 == "DMN002"), "{found:#?}");
}

#[test]
fn containerds_base_runtime_spec_is_linted_where_it_lives() {
    if !needs_root() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    nodegen::build(
        &Description {
            files: vec![
                file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"),
                file(
                    "etc/containerd/config.toml",
                    "version = 3\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]\n  base_runtime_spec = \"/etc/containerd/base-spec.json\"\n[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.kata]\n  base_runtime_spec = \"/etc/containerd/kata-spec.json\"\n",
                ),
                file(
                    "etc/containerd/base-spec.json",
                    "{\n  \"process\": {\"capabilities\": {\n    \"bounding\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"],\n    \"effective\": [\"CAP_CHOWN\", \"CAP_SYS_ADMIN\"]}},\n  \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\"}}\n}\n",
                ),
                file(
                    "etc/containerd/kata-spec.json",
                    "{\"process\": {\"capabilities\": {\"bounding\": [\"CAP_CHOWN\", \"CAP_KILL\"]}}}\n",
                ),
            ],
        },
        dir.path(),
    );
    let run = scan(dir.path(), "json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = findings(&run.json());
    let at = |rule: &str| -> Vec<String> {
        found
            .iter()
            .filter(|f| f.0 == rule)
            .map(|f| f.1.clone())
            .collect()
    };
    // One finding per capability, not one per set it appears in; the default-set spec is silent.
    assert_eq!(
        at("CRI011"),
        ["/etc/containerd/base-spec.json:3"],
        "{found:#?}"
    );
    assert_eq!(
        at("SCP001"),
        ["/etc/containerd/base-spec.json:5"],
        "{found:#?}"
    );
}

/// A node OS image: the same facts from its flattened filesystem, read in one pass.
#[test]
fn a_node_os_image_given_as_a_reference() {
    use crate::support::imagegen::{self, Format};
    let node = docker_node(vec![
        {
            let mut e = file("etc/docker/daemon.json", "{\"icc\": false}\n");
            e.mode = Some("0666".into());
            e
        },
        file(
            "etc/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        ),
        file("etc/shadow", "root:$6$secret:19000:0:99999:7:::\n"),
    ]);
    // The same files as one image layer (a later daemon.json replaces the first).
    let files: Vec<serde_json::Value> = node
        .files
        .iter()
        .rev()
        .fold(Vec::<&Entry>::new(), |mut seen, e| {
            if !seen.iter().any(|s| s.path == e.path) {
                seen.push(e);
            }
            seen
        })
        .into_iter()
        .map(|e| {
            let (uid, gid) = e
                .owner
                .as_deref()
                .unwrap_or("0:0")
                .split_once(':')
                .map(|(u, g)| (u.parse::<u64>().unwrap(), g.parse::<u64>().unwrap()))
                .unwrap();
            serde_json::json!({
                "path": e.path,
                "mode": e.mode.clone().unwrap_or_else(|| "0644".into()),
                "uid": uid,
                "gid": gid,
                "content": e.text.clone().unwrap_or_default(),
            })
        })
        .collect();
    let desc: imagegen::Description = serde_json::from_value(serde_json::json!({
        "repo_tags": ["example/node-os:1"],
        "config": {},
        "layers": [{"created_by": "node OS", "files": files}],
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let built = imagegen::build(&desc);
    let path = imagegen::write(&built, Format::OciDirGzip, dir.path(), "node-os");
    let reference = Format::OciDirGzip.reference(&path);
    let cfg = empty_config();
    let run = stevedore(&[
        "node",
        "--image",
        &reference,
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let found = findings(&report);
    let has = |rule: &str, at: &str| found.iter().any(|f| f.0 == rule && f.1 == at);
    assert!(has("NODE002", "/etc/docker/daemon.json:1"), "{found:#?}");
    assert!(has("DMN016", "/etc/default/docker:1"), "{found:#?}");
    assert!(has("NODE006", "/etc/os-release:1"), "{found:#?}");
    assert!(
        !found.iter().any(|f| f.0 == "DMN002"),
        "icc off in daemon.json: {found:#?}"
    );
    // The node scan keeps configuration, not secrets: /etc/shadow is never read.
    assert!(!run.stdout.contains("$6$secret"));
    let files: Vec<&str> = report["target"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(!files.contains(&"/etc/shadow"), "{files:?}");
}
