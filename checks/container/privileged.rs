use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR001",
    name: "privileged",
    title: "Container runs privileged",
    severity: Severity::Critical,
    cis: &["5.5"],
    cis_kubernetes: &["5.2.2"],
    rationale: "A privileged container has every capability, every device, no seccomp or AppArmor confinement and can mount the host's filesystems: it is root on the host in all but name. Anything that compromises the process compromises the machine.",
    remediation: "Remove `privileged: true`. Grant the specific capability or device the workload needs (`cap_add`, `devices`) instead, and review why it needs it.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/#privileged"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    if let Some(p) = spec.privileged.as_ref().filter(|p| p.value) {
        sink.report(
            format!("{} runs privileged: root on the host", spec.name),
            Subject::at(&p.loc),
            vec![],
        );
    }
}
