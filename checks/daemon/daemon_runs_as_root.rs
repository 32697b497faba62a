use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN018",
    name: "daemon-runs-as-root",
    title: "Daemon runs as root (not rootless)",
    severity: Severity::Info,
    cis: &["2.1"],
    cis_kubernetes: &[],
    rationale: "A rootful daemon runs every container from a root process; rootless mode runs the daemon and its containers inside a user namespace of an ordinary user, so an escape does not reach host root.",
    remediation: "Where the workload allows it, run Docker in rootless mode (`dockerd-rootless-setuptool.sh install`); otherwise enable `userns-remap`.",
    references: &["https://docs.docker.com/engine/security/rootless/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("rootless") {
        return; // not visible through a live daemon's API
    }
    if cfg.bool("rootless").is_some_and(|(b, _)| b) {
        return;
    }
    // A daemon listening on a per-user runtime socket is the rootless one.
    if cfg
        .list("hosts")
        .iter()
        .any(|(h, _)| h.contains("/run/user/"))
    {
        return;
    }
    sink.report(
        "the daemon is not configured rootless",
        Subject::at(&cfg.loc_of("rootless")),
        vec![],
    );
}
