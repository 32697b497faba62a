use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN015",
    name: "cgroup-parent-custom",
    title: "Custom cgroup parent",
    severity: Severity::Info,
    cis: &["2.10"],
    cis_kubernetes: &[],
    rationale: "A custom `cgroup-parent` moves every container under another cgroup, which changes which resource limits apply. That is fine when intended; it should be a reviewed choice.",
    remediation: "Confirm the parent cgroup's limits are the ones intended, or remove the setting to use Docker's default.",
    references: &["https://docs.docker.com/reference/cli/dockerd/#default-cgroup-parent"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if let Some((parent, loc)) = cfg.str("cgroup-parent") {
        if !parent.is_empty() {
            sink.report(
                format!("cgroup-parent is {parent}"),
                Subject::at(loc),
                vec![("cgroup-parent", parent.to_string())],
            );
        }
    }
}
