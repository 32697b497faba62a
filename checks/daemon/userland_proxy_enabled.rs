use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN005",
    name: "userland-proxy-enabled",
    title: "Userland proxy is enabled",
    severity: Severity::Low,
    cis: &["2.16"],
    cis_kubernetes: &[],
    rationale: "The userland proxy (`docker-proxy`) is a process per published port. It adds attack surface and hides client addresses; iptables rules do the same job in the kernel.",
    remediation: "Set `\"userland-proxy\": false` unless an old kernel or a special network setup needs it.",
    references: &["https://docs.docker.com/engine/network/packet-filtering-firewalls/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    let Some(s) = cfg.effective_bool("userland-proxy", true) else {
        return;
    };
    if s.on {
        let message = if s.explicit {
            "userland-proxy is true"
        } else {
            "userland-proxy is not set (on by default)"
        };
        sink.report(message, Subject::at(&s.loc), vec![]);
    }
}
