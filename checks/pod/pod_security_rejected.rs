use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::model::kube::Cluster;
use crate::pss::{enforced_in, evaluate};

pub const CHECK: Check = Check {
    id: "POD001",
    name: "pod-security-rejected",
    title: "Workload fails the Pod Security level its namespace enforces",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A Namespace labelled `pod-security.kubernetes.io/enforce: baseline|restricted` makes \
the API server reject every pod that fails that level (at `enforce-version`, default `latest`). \
For a Pod the apply fails; for a Deployment, StatefulSet, Job… the object is accepted and its \
controller then cannot create a single pod — the rollout hangs with the reason only in the \
controller's events. Judged when the Namespace is in the same scan, with the standard's own \
field lists at the namespace's version (the evaluator behind `pod_security` in the reports), not \
with the `CTR` rules.",
    remediation: "Fix the controls named (each with its line), or move the workload to a namespace \
whose level it is meant to run at.",
    references: &[
        "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
    ],
    runs: &[Run::Cluster(run)],
    wants: &[],
};

fn run(cluster: &Cluster, _settings: &Settings, sink: &mut Sink) {
    for pod in &cluster.pods {
        let Some((level, version, ns)) = enforced_in(cluster, pod.object.namespace.as_deref())
        else {
            continue;
        };
        let evaluation = evaluate(pod, version);
        if evaluation.level >= level {
            continue;
        }
        let failing: Vec<_> = evaluation.failing(level).collect();
        let Some(first) = failing.first() else {
            continue;
        };
        let controls: Vec<String> = failing
            .iter()
            .map(|f| format!("{} ({})", f.control, f.detail))
            .collect();
        let what = if pod.object.kind == "Pod" {
            "it will be rejected"
        } else {
            "its pods will be rejected"
        };
        sink.report(
            format!(
                "{} fails Pod Security {} ({}), which namespace {} enforces: {what}: {}",
                pod.object.title(),
                level.name(),
                version.label(),
                ns.object.name,
                controls.join("; ")
            ),
            Subject::at(&first.loc),
            vec![
                ("enforced", level.name().to_string()),
                ("level", evaluation.level.name().to_string()),
            ],
        );
    }
}
