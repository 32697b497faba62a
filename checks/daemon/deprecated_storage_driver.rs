use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN009",
    name: "deprecated-storage-driver",
    title: "Deprecated storage driver",
    severity: Severity::Medium,
    cis: &["2.6"],
    cis_kubernetes: &[],
    rationale: "`aufs`, `devicemapper` and the legacy `overlay` driver are deprecated and removed from current Docker releases; they receive no fixes, and aufs in particular has a history of privilege-escalation bugs.",
    remediation: "Use `overlay2` (the default on current kernels) and migrate images by re-pulling them.",
    references: &["https://docs.docker.com/engine/storage/drivers/select-storage-driver/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if let Some((driver, loc)) = cfg.str("storage-driver") {
        if matches!(driver, "aufs" | "devicemapper" | "overlay") {
            sink.report(
                format!("storage-driver {driver} is deprecated"),
                Subject::at(loc),
                vec![("driver", driver.to_string())],
            );
        }
    }
}
