use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI012",
    name: "runtime-widens-every-pod",
    title: "CRI-O adds devices, sysctls or annotation powers to every pod",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "CRI-O settings that apply to all pods on the node, beyond what any pod asked: \
`additional_devices` puts host devices in every container; `default_sysctls` outside the Pod \
Security safe set change kernel settings for every pod; `allowed_annotations` on a runtime \
handler or workload lets any pod using it add devices (`io.kubernetes.cri-o.Devices`), change \
its user namespace or cgroup mounts, or trace syscalls through an annotation that admission \
policies do not look at.",
    remediation: "Remove the entry; give the workload that needs it a dedicated runtime handler \
or workload class that only it can select.",
    references: &["https://github.com/cri-o/cri-o/blob/main/docs/crio.conf.5.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for d in &cfg.additional_devices {
        sink.report(
            format!("CRI-O adds device {} to every container", d.value),
            Subject::at(&d.loc),
            vec![("device", d.value.clone())],
        );
    }
    for s in &cfg.default_sysctls {
        let name = s.value.split('=').next().unwrap_or("").trim();
        if !crate::checks::container::unsafe_sysctl::SAFE.contains(&name) {
            sink.report(
                format!(
                    "CRI-O sets sysctl {} in every pod, outside the safe set",
                    s.value
                ),
                Subject::at(&s.loc),
                vec![("sysctl", s.value.clone())],
            );
        }
    }
    for a in &cfg.allowed_annotations {
        sink.report(
            format!("pods may use annotation {}", a.value),
            Subject::at(&a.loc),
            vec![("annotation", a.value.clone())],
        );
    }
}
