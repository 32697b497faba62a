use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT007",
    name: "kubelet-cert-rotation-off",
    title: "Kubelet certificates are not rotated",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &["4.2.10", "4.2.11"],
    rationale: "Without `rotateCertificates` the kubelet's client certificate is used until it expires (then the node drops out) and cannot be replaced early after a compromise; `RotateKubeletServerCertificate: false` does the same for its serving certificate. Both are judged on the effective configuration.",
    remediation: "Set `rotateCertificates: true`, and leave the `RotateKubeletServerCertificate` feature gate on.",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if let Some(s) = cfg
        .get("rotateCertificates")
        .filter(|s| s.value.as_bool() != Some(true))
    {
        super::report(
            sink,
            "the kubelet does not rotate its client certificate".into(),
            s,
        );
    }
    if let Some(s) = cfg
        .get("featureGates.RotateKubeletServerCertificate")
        .filter(|s| s.value.as_bool() == Some(false))
    {
        super::report(
            sink,
            "the RotateKubeletServerCertificate feature gate is off".into(),
            s,
        );
    }
}
