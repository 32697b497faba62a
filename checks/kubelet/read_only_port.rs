use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT004",
    name: "kubelet-read-only-port",
    title: "Kubelet read-only port open",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &["4.2.4"],
    rationale: "The read-only port (10255 by default for a kubelet started without `--config`) serves pod specs, node and container metrics with no authentication or authorization at all: environment variables with credentials, image names, what runs where.",
    remediation: "Set `readOnlyPort: 0` (or `--read-only-port=0`); metrics collectors use the authenticated port 10250.",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("readOnlyPort")
        .filter(|s| s.value.as_int() != Some(0))
    {
        super::report(
            sink,
            format!(
                "the kubelet serves its read-only API on port {}",
                s.value.text()
            ),
            s,
        );
    }
}
