use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT006",
    name: "kubelet-iptables-chains-off",
    title: "Kubelet does not manage its iptables chains",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &["4.2.6"],
    rationale: "With `makeIPTablesUtilChains: false` the kubelet stops keeping the iptables chains it relies on for host ports and masquerading, so the node's firewall and the pods' networking drift apart.",
    remediation: "Leave `makeIPTablesUtilChains` at `true`.",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("makeIPTablesUtilChains")
        .filter(|s| s.value.as_bool() == Some(false))
    {
        super::report(
            sink,
            "the kubelet does not manage its iptables chains".into(),
            s,
        );
    }
}
