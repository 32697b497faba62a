use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN004",
    name: "live-restore-disabled",
    title: "Live restore is not enabled",
    severity: Severity::Low,
    cis: &["2.15"],
    rationale: "Without `live-restore`, stopping or upgrading dockerd stops every container, so operators postpone daemon security updates, or containers go down during them.",
    remediation: "Set `\"live-restore\": true` (not supported together with Swarm mode).",
    references: &["https://docs.docker.com/engine/daemon/live-restore/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("live-restore") {
        return; // not visible through a live daemon's API
    }
    match cfg.bool("live-restore") {
        Some((true, _)) => {}
        Some((_, loc)) => sink.report("live-restore is false", Subject::at(loc), vec![]),
        None => sink.report(
            "live-restore is not set (off by default)",
            Subject::at(&cfg.loc_of("live-restore")),
            vec![],
        ),
    }
}
