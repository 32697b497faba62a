//! `stevedore config`: daemon settings and seccomp profiles, every finding on its line.

use crate::support::{empty_config, fixture, repo, services_required, stevedore, stevedore_in};
use serde_json::Value;
use std::collections::BTreeSet;

fn config(args: &[&str]) -> crate::support::Run {
    let cfg = empty_config();
    let mut a = vec![
        "config",
        "-f",
        "json",
        "--fail-on",
        "none",
        "--config",
        &cfg,
    ];
    a.extend_from_slice(args);
    stevedore(&a)
}

use crate::support::file_findings as findings;

/// Fails with every finding listed when no `rule` finding at `at` says `needle`.
#[track_caller]
fn assert_has(found: &[(String, String, String)], rule: &str, at: &str, needle: &str) {
    assert!(
        found
            .iter()
            .any(|(r, a, m)| r == rule && a == at && m.contains(needle)),
        "no {rule} at {at} saying {needle:?}; found: {found:#?}"
    );
}

#[test]
fn daemon_findings_point_at_their_lines() {
    let run = config(&["fixtures/configs/daemon-bad"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found = findings(&run.json());
    let json = "fixtures/configs/daemon-bad/daemon.json";
    let unit = "fixtures/configs/daemon-bad/docker.service.d/override.conf";
    let expect = [
        ("DMN000", format!("{json}:3"), "`hosts` is set in"),
        ("DMN001", format!("{json}:3"), "tcp://0.0.0.0:2375: no TLS"),
        ("DMN007", format!("{json}:5"), "unconfined"),
        ("DMN008", format!("{json}:4"), "registry.internal:5000"),
        ("DMN009", format!("{json}:7"), "aufs"),
        ("DMN012", format!("{json}:10"), "experimental"),
        ("DMN013", format!("{json}:9"), "log-level is debug"),
        ("DMN015", format!("{json}:11"), "/custom"),
        ("DMN016", format!("{unit}:4"), "iptables is false"),
        ("DMN017", format!("{json}:8"), "dm.basesize=50G"),
        ("DMN019", format!("{json}:2"), "dockerd refuses to start"),
        (
            "DMN020",
            format!("{json}:6"),
            "`live_restore` (did you mean `live-restore`?)",
        ),
        (
            "DMN020",
            format!("{unit}:4"),
            "`--tls-verify` (did you mean `tlsverify`?)",
        ),
        ("DMN005", format!("{unit}:4"), "userland-proxy is true"),
    ];
    for (rule, at, needle) in &expect {
        assert_has(&found, rule, at, needle);
    }
    assert!(
        !found.iter().any(|(_, _, m)| m.contains("127.0.0.1:5000")),
        "loopback registries are fine"
    );
    assert!(
        !found.iter().any(|(r, _, _)| r == "DMN002"),
        "icc is false here"
    );
}

#[test]
fn defaults_are_findings_and_a_hardened_daemon_is_silent() {
    let found: BTreeSet<String> = findings(&config(&["fixtures/configs/daemon-defaults"]).json())
        .into_iter()
        .map(|f| f.0)
        .collect();
    let want: BTreeSet<String> = [
        "DMN002", "DMN003", "DMN004", "DMN005", "DMN006", "DMN010", "DMN011", "DMN014", "DMN018",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(found, want);
    let good = config(&["fixtures/configs/daemon-good"]);
    assert_eq!(
        findings(&good.json()),
        vec![],
        "a hardened daemon is silent"
    );
    let scanned: Vec<String> = good.json()["target"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert!(
        scanned.contains(&"fixtures/configs/seccomp-good/strict.json".to_string()),
        "its seccomp-profile is followed: {scanned:?}"
    );
}

#[test]
fn tls_without_verification_is_high_and_missing_certs_critical() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            r#"{"hosts": ["tcp://0.0.0.0:2376"], "tls": true}"#,
            "high",
            "TLS without client verification",
        ),
        (
            r#"{"hosts": ["tcp://0.0.0.0:2376"], "tlsverify": true}"#,
            "critical",
            "tlscacert, tlscert or tlskey is missing",
        ),
    ];
    for (text, severity, needle) in cases {
        let path = dir.path().join("daemon.json");
        std::fs::write(&path, text).unwrap();
        let report = config(&[path.to_str().unwrap(), "--select", "DMN001"]).json();
        let f = &report["findings"][0];
        assert_eq!(f["severity"], severity);
        assert!(f["message"].as_str().unwrap().contains(needle));
    }
}

#[test]
fn seccomp_profiles() {
    let found = findings(&config(&["fixtures/configs/seccomp-bad"]).json());
    let allow_all = "fixtures/configs/seccomp-bad/allow-all.json";
    let permissive = "fixtures/configs/seccomp-bad/permissive.json";
    assert_has(
        &found,
        "SCP001",
        &format!("{allow_all}:2"),
        "SCMP_ACT_ALLOW",
    );
    assert_has(
        &found,
        "SCP002",
        &format!("{permissive}:5"),
        "mount syscalls allowed unconditionally: mount, umount2",
    );
    assert_has(
        &found,
        "SCP002",
        &format!("{permissive}:9"),
        "namespaces syscalls allowed unconditionally: clone, unshare",
    );
    assert_has(
        &found,
        "SCP002",
        &format!("{permissive}:9"),
        "kernel keyring",
    );
    assert!(
        !found
            .iter()
            .any(|(_, _, m)| m.contains("bpf") || m.contains("setns") || m.contains("ptrace")),
        "cap-gated and ptrace are fine"
    );
    assert!(findings(&config(&["fixtures/configs/seccomp-good"]).json()).is_empty());
}

/// Docker's own default profile (Debian's golang-github-docker-docker-dev, Docker 20.10):
/// allows nothing more than a Docker default, so no SCP finding at all (io_uring, which Docker 25
/// blocks, was allowed by the defaults before it).
#[test]
#[ignore = "needs Debian's golang-github-docker-docker-dev, which ./scripts/test.sh installs"]
fn dockers_default_profile() {
    let path = "/usr/share/gocode/src/github.com/docker/docker/profiles/seccomp/default.json";
    if !std::path::Path::new(path).exists() {
        assert!(
            !services_required(),
            "scripts/test.sh installs golang-github-docker-docker-dev"
        );
        eprintln!("SKIPPED: {path} not installed");
        return;
    }
    let found = findings(&config(&[path]).json());
    assert!(found.is_empty(), "{found:#?}");
}

/// The unit Debian's docker.io installs passes `-H fd://`: with a daemon.json that sets
/// `hosts`, dockerd refuses to start.
#[test]
#[ignore = "needs Debian's docker.io unit, which ./scripts/test.sh installs"]
fn debians_docker_service_with_hosts_in_daemon_json() {
    let unit = std::path::Path::new("/lib/systemd/system/docker.service");
    if !unit.exists() {
        assert!(!services_required(), "scripts/test.sh installs docker.io");
        eprintln!("SKIPPED: {} not installed", unit.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(unit, dir.path().join("docker.service")).unwrap();
    std::fs::write(
        dir.path().join("daemon.json"),
        "{\n  \"hosts\": [\"unix:///var/run/docker.sock\"]\n}\n",
    )
    .unwrap();
    let run = stevedore_in(
        dir.path(),
        &[
            "config",
            ".",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--select",
            "DMN000",
            "--config",
            &empty_config(),
        ],
    );
    let found = findings(&run.json());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].2.contains("by the flag `-H`"), "{found:#?}");
}

#[test]
fn parse_errors_keep_the_other_findings_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("daemon.json"), "{\n  \"icc\": true,\n}\n").unwrap();
    std::fs::write(
        dir.path().join("profile.json"),
        "{\"defaultAction\": \"SCMP_ACT_ALLOW\"}",
    )
    .unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello").unwrap();
    let run = stevedore(&[
        "config",
        dir.path().to_str().unwrap(),
        "-f",
        "json",
        "--config",
        &empty_config(),
    ]);
    assert_eq!(run.code, 2);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("daemon.json: line 2: invalid JSON: Trailing commas are not allowed"),
        "{}",
        run.stderr
    );
    let report = run.json();
    assert!(
        findings(&report).iter().any(|f| f.0 == "SCP001"),
        "the other file is still reported"
    );
    assert_eq!(
        report["target"]["skipped"][0]["reason"],
        "not a recognised configuration file"
    );
}

