use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::node::{DOCKER_AUDIT_PATHS, NodeConfig};

pub const CHECK: Check = Check {
    id: "NODE003",
    name: "docker-audit-rule-missing",
    title: "Docker's files and binaries not audited",
    severity: Severity::Low,
    cis: &[
        "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.8", "1.1.9", "1.1.10", "1.1.11",
        "1.1.12", "1.1.13", "1.1.14", "1.1.15", "1.1.16", "1.1.17", "1.1.18",
    ],
    cis_kubernetes: &[],
    rationale: "Docker's daemon runs as root, and its binaries, data directory, configuration and \
sockets are where a tampering attacker goes. An audit rule on each records who changed or used \
them, which is what an investigation needs. The rules are read as auditd loads them: the \
sources in `/etc/audit/rules.d/*.rules` (which `augenrules` compiles; Docker Bench does not read \
them) and `/etc/audit/audit.rules`, each line parsed: a `-w PATH` watch or an `-F path=` / \
`-F dir=` field names the path exactly, a watch on a directory covers what is under it, and \
links inside the node are followed on both sides (a rule on `/lib/systemd/system/docker.service` \
covers `/usr/lib/…` on a merged-/usr system). A rule that only mentions the path as part of a \
longer one does not count (Docker Bench's text search passes `/etc/docker` when only \
`/etc/docker/daemon.json` is audited). Only paths present on the node are asked for.",
    remediation: "Add a watch per path to a file under `/etc/audit/rules.d/` and load it with \
`augenrules --load`, for example `-w /usr/bin/dockerd -k docker` and \
`-a exit,always -F path=/run/containerd -F perm=war -k docker`.",
    references: &[
        "https://www.cisecurity.org/benchmark/docker",
        "https://man7.org/linux/man-pages/man8/auditctl.8.html",
    ],
    runs: &[Run::Node(run)],
    wants: &[],
};

fn covered(node: &NodeConfig, resolved: &str) -> bool {
    node.audit_rules.iter().any(|r| {
        r.resolved.iter().any(|p| {
            let p = p.trim_end_matches('/');
            resolved == p || resolved.starts_with(&format!("{p}/"))
        })
    })
}

fn run(node: &NodeConfig, sink: &mut Sink) {
    if !node.docker {
        return;
    }
    let mut missing = Vec::new();
    for (control, candidates) in DOCKER_AUDIT_PATHS {
        let Some((path, resolved)) = node
            .present
            .iter()
            .find(|(p, _)| candidates.contains(&p.as_str()))
        else {
            continue;
        };
        if !covered(node, resolved) {
            missing.push((control, path.as_str()));
        }
    }
    if missing.is_empty() {
        return;
    }
    if node.audit_files.is_empty() {
        let paths: Vec<&str> = missing.iter().map(|(_, p)| *p).collect();
        sink.report(
            format!(
                "no audit rules on the node (/etc/audit/rules.d, /etc/audit/audit.rules): {} of Docker's paths unaudited: {}",
                missing.len(),
                paths.join(", ")
            ),
            Subject::at(&node.loc),
            vec![("paths", paths.join(","))],
        );
        return;
    }
    for (control, path) in missing {
        sink.report(
            format!("{path} has no audit rule (CIS {control})"),
            Subject::at(&node.loc.with_field(path.to_string())),
            vec![("path", path.to_string()), ("cis", control.to_string())],
        );
    }
}
