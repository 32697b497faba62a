use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN006",
    name: "no-new-privileges-disabled",
    title: "Containers may gain new privileges by default",
    severity: Severity::Medium,
    cis: &["2.14"],
    cis_kubernetes: &[],
    rationale: "`no-new-privileges` stops processes in containers from gaining privileges through setuid binaries or file capabilities. Without the daemon-wide default, every container that does not ask for it is exposed to privilege escalation inside the container.",
    remediation: "Set `\"no-new-privileges\": true` in daemon.json; a container that truly needs setuid (rare) can be reviewed and run with `--security-opt no-new-privileges=false`.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/#security-opt"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    let Some(s) = cfg.effective_bool("no-new-privileges", false) else {
        return;
    };
    if !s.on {
        let message = if s.explicit {
            "no-new-privileges is false"
        } else {
            "no-new-privileges is not set: containers can gain privileges through setuid binaries"
        };
        sink.report(message, Subject::at(&s.loc), vec![]);
    }
}
