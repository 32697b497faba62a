use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI004",
    name: "runtime-tcp-listener",
    title: "containerd's API listens on TCP",
    severity: Severity::Critical,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "containerd's gRPC API creates containers with any mount, any capability, any \
namespace: it is root on the node. On its Unix socket only root reaches it; `[grpc] tcp_address` \
adds a TCP listener with no authentication, the same exposure as Docker's API on TCP without TLS \
(DMN001).",
    remediation: "Remove `tcp_address` from `[grpc]` (or the `io.containerd.server.v1.grpc` \
plugin); clients on the node use the socket.",
    references: &[
        "https://github.com/containerd/containerd/blob/main/docs/man/containerd-config.toml.5.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for l in &cfg.tcp_listeners {
        sink.report(
            format!("containerd's API listens on TCP: {}", l.value),
            Subject::at(&l.loc),
            vec![("listener", l.value.clone())],
        );
    }
}
