use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN016",
    name: "iptables-disabled",
    title: "Docker may not manage iptables",
    severity: Severity::Medium,
    cis: &["2.4"],
    cis_kubernetes: &[],
    rationale: "With `iptables: false`, Docker cannot isolate networks or apply `icc: false`; published ports and container traffic then depend on hand-written rules that drift from what runs.",
    remediation: "Remove `\"iptables\": false` and let Docker manage its chains; add site rules in the `DOCKER-USER` chain.",
    references: &["https://docs.docker.com/engine/network/packet-filtering-firewalls/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if let Some((false, loc)) = cfg.bool("iptables") {
        sink.report(
            "iptables is false: Docker cannot isolate container networks",
            Subject::at(loc),
            vec![],
        );
    }
}
