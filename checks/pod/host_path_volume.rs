use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD004",
    name: "host-path-volume",
    title: "Pod mounts a directory of the node",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &["5.2.11"],
    rationale: "A `hostPath` volume gives the pod a path on whichever node it lands on, outside any \
quota or isolation: logs of other pods, the kubelet's files, the runtime's socket. Pod Security \
`baseline` refuses every hostPath volume. Mounted writable by any container it is reported at \
high severity: the pod can then change the node. Sensitive paths are also named by CTR009 and \
the runtime's socket by CTR010.",
    remediation: "Use a `persistentVolumeClaim`, `emptyDir`, `configMap` or a CSI driver; where a \
node agent needs the host, mount only the path it reads, `readOnly: true`, in a namespace of its \
own at Pod Security `privileged`.",
    references: &["https://kubernetes.io/docs/concepts/storage/volumes/#hostpath"],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn run(pod: &PodSpec, sink: &mut Sink) {
    for v in pod.volumes.iter().filter(|v| v.source == "hostPath") {
        let path = v.host_path.as_deref().unwrap_or("?");
        let writers: Vec<&str> = pod
            .containers
            .iter()
            .filter(|c| c.mounts.iter().any(|m| m.volume == v.name && !m.read_only))
            .map(|c| c.name.as_str())
            .collect();
        if writers.is_empty() {
            sink.report(
                format!(
                    "{} mounts the node's {path} (hostPath volume {})",
                    pod.object.title(),
                    v.name
                ),
                Subject::at(&v.loc),
                vec![("path", path.to_string())],
            );
        } else {
            sink.report_at(
                Severity::High,
                format!(
                    "{} mounts the node's {path} writable (hostPath volume {}, in {})",
                    pod.object.title(),
                    v.name,
                    writers.join(", ")
                ),
                Subject::at(&v.loc),
                vec![("path", path.to_string())],
            );
        }
    }
}
