use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT010",
    name: "kubelet-seccomp-default-off",
    title: "Pods that set no seccomp profile run unconfined on this node",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &["4.2.14"],
    rationale: "Docker applies its default seccomp profile to every container; Kubernetes does \
not. Unless the kubelet's `seccompDefault` is on, a pod that names no profile is sent to the \
runtime with an explicit `Unconfined`, and no runtime setting overrides that: containerd's \
`unset_seccomp_profile` and CRI-O's `seccomp_profile` only apply when the kubelet asks for the \
runtime's default. So whatever the runtime layer configures, the kubelet undoes it. The finding \
names the setting, what decided it, and (on a node scan) the runtime whose default would apply. \
Pod Security \"restricted\" still requires each pod to set a profile; this is the node's floor. \
Docker Bench has no such check, and kube-bench passes the key when it is present whatever its \
value.",
    remediation: "Set `seccompDefault: true` in the kubelet's configuration (or \
`--seccomp-default`), roll it out node by node, and watch for workloads that need a syscall the \
runtime's default blocks: they should get a profile of their own, not `Unconfined`.",
    references: &[
        "https://kubernetes.io/docs/tutorials/security/seccomp/#enable-the-use-of-runtimedefault-as-the-default-seccomp-profile-for-all-workloads",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    let Some(s) = cfg
        .get("seccompDefault")
        .filter(|s| s.value.as_bool() != Some(true))
    else {
        return;
    };
    let runtime = cfg
        .runtime_default
        .as_ref()
        .map(|r| format!("; {r} would apply if it were on"))
        .unwrap_or_default();
    sink.report(
        format!(
            "seccompDefault is off (decided by {}): pods that set no seccomp profile run unconfined on this node{runtime}",
            s.decided_by
        ),
        Subject::at(&s.loc),
        vec![
            ("value", s.value.text()),
            ("decided_by", s.decided_by.clone()),
        ],
    );
}
