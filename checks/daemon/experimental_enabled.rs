use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN012",
    name: "experimental-enabled",
    title: "Experimental features enabled",
    severity: Severity::Medium,
    cis: &["2.18"],
    cis_kubernetes: &[],
    rationale: "Experimental features are not covered by Docker's stability or security guarantees; they change and break between releases.",
    remediation: "Set `\"experimental\": false` on production daemons.",
    references: &["https://docs.docker.com/reference/cli/dockerd/#daemon-configuration-file"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if let Some((true, loc)) = cfg.bool("experimental") {
        sink.report(
            "experimental features are enabled",
            Subject::at(loc),
            vec![],
        );
    }
}
