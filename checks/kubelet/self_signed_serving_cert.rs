use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT011",
    name: "kubelet-self-signed-serving-cert",
    title: "Kubelet serves with a self-signed certificate",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &["4.2.9"],
    rationale: "With neither `tlsCertFile`/`tlsPrivateKeyFile` nor `serverTLSBootstrap: true`, the kubelet generates a self-signed serving certificate, so the API server and anything else calling the kubelet cannot verify they reach the right node.",
    remediation: "Set `serverTLSBootstrap: true` (and approve the certificate requests), or give `tlsCertFile` and `tlsPrivateKeyFile`.",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    if !cfg.complete {
        return; // the --config file is not known: absent is not unset
    }
    let cert = cfg
        .get("tlsCertFile")
        .is_some_and(|s| !s.value.text().is_empty());
    let bootstrap = cfg
        .get("serverTLSBootstrap")
        .and_then(|s| s.value.as_bool())
        == Some(true);
    if !cert && !bootstrap {
        sink.report(
            "the kubelet serves with a self-signed certificate (no tlsCertFile, serverTLSBootstrap off)",
            crate::catalog::Subject::at(&cfg.get("serverTLSBootstrap").map_or_else(|| cfg.loc.clone(), |s| s.loc.clone())),
            vec![],
        );
    }
}
