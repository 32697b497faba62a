use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT009",
    name: "kubelet-no-pod-pids-limit",
    title: "No per-pod process limit on the node",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &["4.2.13"],
    rationale: "Without `podPidsLimit` (default -1) one pod can fork until the node runs out of process ids, and every other pod on it with it.",
    remediation: "Set `podPidsLimit` to a bound that fits the workloads (for example 4096).",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("podPidsLimit")
        .filter(|s| s.value.as_int().is_none_or(|n| n <= 0))
    {
        super::report(sink, "pods on this node have no process limit".into(), s);
    }
}
