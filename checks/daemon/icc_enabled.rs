use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN002",
    name: "icc-enabled",
    title: "Inter-container communication on the default bridge is enabled",
    severity: Severity::Medium,
    cis: &["2.2"],
    cis_kubernetes: &[],
    rationale: "With `icc` on (the default), every container on the default bridge network can reach every other one on any port, so one compromised container can probe and attack all of its neighbours.",
    remediation: "Set `\"icc\": false` in daemon.json and let containers that must talk share a user-defined network. Keep `iptables` enabled, which `icc: false` needs.",
    references: &["https://docs.docker.com/engine/network/drivers/bridge/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    let Some(s) = cfg.effective_bool("icc", true) else {
        return;
    };
    if s.on {
        let message = if s.explicit {
            "icc is true: containers on the default bridge can all reach each other"
        } else {
            "icc is not set, so inter-container communication on the default bridge is on"
        };
        sink.report(message, Subject::at(&s.loc), vec![]);
    }
}
