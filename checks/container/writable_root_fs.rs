use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR011",
    name: "writable-root-fs",
    title: "Container root filesystem is writable",
    severity: Severity::Low,
    cis: &["5.13"],
    cis_kubernetes: &[],
    rationale: "A writable root filesystem lets an attacker who gets code execution modify binaries and configuration, drop tools and persist for the container's life. A read-only root with explicit writable volumes or tmpfs for state makes tampering visible and harder.",
    remediation: "Compose: `read_only: true` plus `tmpfs:` or volumes for paths that must be written. Kubernetes: `securityContext.readOnlyRootFilesystem: true` with `emptyDir` volumes.",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    match &spec.read_only_root {
        Some(v) if v.value => {}
        Some(v) => sink.report(
            format!("{} has a writable root filesystem", spec.name),
            Subject::at(&v.loc),
            vec![],
        ),
        None => sink.report(
            format!("{} has a writable root filesystem", spec.name),
            Subject::at(&spec.missing("read_only")),
            vec![],
        ),
    }
}
