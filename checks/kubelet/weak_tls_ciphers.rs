use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::kubelet::KubeletConfig;

pub const CHECK: Check = Check {
    id: "KLT008",
    name: "kubelet-weak-tls-ciphers",
    title: "Kubelet allows TLS cipher suites outside the strong set",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &["4.2.12"],
    rationale: "`tlsCipherSuites` decides what the kubelet's API negotiates. The benchmark's strong set is ECDHE key exchange with AES-GCM or ChaCha20-Poly1305; a suite outside it (CBC modes, RSA key exchange, 3DES) can be negotiated down to by an attacker in the path. Unset, Go's defaults apply, which are strong.",
    remediation: "List only `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`, `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`, `TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305`, `TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384`, `TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305`, `TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384`, or leave it unset.",
    references: &[
        "https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/",
        "https://www.cisecurity.org/benchmark/kubernetes",
    ],
    runs: &[Run::Kubelet(run)],
    wants: &[],
};

fn run(cfg: &KubeletConfig, sink: &mut Sink) {
    const STRONG: [&str; 8] = [
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ];
    if let Some(s) = cfg.get("tlsCipherSuites") {
        let weak: Vec<String> = match &s.value {
            crate::model::kubelet::KubeletValue::List(l) => l
                .iter()
                .filter(|c| !STRONG.contains(&c.as_str()))
                .cloned()
                .collect(),
            other => vec![other.text()],
        };
        if !weak.is_empty() {
            super::report(sink, format!("the kubelet allows {}", weak.join(", ")), s);
        }
    }
}
