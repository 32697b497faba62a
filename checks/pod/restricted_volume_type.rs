use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;
use crate::pss::RESTRICTED_VOLUMES;

pub const CHECK: Check = Check {
    id: "POD009",
    name: "restricted-volume-type",
    title: "Volume type outside Pod Security's restricted set",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Pod Security `restricted` allows only volumes that Kubernetes itself provisions and \
isolates: `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, `persistentVolumeClaim`, \
`projected` and `secret`. Others (`nfs`, `iscsi`, `rbd`, `gitRepo` — which runs `git` on the \
node —, cloud disks named directly…) reach storage by what the pod spec says rather than by \
what a PersistentVolume an administrator made says. `hostPath` is POD004.",
    remediation: "Use a `persistentVolumeClaim` bound to a PersistentVolume (or a CSI volume); \
replace `gitRepo` with an init container that clones into an `emptyDir`.",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted",
    ],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn run(pod: &PodSpec, sink: &mut Sink) {
    for v in pod.volumes.iter().filter(|v| {
        v.source != "hostPath"
            && !v.source.is_empty()
            && !RESTRICTED_VOLUMES.contains(&v.source.as_str())
    }) {
        sink.report(
            format!(
                "{} volume {} is a {} volume, outside the restricted set",
                pod.object.title(),
                v.name,
                v.source
            ),
            Subject::at(&v.loc),
            vec![("type", v.source.clone())],
        );
    }
}
