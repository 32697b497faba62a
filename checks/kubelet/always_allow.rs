use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT002",
    name: "kubelet-authorization-always-allow",
    title: "Kubelet authorizes every request",
    severity: Severity::Critical,
    cis: &[],
    cis_kubernetes: &["4.2.2"],
    rationale: "`authorization.mode: AlwaysAllow` lets any client that reaches the kubelet's API (and, with anonymous authentication, any client at all) read secrets mounted in pods and run commands in them. It is the legacy default of a kubelet started without `--config`; `Webhook` asks the API server instead.",
    remediation: "Set `authorization.mode: Webhook` (or `--authorization-mode=Webhook`).",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("authorization.mode")
        .filter(|s| s.value.text().split(",").any(|m| m.trim() == "AlwaysAllow"))
    {
        super::report(
            sink,
            "the kubelet authorizes every request (AlwaysAllow)".into(),
            s,
        );
    }
}
