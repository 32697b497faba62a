use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN019",
    name: "icc-without-iptables",
    title: "icc disabled without iptables",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "`icc: false` is enforced with iptables rules; with `iptables: false` dockerd refuses to start (\"icc=false without iptables\"), so the isolation that was asked for never happens.",
    remediation: "Keep `iptables` enabled (remove `\"iptables\": false`) when setting `\"icc\": false`.",
    references: &["https://docs.docker.com/engine/network/drivers/bridge/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if let (Some((false, icc)), Some((false, _))) = (cfg.bool("icc"), cfg.bool("iptables")) {
        sink.report(
            "icc is false while iptables is false: dockerd refuses to start",
            Subject::at(icc),
            vec![],
        );
    }
}
