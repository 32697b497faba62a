use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI001",
    name: "runtime-apparmor-disabled",
    title: "Container runtime turns AppArmor off for every container",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "On an AppArmor host the runtime confines each container with its default profile \
(`cri-containerd.apparmor.d`, `crio-default`) unless the pod asks otherwise. containerd's \
`disable_apparmor = true` and CRI-O's `apparmor_profile = \"unconfined\"` remove that for every \
pod on the node, including the ones that never asked, and no pod setting can put it back.",
    remediation: "Remove `disable_apparmor = true` (containerd) or set `apparmor_profile = \
\"crio-default\"` (CRI-O); a workload that needs another profile names it in its own \
`securityContext.appArmorProfile`.",
    references: &[
        "https://kubernetes.io/docs/tutorials/security/apparmor/",
        "https://github.com/containerd/containerd/blob/main/docs/cri/config.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if let Some(loc) = &cfg.apparmor_disabled {
        sink.report(
            format!("{} runs every container without AppArmor", cfg.kind.name()),
            Subject::at(loc),
            vec![],
        );
    }
}
