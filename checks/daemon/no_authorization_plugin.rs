use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN010",
    name: "no-authorization-plugin",
    title: "No authorization plugin",
    severity: Severity::Low,
    cis: &["2.12"],
    cis_kubernetes: &[],
    rationale: "Without an authorization plugin every client of the Docker API may do everything, including starting privileged containers. A plugin can restrict who may run what.",
    remediation: "Where several people or systems use one daemon, configure an authorization plugin (`authorization-plugins`) that enforces least privilege; otherwise restrict who can reach the socket at all.",
    references: &["https://docs.docker.com/engine/extend/plugins_authorization/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("authorization-plugins") {
        return; // not visible through a live daemon's API
    }
    if cfg.list("authorization-plugins").is_empty() {
        sink.report(
            "no authorization-plugins: every API client may do everything",
            Subject::at(&cfg.loc_of("authorization-plugins")),
            vec![],
        );
    }
}
