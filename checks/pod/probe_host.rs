use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD008",
    name: "probe-host",
    title: "Probe or lifecycle hook aimed at another host",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A probe or lifecycle hook with `httpGet.host` or `tcpSocket.host` makes the kubelet \
— on the node, with the node's network position — connect wherever the manifest says: a way to \
reach node-local or cloud-metadata addresses through the kubelet, and to scan the network from \
every node. Pod Security `baseline` refuses a non-empty `host` since Kubernetes 1.34.",
    remediation: "Remove `host`: probes then go to the pod's own IP, which is what they are for.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline"],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn run(pod: &PodSpec, sink: &mut Sink) {
    for c in &pod.containers {
        for h in &c.probe_hosts {
            let what = h
                .loc
                .field
                .strip_prefix(&format!("{}.", c.loc.field))
                .unwrap_or(&h.loc.field);
            sink.report(
                format!(
                    "{} container {}: {what} sends the kubelet to {}",
                    pod.object.title(),
                    c.name,
                    h.value
                ),
                Subject::at(&h.loc),
                vec![("host", h.value.clone())],
            );
        }
    }
}
