use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::{RuntimeConfig, RuntimeKind};

pub const CHECK: Check = Check {
    id: "CRI010",
    name: "unset-seccomp-profile",
    title: "containerd runs containers that name no seccomp profile unconfined",
    severity: Severity::Info,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "containerd's `unset_seccomp_profile` is the profile for a CRI request that names \
none; empty (the default) means unconfined. It matters for clients that send no profile at all, \
such as `crictl`. It does not protect Kubernetes pods: the kubelet always sends a profile, and \
for a pod that sets none it sends an explicit `Unconfined` unless its own `seccompDefault` is on \
(which `stevedore node` judges with the kubelet).",
    remediation: "Set `unset_seccomp_profile = \"runtime/default\"` for non-kubelet clients; for \
pods, turn on the kubelet's `seccompDefault`.",
    references: &[
        "https://github.com/containerd/containerd/blob/main/docs/cri/config.md",
        "https://kubernetes.io/docs/tutorials/security/seccomp/",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if cfg.kind != RuntimeKind::Containerd
        || (cfg.unset_seccomp_profile.is_none() && !cfg.defaults_apply)
    {
        return;
    }
    let (value, loc) = match &cfg.unset_seccomp_profile {
        Some(v) => (v.value.as_str(), v.loc.clone()),
        None => ("", cfg.loc.clone()),
    };
    if value.is_empty() || value == "unconfined" {
        sink.report(
            "containerd runs containers whose CRI request names no seccomp profile unconfined (unset_seccomp_profile is empty)",
            Subject::at(&loc),
            vec![],
        );
    }
}
