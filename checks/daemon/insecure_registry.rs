use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN008",
    name: "insecure-registry",
    title: "Insecure registry configured",
    severity: Severity::High,
    cis: &["2.5"],
    cis_kubernetes: &[],
    rationale: "An insecure registry is reached over plain HTTP or with unverified TLS: anyone on the path can serve a different image under the same name, and the daemon will run it. Loopback addresses are not reported.",
    remediation: "Give the registry a certificate (a private CA can be trusted in `/etc/docker/certs.d/HOST/ca.crt`) and remove it from `insecure-registries`.",
    references: &["https://docs.docker.com/engine/daemon/#insecure-registries"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

/// Loopback registries (127.0.0.0/8, ::1, localhost) are how local testing works.
fn loopback(entry: &str) -> bool {
    let host = entry
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let host = host.split('/').next().unwrap_or(host);
    let host = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(rest),
        None => match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        },
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    for (registry, loc) in cfg.list("insecure-registries") {
        if loopback(&registry) {
            continue;
        }
        sink.report(
            format!("insecure registry {registry}: images from it are not authenticated"),
            Subject::at(&loc.with_field(format!("insecure-registries:{registry}"))),
            vec![("registry", registry.clone())],
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn loopback_is_fine() {
        for ok in [
            "127.0.0.1:5000",
            "127.0.0.0/8",
            "localhost:5000",
            "[::1]:5000",
        ] {
            assert!(super::loopback(ok), "{ok}");
        }
        for bad in ["registry.internal:5000", "10.0.0.0/8", "0.0.0.0/0"] {
            assert!(!super::loopback(bad), "{bad}");
        }
    }
}
