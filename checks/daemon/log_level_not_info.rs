use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN013",
    name: "log-level-not-info",
    title: "Daemon log level is not info",
    severity: Severity::Low,
    cis: &["2.3"],
    cis_kubernetes: &[],
    rationale: "`debug` logs can carry request bodies and other sensitive details and fill disks; `warn` or `error` drop the events an investigation needs. `info` is the level CIS recommends.",
    remediation: "Set `\"log-level\": \"info\"` (or remove the setting: info is the default).",
    references: &["https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if let Some((level, loc)) = cfg.str("log-level") {
        if level != "info" {
            sink.report(
                format!("log-level is {level}"),
                Subject::at(loc),
                vec![("log-level", level.to_string())],
            );
        }
    }
    if let Some((true, loc)) = cfg.bool("debug") {
        sink.report(
            "debug is true: the daemon logs at debug level",
            Subject::at(loc),
            vec![],
        );
    }
}
