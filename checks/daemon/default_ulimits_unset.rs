use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN011",
    name: "default-ulimits-unset",
    title: "No default ulimits",
    severity: Severity::Low,
    cis: &["2.8"],
    cis_kubernetes: &[],
    rationale: "Without `default-ulimits`, containers inherit the daemon's limits (often very high for open files and processes), so one container can exhaust host resources.",
    remediation: "Set sensible defaults, e.g. `\"default-ulimits\": {\"nofile\": {\"Name\": \"nofile\", \"Soft\": 65536, \"Hard\": 65536}}`, and raise them per container where needed.",
    references: &["https://docs.docker.com/reference/cli/dockerd/#default-ulimit"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("default-ulimits") {
        return; // not visible through a live daemon's API
    }
    if cfg.map("default-ulimits").is_empty() {
        sink.report(
            "default-ulimits is not set",
            Subject::at(&cfg.loc_of("default-ulimits")),
            vec![],
        );
    }
}
