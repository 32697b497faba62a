use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT001",
    name: "kubelet-anonymous-auth",
    title: "Kubelet answers anonymous requests",
    severity: Severity::Critical,
    cis: &[],
    cis_kubernetes: &["4.2.1"],
    rationale: "With anonymous authentication on, a request to the kubelet's API (port 10250) without credentials is served as `system:anonymous`; what it may then do depends on the authorization mode, and with `AlwaysAllow` (the legacy default) it can run commands in every pod on the node. A kubelet started without `--config` has it on by default.",
    remediation: "Set `authentication.anonymous.enabled: false` in the kubelet's configuration file (or `--anonymous-auth=false`), with webhook authentication on.",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("authentication.anonymous.enabled")
        .filter(|s| s.value.as_bool() != Some(false))
    {
        super::report(sink, "the kubelet serves anonymous requests".into(), s);
    }
}
