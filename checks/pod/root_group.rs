use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD006",
    name: "root-group",
    title: "Pod runs with the root group",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "`runAsGroup: 0` makes the container's processes members of group 0, and \
`fsGroup: 0` gives group 0 the pod's volumes: files the image or the node left group-readable \
or group-writable for root (`/etc/shadow` on some distributions, device nodes, sockets) become \
reachable by a process that is otherwise not root. Beyond the Pod Security Standards (an \
optional restricted control in its early drafts); Polaris and Kubescape report it.",
    remediation: "Set `runAsGroup` and `fsGroup` to a non-zero group the image's files agree \
with.",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn zero(v: &str) -> bool {
    v.trim() == "0"
}

fn run(pod: &PodSpec, sink: &mut Sink) {
    let mut found = Vec::new();
    if let Some(v) = pod
        .security
        .run_as_group
        .as_ref()
        .filter(|v| zero(&v.value))
    {
        found.push(("pod runAsGroup: 0".to_string(), v.loc.clone()));
    }
    if let Some(v) = pod.fs_group.as_ref().filter(|v| zero(&v.value)) {
        found.push(("pod fsGroup: 0".to_string(), v.loc.clone()));
    }
    for c in &pod.containers {
        if let Some(v) = c.security.run_as_group.as_ref().filter(|v| zero(&v.value)) {
            found.push((format!("container {} runAsGroup: 0", c.name), v.loc.clone()));
        }
    }
    for (what, loc) in found {
        sink.report(
            format!("{} runs with the root group ({what})", pod.object.title()),
            Subject::at(&loc),
            vec![],
        );
    }
}
