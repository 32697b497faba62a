use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI003",
    name: "stream-server-exposed",
    title: "Runtime streaming server listens beyond loopback",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "The CRI streaming server carries `kubectl exec`, `attach` and `port-forward` \
sessions. The kubelet reaches it on loopback; bound to another address (or to all, which an \
empty address means) anyone on the network who gets or guesses a session URL reaches a shell in \
a container, with no Kubernetes authentication in front of it.",
    remediation: "Leave `stream_server_address` (containerd) / `stream_address` (CRI-O) at \
`127.0.0.1`.",
    references: &[
        "https://github.com/containerd/containerd/blob/main/docs/cri/config.md",
        "https://github.com/cri-o/cri-o/blob/main/docs/crio.conf.5.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn loopback(address: &str) -> bool {
    let a = address.trim().trim_start_matches('[').trim_end_matches(']');
    a == "localhost" || a == "::1" || a.starts_with("127.")
}

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if let Some(addr) = cfg.stream_address.as_ref().filter(|a| !loopback(&a.value)) {
        let shown = if addr.value.trim().is_empty() {
            "every address (empty)".to_string()
        } else {
            addr.value.clone()
        };
        sink.report(
            format!(
                "{} streaming server (exec, attach, port-forward) listens on {shown}",
                cfg.kind.name()
            ),
            Subject::at(&addr.loc),
            vec![("address", addr.value.clone())],
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_addresses() {
        assert!(super::loopback("127.0.0.1") && super::loopback("[::1]"));
        assert!(
            !super::loopback("0.0.0.0") && !super::loopback("") && !super::loopback("10.0.0.4")
        );
    }
}
