use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT005",
    name: "kubelet-streaming-timeout-zero",
    title: "Kubelet streaming connections never time out",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &["4.2.5"],
    rationale: "`streamingConnectionIdleTimeout: 0` keeps idle `exec`, `attach` and `port-forward` sessions open forever: forgotten shells into production pods, and a way to exhaust the node.",
    remediation: "Set `streamingConnectionIdleTimeout` to a bound such as `5m` (the default is 4h).",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("streamingConnectionIdleTimeout")
        .filter(|s| matches!(s.value.text().trim(), "0" | "0s" | "0m" | "0h" | "0h0m0s"))
    {
        super::report(sink, "idle streaming sessions never time out".into(), s);
    }
}
