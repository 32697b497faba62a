use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN002",
    name: "icc-enabled",
    title: "Inter-container communication on the default bridge is enabled",
    severity: Severity::Medium,
    cis: &["2.2"],
    rationale: "With `icc` on (the default), every container on the default bridge network can reach every other one on any port, so one compromised container can probe and attack all of its neighbours.",
    remediation: "Set `\"icc\": false` in daemon.json and let containers that must talk share a user-defined network. Keep `iptables` enabled, which `icc: false` needs.",
    references: &["https://docs.docker.com/engine/network/drivers/bridge/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("icc") {
        return; // not visible through a live daemon's API
    }
    match cfg.bool("icc") {
        Some((false, _)) => {}
        Some((_, loc)) => sink.report(
            "icc is true: containers on the default bridge can all reach each other",
            Subject::at(loc),
            vec![],
        ),
        None => sink.report(
            "icc is not set, so inter-container communication on the default bridge is on",
            Subject::at(&cfg.loc_of("icc")),
            vec![],
        ),
    }
}
