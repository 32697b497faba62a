use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR014",
    name: "host-devices",
    title: "Host device exposed to the container",
    severity: Severity::Medium,
    cis: &["5.18"],
    cis_kubernetes: &[],
    rationale: "A host device node inside a container bypasses most isolation for that device: raw disks can be read or rewritten, `/dev/mem`-like devices expose host memory, and GPU or KVM devices widen the kernel attack surface.",
    remediation: "Expose only the specific device the workload needs, with the narrowest permissions (`:r`), and document why; prefer device plugins in Kubernetes.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/#device"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for d in &spec.devices {
        sink.report(
            format!("{} has host device {}", spec.name, d.value),
            Subject::at(&d.loc.with_field(format!("{}:{}", d.loc.field, d.value))),
            vec![("device", d.value.clone())],
        );
    }
}