#[test]
fn standard_input_needs_a_kind() {
    let run = stevedore(&["config", "-"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--kind"), "{}", run.stderr);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stevedore"))
        .args([
            "config",
            "-",
            "--kind",
            "daemon-json",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--select",
            "DMN007",
        ])
        .current_dir(repo())
        .stdin(std::fs::File::open(fixture("configs/daemon-bad/daemon.json")).unwrap())
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        findings(&report),
        vec![(
            "DMN007".into(),
            "-:5".into(),
            "seccomp-profile is \"unconfined\": containers run without syscall filtering".into()
        )]
    );
}

#[test]
fn dockerd_args_are_linted_with_daemon_json() {
    let report = config(&[
        "fixtures/configs/daemon-good",
        "--dockerd-args",
        "-H tcp://0.0.0.0:2375 --icc=true",
        "--select",
        "DMN001,DMN002,DMN000",
    ])
    .json();
    let rules: BTreeSet<String> = findings(&report).into_iter().map(|f| f.0).collect();
    assert_eq!(
        rules,
        ["DMN000", "DMN002"].into_iter().map(String::from).collect(),
        "hosts and icc are set twice; TLS verification covers the tcp socket"
    );
}

/// (That every rule fires on an input of its own is `rules.rs`'s job.)
#[test]
fn config_sarif_is_accepted_with_the_paths_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("config.sarif");
    let run = config(&[
        "fixtures/configs",
        "-o",
        &format!("sarif={}", sarif.display()),
    ]);
    assert!(!findings(&run.json()).is_empty());
    let doc: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    for r in doc["runs"][0]["results"].as_array().unwrap() {
        let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(
            uri.starts_with("fixtures/configs/"),
            "uris are the paths as given: {uri}"
        );
        assert!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_i64()
                .unwrap()
                >= 1
        );
    }
    crate::support::assert_sarif_accepted(&std::fs::read_to_string(&sarif).unwrap());
}

