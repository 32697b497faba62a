use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD005",
    name: "host-port",
    title: "Pod claims a port on its node",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &["5.2.12"],
    rationale: "A `hostPort` binds the port on the node the pod lands on, beside every Service and \
network policy: traffic to the node's address reaches the pod directly, and two pods cannot \
share a node. Pod Security `baseline` refuses any host port. This is the Kubernetes control; \
compose `ports:` publish by design and are judged by the address they bind (CTR018) and by \
privileged ports (CTR015), which also apply to a Kubernetes `hostPort`.",
    remediation: "Expose the pod through a Service (`ClusterIP` behind an ingress, or a \
`LoadBalancer`); node agents that must listen on the node belong in a `privileged` namespace of \
their own.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn run(pod: &PodSpec, sink: &mut Sink) {
    for c in &pod.containers {
        for p in c.host_ports.iter().filter(|p| p.value != 0) {
            sink.report(
                format!(
                    "{} container {} claims port {} on its node (hostPort)",
                    pod.object.title(),
                    c.name,
                    p.value
                ),
                Subject::at(&p.loc.with_field(format!("{}:{}", p.loc.field, p.value))),
                vec![("port", p.value.to_string())],
            );
        }
    }
}
