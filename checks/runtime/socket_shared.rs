use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI018",
    name: "runtime-socket-shared",
    title: "containerd's API socket is handed to a user or group other than root",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "containerd creates its socket owned by `[grpc] uid` and `gid` (root by default) \
with mode 0660. Whoever can open the socket can start a privileged container with the host's \
root filesystem mounted: a user or group given the socket is root on the node, exactly like \
membership of Docker's `docker` group. This is how the socket's ownership is judged offline, \
where no socket exists yet (a node image, the configuration in git).",
    remediation: "Remove `uid` and `gid` from `[grpc]` (or set them to 0) and let clients that \
need the API run as root on the node; for read-only needs, use the Kubernetes API instead.",
    references: &[
        "https://github.com/containerd/containerd/blob/main/docs/man/containerd-config.toml.5.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for owner in &cfg.socket_owners {
        sink.report(
            format!(
                "containerd's socket is owned by {}: that account can run containers as root on the node",
                owner.value
            ),
            Subject::at(&owner.loc),
            vec![("owner", owner.value.clone())],
        );
    }
}