#[test]
fn compose_merges_overrides_extends_include_and_env() {
    let run = config(&["fixtures/configs/compose-bad"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let found = findings(&report);
    let dir = "fixtures/configs/compose-bad";
    let expect = [
        // from the override file merged into `web`
        (
            "CTR004",
            format!("{dir}/compose.override.yaml:4"),
            "service web runs with seccomp unconfined",
        ),
        (
            "CTR005",
            format!("{dir}/compose.override.yaml:5"),
            "service web runs with AppArmor unconfined",
        ),
        // from the base service `agent` extends, pointing into base.yml
        (
            "CTR001",
            format!("{dir}/base.yml:3"),
            "service agent runs privileged",
        ),
        (
            "CTR002",
            format!("{dir}/base.yml:4"),
            "service agent adds capability SYS_ADMIN",
        ),
        // from the included file
        (
            "CTR008",
            format!("{dir}/monitoring.yaml:4"),
            "service exporter shares the host's ipc namespace",
        ),
        (
            "CTR008",
            format!("{dir}/monitoring.yaml:5"),
            "service exporter shares the host's uts namespace",
        ),
        // the file itself
        (
            "CTR002",
            format!("{dir}/compose.yaml:18"),
            "service web adds capability NET_ADMIN",
        ),
        (
            "CTR007",
            format!("{dir}/compose.yaml:29"),
            "service agent uses the host network",
        ),
        (
            "CTR010",
            format!("{dir}/compose.yaml:32"),
            "/var/run/docker.sock",
        ),
        (
            "CTR009",
            format!("{dir}/compose.yaml:33"),
            "the host's / (read-only)",
        ),
        (
            "CTR009",
            format!("{dir}/compose.yaml:35"),
            "the host's /sys (writable)",
        ),
        ("CTR016", format!("{dir}/compose.yaml:35"), "rshared"),
        ("CTR014", format!("{dir}/compose.yaml:42"), "/dev/kvm"),
        (
            "CTR013",
            format!("{dir}/compose.yaml:46"),
            "service legacy runs as root",
        ),
        ("CTR015", format!("{dir}/compose.yaml:15"), "host port 80"),
        (
            "CTR017",
            format!("{dir}/compose.yaml:7"),
            "service web restarts unless-stopped without a bound",
        ),
        (
            "CTR017",
            format!("{dir}/compose.yaml:55"),
            "service legacy restarts on failure up to 10 times (more than 5)",
        ),
        (
            "CTR018",
            format!("{dir}/compose.yaml:15"),
            "service web publishes host port 80 on every host interface",
        ),
        (
            "CTR018",
            format!("{dir}/compose.yaml:52"),
            "publishes container port 9000 (on an ephemeral host port) on every host interface",
        ),
    ];
    for (rule, at, needle) in &expect {
        assert_has(&found, rule, at, needle);
    }
    // Ports bound to one address (127.0.0.1, [::1]) listen on that address only.
    assert!(
        !found
            .iter()
            .any(|(r, _, m)| r == "CTR018" && (m.contains("9100") || m.contains("8081"))),
        "{found:#?}"
    );
    // .env interpolation: METRICS_PORT=9100 is not a privileged port; /etc/localtime:ro is fine.
    assert!(
        !found
            .iter()
            .any(|(_, _, m)| m.contains("9100") || m.contains("localtime")),
        "{found:#?}"
    );
    // web has limits, drops ALL and sets no-new-privileges (merged from x-defaults and its own keys).
    assert!(
        !found.iter().any(|(r, _, m)| m.starts_with("service web")
            && ["CTR003", "CTR006", "CTR011", "CTR012"].contains(&r.as_str())),
        "{found:#?}"
    );
    // included and extended files are not projects of their own: each service once.
    assert_eq!(
        found
            .iter()
            .filter(|(r, _, m)| r == "CTR008" && m.contains("exporter shares the host's ipc"))
            .count(),
        1
    );
    assert!(
        !found.iter().any(|(_, _, m)| m.contains("privileged-base")),
        "{found:#?}"
    );
    // inline ignores: a comment above the line, and x-stevedore-ignore on the service.
    let suppressed: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| !f["suppression"].is_null())
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["suppression"]["justification"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    assert!(
        suppressed.contains(&(
            "CTR011".into(),
            format!("suppressed by a `# stevedore:ignore` comment in {dir}/compose.yaml")
        )),
        "{suppressed:?}"
    );
    assert!(
        suppressed.contains(&(
            "CTR003".into(),
            "suppressed by `x-stevedore-ignore` on the service".into()
        )),
        "{suppressed:?}"
    );
    assert!(
        findings(&config(&["fixtures/configs/compose-good"]).json()).is_empty(),
        "a hardened service is silent"
    );
}

#[test]
fn kubernetes_pod_templates_and_defaults() {
    let report = config(&["fixtures/configs/k8s-bad"]).json();
    let found = findings(&report);
    let f = "fixtures/configs/k8s-bad/workloads.yaml";
    let expect = [
        ("CTR001", 16, "Deployment/api container api runs privileged"),
        ("CTR002", 19, "adds capability SYS_PTRACE"),
        ("CTR005", 9, "AppArmor unconfined"),
        ("CTR006", 17, "allows privilege escalation"),
        ("CTR007", 11, "uses the host network"),
        ("CTR010", 24, "/var/run/docker.sock"),
        ("CTR009", 26, "the host's /etc (writable) at /host/etc"),
        ("CTR016", 26, "Bidirectional"),
        ("CTR015", 21, "host port 80"),
        ("CTR018", 21, "host port 80 on every host interface"),
        (
            "CTR004",
            13,
            "sets no seccompProfile: Kubernetes runs it unconfined",
        ),
        ("CTR013", 13, "sets neither runAsNonRoot nor runAsUser"),
        // CronJob: pod-level settings reach init containers and containers alike
        (
            "CTR004",
            52,
            "CronJob/cleanup container prep runs with seccomp unconfined",
        ),
        ("CTR013", 51, "CronJob/cleanup container cleanup runs as 0"),
        (
            "CTR008",
            49,
            "CronJob/cleanup container prep shares the host's pid namespace",
        ),
        ("CTR014", 61, "host device /dev/sda"),
    ];
    for (rule, line, needle) in &expect {
        assert_has(&found, rule, &format!("{f}:{line}"), needle);
    }
    let ignored: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["rule_id"] == "CTR012")
        .collect();
    assert!(
        ignored
            .iter()
            .filter(|x| x["message"].as_str().unwrap().starts_with("CronJob"))
            .all(|x| x["suppression"]["justification"]
                == "suppressed by the stevedore.dev/ignore annotation")
    );
    assert!(
        findings(&config(&["fixtures/configs/k8s-good"]).json()).is_empty(),
        "a hardened deployment is silent"
    );
}

#[test]
fn templated_yaml_is_skipped_with_a_notice() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("deploy.yaml"), "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n{{- range .Values.containers }}\n  - name: {{ .name }}\n{{- end }}\n").unwrap();
    let run = config(&[dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let reason = run.json()["target"]["skipped"][0]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.starts_with("Go template"), "{reason}");
}

