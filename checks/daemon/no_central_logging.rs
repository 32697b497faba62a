use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN014",
    name: "no-central-logging",
    title: "Container logs stay on the host",
    severity: Severity::Low,
    cis: &["2.13"],
    cis_kubernetes: &[],
    rationale: "With a local log driver (`json-file`, `local`) container logs live only on the host: a compromised host or container can erase them, and nobody sees them across hosts.",
    remediation: "Send logs to a central system: a remote driver (`syslog`, `journald` shipped onward, `fluentd`, `gelf`, `awslogs`, `splunk`…) or a log shipper that collects the local files.",
    references: &["https://docs.docker.com/engine/logging/configure/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("log-driver") {
        return; // not visible through a live daemon's API
    }
    match cfg.str("log-driver") {
        Some((driver @ ("json-file" | "local" | "none"), loc)) => sink.report(
            format!("log-driver {driver} keeps logs on the host only"),
            Subject::at(loc),
            vec![],
        ),
        Some(_) => {}
        None => sink.report(
            "log-driver is not set: logs go to local json files",
            Subject::at(&cfg.loc_of("log-driver")),
            vec![],
        ),
    }
}
