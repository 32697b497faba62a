use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD012",
    name: "missing-probes",
    title: "Long-running container without liveness or readiness probe",
    severity: Severity::Info,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Not a security check, and off unless selected by id or name (`--select POD012`): \
without a readiness probe a Service sends traffic to a pod before it can answer, and without a \
liveness probe a hung process is never restarted. Judged on the long-running containers of \
Deployments, StatefulSets, DaemonSets, ReplicaSets and bare Pods; init containers and Jobs are \
meant to end.",
    remediation: "Add a `readinessProbe` (is it ready for traffic?) and a `livenessProbe` (is it \
stuck?) that check the application itself, not a dependency.",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/",
    ],
    runs: &[Run::Pod(run)],
    wants: &[],
};

fn run(pod: &PodSpec, sink: &mut Sink) {
    if matches!(pod.object.kind.as_str(), "Job" | "CronJob") {
        return;
    }
    for c in pod.containers.iter().filter(|c| c.list == "containers") {
        let missing: Vec<&str> = ["livenessProbe", "readinessProbe"]
            .into_iter()
            .filter(|p| !c.probes.contains(p))
            .collect();
        if missing.is_empty() {
            continue;
        }
        sink.report(
            format!(
                "{} container {} has no {}",
                pod.object.title(),
                c.name,
                missing.join(" or ")
            ),
            Subject::at(&c.loc.with_field(format!("{}.{}", c.loc.field, missing[0]))),
            vec![],
        );
    }
}
