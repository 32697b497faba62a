use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN004",
    name: "live-restore-disabled",
    title: "Live restore is not enabled",
    severity: Severity::Low,
    cis: &["2.15"],
    cis_kubernetes: &[],
    rationale: "Without `live-restore`, stopping or upgrading dockerd stops every container, so operators postpone daemon security updates, or containers go down during them.",
    remediation: "Set `\"live-restore\": true` (not supported together with Swarm mode).",
    references: &["https://docs.docker.com/engine/daemon/live-restore/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    let Some(s) = cfg.effective_bool("live-restore", false) else {
        return;
    };
    if !s.on {
        let message = if s.explicit {
            "live-restore is false"
        } else {
            "live-restore is not set (off by default)"
        };
        sink.report(message, Subject::at(&s.loc), vec![]);
    }
}
