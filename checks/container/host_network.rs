use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;
use crate::model::container::Namespace;

pub const CHECK: Check = Check {
    id: "CTR007",
    name: "host-network",
    title: "Container shares the host's network namespace",
    severity: Severity::High,
    cis: &["5.10"],
    cis_kubernetes: &["5.2.5"],
    rationale: "With the host network, the container sees and can bind every host interface, reach services listening on localhost (including the Docker API and cloud metadata endpoints bound to loopback), and sniff traffic with `NET_RAW`.\n\nReported per container, on the container that shares the namespace. Differs from kube-linter, which also reports a pod template without containers: the API server rejects such a pod, so nothing would run.",
    remediation: "Use a bridge or user-defined network and publish only the ports needed.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/#network"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for (ns, loc) in &spec.host_namespaces {
        if *ns == Namespace::Network {
            sink.report(
                format!("{} uses the host network", spec.name),
                Subject::at(loc),
                vec![],
            );
        }
    }
}
