use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR016",
    name: "mount-propagation-shared",
    title: "Mount propagation shared with the host",
    severity: Severity::Medium,
    cis: &["5.20"],
    cis_kubernetes: &[],
    rationale: "With shared (or Kubernetes `Bidirectional`) propagation, mounts made inside the container appear on the host and vice versa: a compromised container can mount over host paths.",
    remediation: "Use the default private propagation; if a mount must see host mounts, use `rslave` / `HostToContainer`, never shared.",
    references: &["https://docs.docker.com/engine/storage/bind-mounts/#configure-bind-propagation"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for m in &spec.mounts {
        let Some(p) = m
            .propagation
            .as_deref()
            .filter(|p| matches!(*p, "shared" | "rshared" | "Bidirectional"))
        else {
            continue;
        };
        sink.report(
            format!("{} mounts {} with {p} propagation", spec.name, m.source),
            Subject::at(&m.loc.with_field(format!("{}:{}", m.loc.field, m.source))),
            vec![("propagation", p.to_string())],
        );
    }
}
