use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR012",
    name: "no-resource-limits",
    title: "No memory, CPU or process limits",
    severity: Severity::Medium,
    cis: &["5.11", "5.12", "5.29"],
    cis_kubernetes: &[],
    rationale: "Without limits, one container — compromised, buggy or under attack — can take all the host's memory (the kernel then kills other processes), its CPU, or fork-bomb the process table, taking every other workload down with it.",
    remediation: "Compose: `mem_limit`, `cpus`, `pids_limit` (or `deploy.resources.limits`). Kubernetes: `resources.limits.memory` and `cpu` per container; process limits come from the kubelet's `podPidsLimit`.",
    references: &["https://docs.docker.com/engine/containers/resource_constraints/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    let missing: Vec<&str> = [
        ("memory", &spec.memory_limit),
        ("cpu", &spec.cpu_limit),
        ("pids", &spec.pids_limit),
    ]
    .into_iter()
    .filter(|(_, l)| l.is_none())
    .map(|(n, _)| n)
    .collect();
    if missing.is_empty() {
        return;
    }
    let severity = if missing.contains(&"memory") {
        Severity::Medium
    } else {
        Severity::Low
    };
    sink.report_at(
        severity,
        format!("{} has no {} limit", spec.name, missing.join(", ")),
        Subject::at(&spec.missing("limits")),
        vec![("missing", missing.join(","))],
    );
}
