//! `KLT`: a kubelet's effective configuration (CIS Kubernetes Benchmark v1.12.0, section 4.2).
pub mod always_allow;
pub mod anonymous_auth;
pub mod cert_rotation_off;
pub mod hostname_override;
pub mod iptables_chains_off;
pub mod no_client_ca;
pub mod no_pod_pids_limit;
pub mod read_only_port;
pub mod seccomp_default_off;
pub mod self_signed_serving_cert;
pub mod streaming_timeout_zero;
pub mod weak_tls_ciphers;

use crate::catalog::{Sink, Subject};
use crate::model::kubelet::KubeletSetting;

/// Reports a setting with what decided it: `… (flag --anonymous-auth)`.
pub(crate) fn report(sink: &mut Sink, what: String, s: &KubeletSetting) {
    sink.report(
        format!("{what} (decided by {})", s.decided_by),
        Subject::at(&s.loc),
        vec![
            ("value", s.value.text()),
            ("decided_by", s.decided_by.clone()),
        ],
    );
}
