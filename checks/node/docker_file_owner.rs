use super::{describe, expected};
use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::node::{DockerFile, NodeConfig};

pub const CHECK: Check = Check {
    id: "NODE001",
    name: "docker-file-owner",
    title: "Docker host file not owned by root",
    severity: Severity::Medium,
    cis: &[
        "3.1", "3.3", "3.5", "3.7", "3.9", "3.11", "3.13", "3.15", "3.17", "3.19", "3.22", "3.23",
    ],
    cis_kubernetes: &["4.1.2", "4.1.6", "4.1.8", "4.1.10"],
    rationale: "The unit files, `/etc/docker`, `daemon.json`, the options files, the TLS material \
and the sockets decide how dockerd runs and who may talk to it. Whoever owns one of them can \
change it, and changing how a root daemon starts is root on the host. Each must belong to \
root:root; the API socket to root and the `docker` group (the group's members are root-equivalent, \
see NODE004). Owners are named from the node's own `/etc/passwd` and `/etc/group`, and a socket \
that exists only while Docker runs is judged by what `docker.socket` declares for it \
(`SocketUser`, `SocketGroup`; systemd's default is root).",
    remediation: "`chown root:root FILE` (the API socket: `SocketUser=root` and `SocketGroup=docker` \
in `docker.socket`), and find out how the owner changed: a package, a configuration tool or a \
person with more access than they should have.",
    references: &[
        "https://www.cisecurity.org/benchmark/docker",
        "https://docs.docker.com/engine/security/protect-access/",
    ],
    runs: &[Run::Node(run)],
    wants: &[],
};

fn run(node: &NodeConfig, sink: &mut Sink) {
    for f in &node.files {
        let (want, control, _, _) = expected(f.role);
        let owner_ok = f.uid == 0 || f.owner.as_deref() == Some("root");
        let group_ok = f.gid == 0
            || f.group.as_deref() == Some("root")
            || (f.role == DockerFile::ApiSocket && f.group.as_deref() == Some("docker"));
        if owner_ok && group_ok {
            continue;
        }
        let name = |n: &Option<String>, id: u32| n.clone().unwrap_or_else(|| id.to_string());
        sink.report(
            format!(
                "{} is owned by {}:{}, not {want}{}",
                describe(f),
                name(&f.owner, f.uid),
                name(&f.group, f.gid),
                super::cis_note(control)
            ),
            Subject::at(&f.loc),
            vec![
                ("owner", format!("{}:{}", f.uid, f.gid)),
                ("cis", control.to_string()),
            ],
        );
    }
}