#[test]
fn dockerfile_final_stage_through_the_image_rules() {
    let found = findings(&config(&["fixtures/configs/dockerfile-bad"]).json());
    let f = "fixtures/configs/dockerfile-bad/Dockerfile";
    let expect = [
        ("IMG001", 25, "no USER in the final stage"),
        ("IMG002", 24, "HEALTHCHECK NONE"),
        (
            "IMG003",
            18,
            "`apt-get update` without an install in the same step: `RUN apt-get update` (line 18)",
        ),
        ("IMG014", 19, "ADD fetches a remote file without a checksum"),
        ("IMG004", 20, "ADD where COPY would do"),
        ("IMG005", 12, "ENV DB_PASSWORD"),
        ("IMG005", 14, "ARG NPM_TOKEN"),
        ("IMG006", 10, "base image `debian` is not pinned"),
        ("IMG007", 22, "EXPOSE 22: SSH"),
        ("IMG008", 11, "label RUN asks for --privileged, -v /:/"),
        (
            "IMG009",
            15,
            "sudo in `RUN apt-get update && apt-get install -y curl && sudo chmod",
        ),
        (
            "IMG010",
            15,
            "apt installs without cleaning /var/lib/apt/lists",
        ),
        ("IMG011", 23, "VOLUME /var/run/docker.sock"),
    ];
    for (rule, line, needle) in &expect {
        assert_has(&found, rule, &format!("{f}:{line}"), needle);
    }
    assert!(
        !found
            .iter()
            .any(|(_, _, m)| m.contains("BUILD_TOKEN") || m.contains("line 6")),
        "the build stage does not ship"
    );
    assert!(
        !found.iter().any(|(_, _, m)| m.contains("8080")),
        "{found:#?}"
    );
    assert!(
        findings(&config(&["fixtures/configs/dockerfile-good"]).json()).is_empty(),
        "a careful Dockerfile is silent"
    );
}

#[test]
fn dockerfile_target_heredoc_and_ignore_comment() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Dockerfile");
    std::fs::write(
        &path,
        "FROM alpine:3.20 AS base\nRUN <<EOF\napk add curl\nEOF\n# stevedore:ignore IMG002\nHEALTHCHECK NONE\nUSER 10001\n\nFROM base AS final\nUSER root\n",
    )
    .unwrap();
    let p = path.to_str().unwrap();
    let all = config(&[p]).json();
    let found = findings(&all);
    let at = |line: u32| format!("{p}:{line}");
    assert_has(
        &found,
        "IMG010",
        &at(2),
        "apk installs without cleaning /var/cache/apk",
    ); // heredoc body is read
    assert_has(&found, "IMG001", &at(10), "USER is `root`"); // the final stage inherits and overrides
    let img002 = all["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule_id"] == "IMG002")
        .unwrap();
    assert!(
        img002["suppression"]["justification"]
            .as_str()
            .unwrap()
            .contains("stevedore:ignore"),
        "{img002}"
    );
    let base = findings(&config(&[p, "--target", "base"]).json());
    assert!(
        !base.iter().any(|(r, _, _)| r == "IMG001"),
        "--target base runs as 10001: {base:#?}"
    );
    let missing = stevedore(&["config", p, "--target", "nope", "--config", &empty_config()]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("no stage named `nope`"),
        "{}",
        missing.stderr
    );
}

