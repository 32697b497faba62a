use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN001",
    name: "tcp-socket-without-tls",
    title: "Docker API on a TCP socket without TLS client verification",
    severity: Severity::Critical,
    cis: &["2.7"],
    cis_kubernetes: &[],
    rationale: "The Docker API is root on the host: whoever can talk to it can start a privileged container with the host's filesystem mounted. On `tcp://` without `tlsverify` and certificates, anyone who can reach the port — a neighbour on the network, any container on the host — owns the machine. `tls` without `tlsverify` encrypts but still lets every client in.",
    remediation: "Prefer the Unix socket (or SSH: `docker -H ssh://host`). If TCP is required, set `tlsverify: true` with `tlscacert`, `tlscert` and `tlskey`, listen on port 2376, and issue client certificates only to administrators.",
    references: &["https://docs.docker.com/engine/security/protect-access/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    let verify = cfg.bool("tlsverify").is_some_and(|(b, _)| b);
    let tls = cfg.bool("tls").is_some_and(|(b, _)| b);
    let certs = ["tlscacert", "tlscert", "tlskey"]
        .iter()
        .all(|k| cfg.str(k).is_some_and(|(v, _)| !v.is_empty()));
    for (host, loc) in cfg.list("hosts") {
        if !host.starts_with("tcp://") || (verify && certs) {
            continue;
        }
        let (severity, why) = if verify {
            (
                Severity::Critical,
                "tlsverify is set but tlscacert, tlscert or tlskey is missing",
            )
        } else if tls {
            (
                Severity::High,
                "TLS without client verification: any client can connect",
            )
        } else {
            (
                Severity::Critical,
                "no TLS: anyone who reaches the port controls the host",
            )
        };
        sink.report_at(
            severity,
            format!("Docker API on {host}: {why}"),
            Subject::at(&loc.with_field(format!("hosts:{host}"))),
            vec![("host", host.clone())],
        );
    }
}
