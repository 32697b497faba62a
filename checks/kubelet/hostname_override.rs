use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT012",
    name: "kubelet-hostname-override",
    title: "Kubelet registers under an overridden hostname",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &["4.2.7"],
    rationale: "`--hostname-override` makes the kubelet register the node under a name other than \
the host's. The kubelet's serving certificate and the API server's view of the node then \
disagree, so TLS verification between them fails or gets switched off to make it work. It is a \
flag only (no configuration-file field), so it is judged where the kubelet's command line is \
known: a unit, its drop-ins and environment files, or the running process.",
    remediation: "Remove `--hostname-override`; where a cloud provider needs another node name, \
let the cloud controller set it.",
    references: &[
        "https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("hostnameOverride")
        .filter(|s| !s.value.text().trim().is_empty())
    {
        super::report(
            sink,
            format!("the kubelet registers as {}", s.value.text()),
            s,
        );
    }
}
