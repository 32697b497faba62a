use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI005",
    name: "cgroup-writable",
    title: "Runtime gives unprivileged containers a writable cgroup filesystem",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "containerd's `cgroup_writable = true` mounts `/sys/fs/cgroup` read-write in \
unprivileged containers of that runtime handler. A process there can change its own limits and \
controllers, which the runtime and the kubelet set for a reason, and cgroup release agents have \
been escape paths before.",
    remediation: "Remove `cgroup_writable = true`; give the one workload that manages cgroups \
(a nested container engine) its own runtime class.",
    references: &["https://github.com/containerd/containerd/blob/main/docs/cri/config.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for h in &cfg.cgroup_writable {
        sink.report(
            format!("runtime handler {} mounts /sys/fs/cgroup writable", h.value),
            Subject::at(&h.loc),
            vec![("handler", h.value.clone())],
        );
    }
}
