use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;
use crate::model::container::Namespace;

pub const CHECK: Check = Check {
    id: "CTR008",
    name: "host-namespace",
    title: "Container shares a host namespace (pid, ipc, uts, user)",
    severity: Severity::High,
    cis: &["5.16", "5.17", "5.21", "5.31"],
    cis_kubernetes: &["5.2.3", "5.2.4"],
    rationale: "Sharing the host's PID namespace lets the container see and signal every host process (and read their environments); sharing IPC exposes host shared memory; UTS lets it change the host name; the host user namespace undoes user-namespace isolation.\n\nReported per container, on the container that shares the namespace. Differs from kube-linter, which also reports a pod template without containers: the API server rejects such a pod, so nothing would run.",
    remediation: "Remove `pid: host`, `ipc: host`, `uts: host`, `userns_mode: host` (compose) or `hostPID`, `hostIPC`, `hostUsers: true` (Kubernetes).",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/#pid"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for (ns, loc) in &spec.host_namespaces {
        let severity = match ns {
            Namespace::Network => continue, // CTR007
            Namespace::Uts => Severity::Medium,
            _ => Severity::High,
        };
        sink.report_at(
            severity,
            format!("{} shares the host's {} namespace", spec.name, ns.name()),
            Subject::at(loc),
            vec![("namespace", ns.name().to_string())],
        );
    }
}
