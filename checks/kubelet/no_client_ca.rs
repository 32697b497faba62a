use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT003",
    name: "kubelet-no-client-ca",
    title: "Kubelet has no client CA to verify certificates against",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &["4.2.3"],
    rationale: "Without `authentication.x509.clientCAFile` the kubelet cannot authenticate the API server or anything else by client certificate, so connections it serves are authenticated by token alone or not at all.",
    remediation: "Set `authentication.x509.clientCAFile` to the cluster CA (kubeadm: `/etc/kubernetes/pki/ca.crt`).",
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
    if cfg
        .get("authentication.x509.clientCAFile")
        .is_none_or(|s| s.value.text().is_empty())
    {
        sink.report(
            "no client CA file: the kubelet cannot verify client certificates",
            crate::catalog::Subject::at(&cfg.loc.with_field("authentication.x509.clientCAFile")),
            vec![],
        );
    }
}
