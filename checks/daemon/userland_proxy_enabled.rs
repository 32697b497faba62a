use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN005",
    name: "userland-proxy-enabled",
    title: "Userland proxy is enabled",
    severity: Severity::Low,
    cis: &["2.16"],
    rationale: "The userland proxy (`docker-proxy`) is a process per published port. It adds attack surface and hides client addresses; iptables rules do the same job in the kernel.",
    remediation: "Set `\"userland-proxy\": false` unless an old kernel or a special network setup needs it.",
    references: &["https://docs.docker.com/engine/network/packet-filtering-firewalls/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("userland-proxy") {
        return; // not visible through a live daemon's API
    }
    match cfg.bool("userland-proxy") {
        Some((false, _)) => {}
        Some((_, loc)) => sink.report("userland-proxy is true", Subject::at(loc), vec![]),
        None => sink.report(
            "userland-proxy is not set (on by default)",
            Subject::at(&cfg.loc_of("userland-proxy")),
            vec![],
        ),
    }
}
