use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::node::NodeConfig;

pub const CHECK: Check = Check {
    id: "NODE007",
    name: "container-data-not-separate",
    title: "Container data shares the root filesystem",
    severity: Severity::Low,
    cis: &["1.1.1"],
    cis_kubernetes: &[],
    rationale: "Images, container layers and logs grow with what runs. On the root filesystem, a \
container that fills its writable layer or its logs fills the host's root too, and the node \
stops working (no space for the kubelet, journald or the package manager). A separate \
partition for `/var/lib/docker` (or `/var/lib/containerd`) bounds the damage. Read offline from \
`/etc/fstab` and systemd `.mount` units (a mount of `/var/lib`, `/var` or the data directory \
itself counts); a node that mounts it some other way at boot cannot be seen from its files.",
    remediation: "Give the runtime's data directory its own filesystem (`/var/lib/docker`, \
`/var/lib/containerd`) in `/etc/fstab` or a `.mount` unit.",
    references: &["https://www.cisecurity.org/benchmark/docker"],
    runs: &[Run::Node(run)],
    wants: &[],
};

fn run(node: &NodeConfig, sink: &mut Sink) {
    if !node.docker {
        return;
    }
    let covered = ["/var/lib/docker", "/var/lib", "/var"].iter().any(|p| {
        node.mounts
            .iter()
            .any(|(m, _)| m.trim_end_matches('/') == *p)
    });
    if !covered {
        sink.report(
            "/var/lib/docker is on the root filesystem: no /etc/fstab entry or .mount unit for it, /var/lib or /var",
            Subject::at(&node.loc.with_field("/var/lib/docker")),
            vec![],
        );
    }
}
