use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN017",
    name: "base-device-size-changed",
    title: "Base device size changed",
    severity: Severity::Low,
    cis: &["2.11"],
    cis_kubernetes: &[],
    rationale: "`dm.basesize` raises the size of every container's root filesystem under devicemapper; a larger base lets one container fill the thin pool and deny service to the rest.",
    remediation: "Remove `dm.basesize` from `storage-opts` unless a reviewed need exists (and move off devicemapper).",
    references: &["https://docs.docker.com/reference/cli/dockerd/#storage-driver-options"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    for (opt, loc) in cfg.list("storage-opts") {
        if opt.starts_with("dm.basesize") {
            sink.report(
                format!("storage-opts sets {opt}"),
                Subject::at(loc),
                vec![("option", opt.clone())],
            );
        }
    }
}