#[test]
fn directories_honour_gitignore_and_skip_binaries() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("ignored")).unwrap();
    std::fs::write(dir.path().join(".gitignore"), "ignored/\n").unwrap();
    std::fs::write(dir.path().join("ignored/daemon.json"), "{\"icc\": true}").unwrap();
    std::fs::write(dir.path().join("tool.bin"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    std::fs::write(
        dir.path().join("seccomp.json"),
        "{\"defaultAction\": \"SCMP_ACT_LOG\"}",
    )
    .unwrap();
    let report = config(&[dir.path().to_str().unwrap()]).json();
    let scanned: Vec<&str> = report["target"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        scanned,
        vec!["seccomp"],
        "the gitignored daemon.json is not scanned"
    );
    let skipped: Vec<(String, String)> = report["target"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"]
                    .as_str()
                    .unwrap()
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string(),
                s["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        skipped.contains(&("tool.bin".into(), "binary".into())),
        "{skipped:?}"
    );
    // Named explicitly, an ignored file is scanned all the same.
    let explicit = config(&[
        dir.path().join("ignored/daemon.json").to_str().unwrap(),
        "--select",
        "DMN002",
    ])
    .json();
    assert_eq!(findings(&explicit).len(), 1);
}

/// Restart policies and host addresses, each way they are written: only unbounded restarts and
/// ports on every interface are findings; Kubernetes restart policies are not judged (the
/// kubelet backs off).
#[test]
fn restart_policies_and_port_addresses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        r#"services:
  always: {image: a:1, restart: always}
  bare-on-failure: {image: a:1, restart: on-failure}
  five: {image: a:1, restart: "on-failure:5"}
  never: {image: a:1, restart: "no"}
  swarm-default: {image: a:1, deploy: {restart_policy: {}}}
  swarm-five: {image: a:1, deploy: {restart_policy: {condition: on-failure, max_attempts: 5}}}
  ports:
    image: a:1
    ports:
      - "127.0.0.1::80"
      - "0.0.0.0:8080:80"
      - "3000"
      - "[::]:8443:443"
      - {target: 80, published: "9090", host_ip: 10.0.0.5}
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  restartPolicy: Always\n  containers:\n  - name: c\n    image: a:1\n    ports:\n    - {containerPort: 80, hostPort: 8080, hostIP: 127.0.0.1}\n",
    )
    .unwrap();
    let run = config(&[dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let mut got: Vec<(String, String)> = findings(&run.json())
        .into_iter()
        .filter(|(r, _, _)| r == "CTR017" || r == "CTR018")
        .map(|(r, _, m)| (r, m))
        .collect();
    got.sort();
    let want = [
        ("CTR017", "service always restarts always without a bound"),
        (
            "CTR017",
            "service bare-on-failure restarts on failure without a retry limit",
        ),
        (
            "CTR017",
            "service swarm-default restarts always without a bound",
        ),
        (
            "CTR018",
            "service ports publishes container port 3000 (on an ephemeral host port) on every host interface",
        ),
        (
            "CTR018",
            "service ports publishes host port 8080 on every host interface",
        ),
        (
            "CTR018",
            "service ports publishes host port 8443 on every host interface",
        ),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(r, m)| (r.to_string(), m.to_string()))
        .collect();
    assert_eq!(got, want);
}

/// `--compose-file A --compose-file B`: one project merged in order, as `docker compose -f A -f
/// B` runs it. The overlay's additions are judged on its lines, the main file's hardening counts,
/// and neither file is linted again as a project of its own when a directory scan finds it.
#[test]
fn compose_files_listed_in_order_are_one_project() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("compose.yaml");
    let prod = dir.path().join("compose.prod.yaml");
    std::fs::copy(fixture("configs/compose-good/compose.yaml"), &main).unwrap();
    std::fs::write(
        &prod,
        "services:\n  api:\n    privileged: true\n    restart: always\n",
    )
    .unwrap();
    let (m, p) = (main.to_str().unwrap(), prod.to_str().unwrap());
    let rules = |run: &crate::support::Run| -> Vec<(String, String)> {
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut v: Vec<(String, String)> = findings(&run.json())
            .into_iter()
            .map(|(r, at, _)| (r, at))
            .collect();
        v.sort();
        v
    };
    let want = vec![
        ("CTR001".to_string(), format!("{p}:3")),
        ("CTR017".to_string(), format!("{p}:4")),
    ];
    assert_eq!(
        rules(&config(&["--compose-file", m, "--compose-file", p])),
        want
    );
    // With the directory too: the listed files are that project, not two more.
    let d = dir.path().to_str().unwrap();
    assert_eq!(
        rules(&config(&[d, "--compose-file", m, "--compose-file", p])),
        want
    );
    // Without the list, the overlay alone is its own project and misses the main file's settings.
    let alone = rules(&config(&[p]));
    assert!(alone.iter().any(|(r, _)| r == "CTR012"), "{alone:?}");
    // The order matters: the main file over the overlay keeps privileged (set only there).
    let run = config(&["--compose-file", p, "--compose-file", m]);
    assert!(rules(&run).iter().any(|(r, _)| r == "CTR001"));
    // A missing file is one clear error.
    let run = config(&["--compose-file", m, "--compose-file", "nope.yaml"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("nope.yaml"), "{}", run.stderr);
}

/// `COMPOSE_FILE` in a directory's `.env` names the files `docker compose` runs there: they are
/// one project, merged in order, as with `--compose-file`. A name that does not exist is an error
/// on the `.env`.
#[test]
fn compose_file_in_dotenv_makes_one_project() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::copy(
        fixture("configs/compose-good/compose.yaml"),
        app.join("compose.yaml"),
    )
    .unwrap();
    std::fs::write(
        app.join("compose.prod.yaml"),
        "services:\n  api:\n    privileged: true\n",
    )
    .unwrap();
    std::fs::write(
        app.join(".env"),
        "# environment\nCOMPOSE_FILE=compose.yaml:compose.prod.yaml\n",
    )
    .unwrap();
    let a = app.to_str().unwrap();
    let run = config(&[a]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let found: Vec<(String, String)> = findings(&run.json())
        .into_iter()
        .map(|(r, at, _)| (r, at))
        .collect();
    assert_eq!(
        found,
        [("CTR001".to_string(), format!("{a}/compose.prod.yaml:3"))]
    );
    let kinds: Vec<(String, String)> = run.json()["target"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        kinds.contains(&(format!("{a}/compose.prod.yaml"), "compose-overlay".into())),
        "{kinds:?}"
    );

    std::fs::write(app.join(".env"), "COMPOSE_FILE=compose.yaml:missing.yaml\n").unwrap();
    let run = config(&[a]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(".env") && run.stderr.contains("missing.yaml"),
        "{}",
        run.stderr
    );
}

/// (rule, message, justification or "") of every finding.
fn verdicts(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule_id"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
                f["suppression"]["justification"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn no_inline_ignores_refuses_what_the_files_say_of_themselves() {
    // Honoured by default: the annotation, the comment and x-stevedore-ignore suppress.
    let honoured =
        verdicts(&config(&["fixtures/configs/k8s-bad", "fixtures/configs/compose-bad"]).json());
    let suppressed_inline = |v: &[(String, String, String)]| {
        v.iter()
            .filter(|(_, _, j)| j.starts_with("suppressed by"))
            .count()
    };
    assert!(suppressed_inline(&honoured) >= 3, "{honoured:#?}");
    let run = config(&[
        "--no-inline-ignores",
        "fixtures/configs/k8s-bad",
        "fixtures/configs/compose-bad",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let refused = verdicts(&run.json());
    assert_eq!(suppressed_inline(&refused), 0, "{refused:#?}");
    // The same findings, now active.
    assert_eq!(honoured.len(), refused.len());
    assert!(
        refused
            .iter()
            .any(|(r, m, j)| r == "CTR012" && m.starts_with("CronJob") && j.is_empty())
    );
}

const EXCEPTED_POD: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web-5d8f9c7b6-x2x7q
  namespace: monitoring
  labels: {pod-template-hash: 5d8f9c7b6}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f9c7b6, uid: u}]
spec:
  hostPID: true
  containers:
  - name: web
    image: registry.example/web@sha256:0000000000000000000000000000000000000000000000000000000000000000
    securityContext: {privileged: true}
";

#[test]
fn operator_exceptions_by_namespace_workload_and_expiry() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("pod.yaml"), EXCEPTED_POD).unwrap();
    let policy = d.join("policy.yaml");
    let scan = |policy_text: &str| {
        std::fs::write(&policy, policy_text).unwrap();
        let run = stevedore(&[
            "config",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            policy.to_str().unwrap(),
            d.join("pod.yaml").to_str().unwrap(),
        ]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        verdicts(&run.json())
    };
    let rule = |v: &[(String, String, String)], r: &str| {
        v.iter()
            .find(|(id, _, _)| id == r)
            .cloned()
            .unwrap_or_else(|| panic!("no {r}: {v:#?}"))
    };
    // The Deployment behind the ReplicaSet is the workload; the namespace section covers CTR008.
    let v = scan(
        "namespaces:\n  monitoring:\n    ignore: [CTR008]\nexceptions:\n  - rule: CTR001\n    namespace: monitor*\n    workload: web\n    reason: reads host metrics\n    expires: 2999-12-31\n",
    );
    assert_eq!(
        rule(&v, "CTR001").2,
        "reads host metrics (exception for namespace monitor*, workload web until 2999-12-31)"
    );
    assert_eq!(
        rule(&v, "CTR008").2,
        "CTR008 is ignored in namespace monitoring by the policy file"
    );
    // Another namespace or workload: no exception.
    let v = scan(
        "namespaces:\n  kube-system:\n    ignore: [CTR008]\nexceptions:\n  - rule: CTR001\n    workload: api\n    reason: r\n",
    );
    assert_eq!(rule(&v, "CTR001").2, "");
    assert_eq!(rule(&v, "CTR008").2, "");
    // Expired: the finding is back and says why.
    let v = scan(
        "exceptions:\n  - rule: privileged\n    namespace: monitoring\n    reason: r\n    expires: 2020-01-31\n",
    );
    let (_, message, justification) = rule(&v, "CTR001");
    assert_eq!(justification, "");
    assert!(
        message.ends_with(
            "(the exception for privileged (namespace monitoring) expired on 2020-01-31)"
        ),
        "{message}"
    );
    // Exceptions must say why, for whom, until a real date.
    for (text, problem) in [
        (
            "exceptions:\n  - rule: CTR001\n    namespace: a\n    reason: ' '\n",
            "a reason is required",
        ),
        (
            "exceptions:\n  - rule: CTR001\n    reason: r\n",
            "name a namespace or a workload",
        ),
        (
            "exceptions:\n  - rule: CTR001\n    workload: w\n    reason: r\n    expires: soon\n",
            "is not a date",
        ),
        (
            "exceptions:\n  - rule: CTR999\n    workload: w\n    reason: r\n",
            "unknown rule `CTR999`",
        ),
        (
            "exceptions:\n  - rule: CTR001\n    workload: w\n",
            "missing field `reason`",
        ),
        (
            "namespaces:\n  a:\n    ignore: [NOPE]\n",
            "namespaces.a: unknown rule",
        ),
    ] {
        std::fs::write(&policy, text).unwrap();
        let run = stevedore(&[
            "config",
            "--config",
            policy.to_str().unwrap(),
            d.join("pod.yaml").to_str().unwrap(),
        ]);
        assert_eq!(run.code, 2, "{text}: {}", run.stdout);
        assert!(run.stderr.contains(problem), "{text}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    }
}

#[test]
fn suppressions_that_match_nothing_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n    # stevedore:ignore CTR001\n    read_only: false\n    privileged: true  # stevedore:ignore CTR001\n    x-stevedore-ignore: [CTR002, CTR003]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n  annotations:\n    stevedore.dev/ignore: \"CTR002,CTR013\"\nspec:\n  containers:\n  - name: api\n    image: nginx:1.27\n",
    )
    .unwrap();
    // A Service (no containers): its NodePort is ignored as meant, the external IPs it does
    // not have are not.
    std::fs::write(
        d.join("service.yaml"),
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: edge\n  annotations:\n    stevedore.dev/ignore: \"EXP004,EXP005\"\nspec:\n  type: NodePort\n  ports:\n  - port: 80\n",
    )
    .unwrap();
    std::fs::write(
        d.join("policy.yaml"),
        "ignore:\n  - CTR014\n  - CTR012\n  - FS001\naccept:\n  FS003: [/app/.env]\n",
    )
    .unwrap();
    let policy = d.join("policy.yaml");
    let json = stevedore_in(
        d,
        &[
            "config",
            "compose.yaml",
            "pod.yaml",
            "service.yaml",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            policy.to_str().unwrap(),
        ],
    );
    assert_eq!(json.code, 0, "{}", json.stderr);
    let report = json.json();
    let listed: Vec<(String, String)> = report["unmatched_suppressions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["at"].as_str().unwrap().to_string(),
                u["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let policy_name = policy.display().to_string();
    let want = [
        // The comment above `read_only` covers that line; privileged is CTR001 on line 6.
        ("compose.yaml:5".to_string(), "CTR001".to_string()),
        // No capability is added: CTR002 suppresses nothing on the service or the pod.
        (
            "compose.yaml (service web)".to_string(),
            "CTR002".to_string(),
        ),
        ("pod.yaml (Pod/api)".to_string(), "CTR002".to_string()),
        (
            "service.yaml (Service/edge)".to_string(),
            "EXP005".to_string(),
        ),
        // No device is mapped; no FS rule reads configuration files, so FS001 and FS003 are
        // not warned about in a config scan.
        (policy_name.clone(), "CTR014".to_string()),
    ];
    for w in &want {
        assert!(listed.contains(w), "{w:?} missing from {listed:?}");
    }
    assert_eq!(listed.len(), want.len(), "{listed:?}");
    assert_eq!(report["summary"]["unmatched_suppressions"], want.len());
    // What matched is not listed: the comment on line 6, CTR003 (no drop ALL), CTR013 (root),
    // CTR012 (no limits).
    for (_, rule) in &listed {
        assert!(
            !["CTR003", "CTR013", "CTR012"].contains(&rule.as_str()),
            "{listed:?}"
        );
    }
    crate::support::assert_json_report(&json.stdout);
    let text = stevedore_in(
        d,
        &[
            "config",
            "compose.yaml",
            "pod.yaml",
            "--fail-on",
            "none",
            "--config",
            policy.to_str().unwrap(),
        ],
    );
    assert!(
        text.stdout.contains("Suppressions that match nothing"),
        "{}",
        text.stdout
    );
    assert!(
        text.stdout
            .contains("compose.yaml:5: a `# stevedore:ignore` comment names CTR001"),
        "{}",
        text.stdout
    );
    // Not honoured, not counted.
    let refused = stevedore_in(
        d,
        &[
            "config",
            "compose.yaml",
            "pod.yaml",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--no-inline-ignores",
            "--config",
            policy.to_str().unwrap(),
        ],
    );
    let listed = refused.json()["unmatched_suppressions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(listed, 1, "only the project config's ignore of CTR014");
}

/// Workloads inside OpenShift objects, lists and JSON: every container is found, and each finding
/// names its path inside the list or template.
#[test]
fn kubernetes_objects_in_lists_templates_and_json() {
    let dir = "fixtures/configs/kubernetes-objects";
    let run = config(&[dir]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert!(
        report["target"]["skipped"].as_array().unwrap().is_empty(),
        "{:#}",
        report["target"]["skipped"]
    );
    let found: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let l = &f["location"];
            (
                f["rule_id"].as_str().unwrap().to_string(),
                format!("{}:{}", l["path"].as_str().unwrap_or(""), l["line"]),
                format!(
                    "{} @ {}",
                    f["message"].as_str().unwrap(),
                    l["field"].as_str().unwrap_or("")
                ),
            )
        })
        .collect();
    let expect = [
        (
            "CTR001",
            "deploymentconfig.yaml:16",
            "DeploymentConfig/legacy container app runs privileged",
        ),
        (
            "CTR010",
            "list.yaml:19",
            "items[1].spec.template.spec.containers[0]",
        ),
        ("CTR008", "podlist.yaml:7", "items[0].spec.hostPID"),
        (
            "CTR007",
            "template.yaml:16",
            "objects[0].spec.template.spec.hostNetwork",
        ),
        (
            "CTR002",
            "pod.json:10",
            "Pod/from-json container app adds capability SYS_ADMIN",
        ),
        ("CTR006", "pod.json:10", "Pod/from-json"),
        ("CTR001", "multi-document.yaml:9", "Pod/first"),
        ("CTR001", "multi-document.yaml:17", "Pod/second"),
    ];
    for (rule, at, needle) in expect {
        assert_has(&found, rule, &format!("{dir}/{at}"), needle);
    }
}

/// Decisions where peers differ: dropping Docker's 14 default capabilities one by one is `ALL`
/// for CTR003 (13 of them is not); a pod that names its seccomp profile only with the alpha
/// annotation still runs unconfined, and CTR004 says why.
#[test]
fn capabilities_dropped_by_name_and_the_alpha_seccomp_annotation() {
    let dir = tempfile::tempdir().unwrap();
    let caps = [
        "CHOWN",
        "DAC_OVERRIDE",
        "FSETID",
        "FOWNER",
        "MKNOD",
        "NET_RAW",
        "SETGID",
        "SETUID",
        "SETFCAP",
        "SETPCAP",
        "NET_BIND_SERVICE",
        "SYS_CHROOT",
        "KILL",
        "AUDIT_WRITE",
    ];
    let compose = |name: &str, drop: &[&str]| {
        let path = dir.path().join(name);
        let list: Vec<String> = drop.iter().map(|c| format!("      - {c}\n")).collect();
        std::fs::write(
            &path,
            format!(
                "services:\n  app:\n    image: app:1\n    cap_drop:\n{}",
                list.concat()
            ),
        )
        .unwrap();
        path
    };
    let all14 = compose("compose.all14.yaml", &caps);
    let thirteen = compose("compose.thirteen.yaml", &caps[1..]);
    let ctr003 = |path: &std::path::Path| {
        findings(&config(&[path.to_str().unwrap(), "--select", "CTR003"]).json())
    };
    assert!(ctr003(&all14).is_empty(), "{:#?}", ctr003(&all14));
    assert_eq!(ctr003(&thirteen).len(), 1);

    let pod = dir.path().join("pod.yaml");
    std::fs::write(
        &pod,
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: runtime/default\nspec:\n  containers:\n  - {name: c, image: app:1}\n",
    )
    .unwrap();
    let found = findings(&config(&[pod.to_str().unwrap(), "--select", "CTR004"]).json());
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].2.contains("alpha.kubernetes.io annotation (runtime/default), which kubelets ignore since Kubernetes 1.25"),
        "{found:#?}"
    );
}

/// Compose as `docker compose up` applies it: `pids_limit: -1` (or 0) is no limit, and
/// `deploy.restart_policy` wins over `restart:`.
#[test]
fn compose_limits_and_restart_as_compose_applies_them() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compose.yaml");
    std::fs::write(
        &file,
        "services:
  unlimited:
    image: app:1
    mem_limit: 256m
    cpus: 0.5
    pids_limit: -1
    restart: always
    deploy:
      restart_policy: {condition: on-failure, max_attempts: 3}
  zero:
    image: app:1
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 0
    restart: \"no\"
    deploy:
      restart_policy: {condition: any}
  limited:
    image: app:1
    mem_limit: 256m
    cpus: 0.5
    pids_limit: 100
",
    )
    .unwrap();
    let found = findings(&config(&[file.to_str().unwrap(), "--select", "CTR012,CTR017"]).json());
    let of = |rule: &str, service: &str| -> Vec<String> {
        found
            .iter()
            .filter(|(r, _, m)| r == rule && m.starts_with(&format!("service {service} ")))
            .map(|(_, at, m)| format!("{at} {m}"))
            .collect()
    };
    assert_eq!(of("CTR012", "unlimited").len(), 1, "{found:#?}");
    assert!(
        of("CTR012", "unlimited")[0].ends_with("has no pids limit"),
        "{found:#?}"
    );
    assert_eq!(of("CTR012", "zero").len(), 1, "{found:#?}");
    assert!(of("CTR012", "limited").is_empty(), "{found:#?}");
    // on-failure with 3 attempts (deploy) wins over `restart: always`.
    assert!(of("CTR017", "unlimited").is_empty(), "{found:#?}");
    // condition any (deploy) wins over `restart: "no"`.
    let zero = of("CTR017", "zero");
    assert_eq!(zero.len(), 1, "{found:#?}");
    assert!(
        zero[0].contains(":17 "),
        "points at deploy.restart_policy: {zero:?}"
    );
}

#[test]
fn container_runtime_files_are_recognised_by_content() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("./node/containerd")).unwrap();
    std::fs::create_dir_all(d.join("./node/crio/crio.conf.d")).unwrap();
    std::fs::create_dir_all(d.join("./node/certs.d/registry.internal")).unwrap();
    std::fs::write(
        d.join("./node/containerd/config.toml"),
        "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  stream_server_address = \"0.0.0.0\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("./node/crio/crio.conf.d/10-caps.conf"),
        "[crio.runtime]\ndefault_capabilities = [\"CHOWN\", \"SYS_ADMIN\"]\n",
    )
    .unwrap();
    std::fs::write(
        d.join("./node/certs.d/registry.internal/hosts.toml"),
        "server = \"http://registry.internal:5000\"\n",
    )
    .unwrap();
    // Other tools' TOML is not a runtime's: skipped with the reason, not an error.
    std::fs::write(
        d.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
    )
    .unwrap();
    std::fs::write(d.join("hugo.toml"), "title = \"site\"\n").unwrap();
    let cfg = empty_config();
    let run = stevedore_in(
        d,
        &[
            "config",
            ".",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &cfg,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let kinds: BTreeSet<(String, String)> = report["target"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    for (path, kind) in [
        ("./node/containerd/config.toml", "containerd-config"),
        ("./node/crio/crio.conf.d/10-caps.conf", "crio-config"),
        ("./node/certs.d/registry.internal/hosts.toml", "hosts-toml"),
    ] {
        assert!(
            kinds.contains(&(path.to_string(), kind.to_string())),
            "{path} as {kind}: {kinds:?}"
        );
    }
    let skipped: Vec<&str> = report["target"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(
        skipped.contains(&"./Cargo.toml") && skipped.contains(&"./hugo.toml"),
        "{skipped:?}"
    );
    let found = findings(&report);
    assert_has(
        &found,
        "CRI003",
        "./node/containerd/config.toml:3",
        "0.0.0.0",
    );
    assert_has(
        &found,
        "CRI011",
        "./node/crio/crio.conf.d/10-caps.conf:2",
        "SYS_ADMIN",
    );
    assert_has(
        &found,
        "CRI007",
        "./node/certs.d/registry.internal/hosts.toml:1",
        "plain HTTP",
    );
}

#[test]
fn kubelet_units_and_configuration_files_in_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("systemd/kubelet.service.d")).unwrap();
    std::fs::create_dir_all(d.join("ansible")).unwrap();
    // kubeadm's drop-in with --config: only what its flags decide is judged here.
    std::fs::write(
        d.join("systemd/kubelet.service.d/10-kubeadm.conf"),
        "[Service]\nEnvironment=\"KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml\"\nExecStart=\nExecStart=/usr/bin/kubelet $KUBELET_CONFIG_ARGS --read-only-port=10255\n",
    )
    .unwrap();
    // A unit of another name that starts a kubelet without --config: the legacy defaults.
    std::fs::write(
        d.join("ansible/edge-kubelet.service"),
        "[Service]\nExecStart=/opt/bin/kubelet --kubeconfig=/etc/kubernetes/kubelet.conf --hostname-override=edge-7\n",
    )
    .unwrap();
    // A unit that is neither: not recognised.
    std::fs::write(
        d.join("ansible/nginx.service"),
        "[Service]\nExecStart=/usr/sbin/nginx\n",
    )
    .unwrap();
    std::fs::write(
        d.join("ansible/kubelet-config.yaml"),
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nseccompDefault: false\nauthentication:\n  x509:\n    clientCAFile: /etc/kubernetes/pki/ca.crt\nrotateCertificates: true\nserverTLSBootstrap: true\npodPidsLimit: 1024\n",
    )
    .unwrap();
    let cfg = empty_config();
    let run = stevedore_in(
        d,
        &[
            "config",
            ".",
            "-f",
            "json",
            "--fail-on",
            "none",
            "--config",
            &cfg,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let found = findings(&report);
    let drop_in = "./systemd/kubelet.service.d/10-kubeadm.conf";
    assert_has(&found, "KLT004", &format!("{drop_in}:4"), "port 10255");
    // The drop-in's --config file is elsewhere: nothing it might set is reported as missing.
    for rule in ["KLT001", "KLT002", "KLT003", "KLT010", "KLT011"] {
        assert!(
            !found
                .iter()
                .any(|f| f.0 == rule && f.1.starts_with(drop_in)),
            "{rule} on the drop-in: {found:#?}"
        );
    }
    let edge = "./ansible/edge-kubelet.service:2";
    assert_has(
        &found,
        "KLT001",
        edge,
        "legacy default of a kubelet started without --config",
    );
    assert_has(&found, "KLT002", edge, "AlwaysAllow");
    assert_has(&found, "KLT012", edge, "registers as edge-7");
    assert!(
        !found
            .iter()
            .any(|f| f.0 == "KLT012" && f.1.starts_with(drop_in)),
        "{found:#?}"
    );
    assert_has(
        &found,
        "KLT010",
        "./ansible/kubelet-config.yaml:3",
        "config file",
    );
    let skipped: Vec<&str> = report["target"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"./ansible/nginx.service"), "{skipped:?}");
}
