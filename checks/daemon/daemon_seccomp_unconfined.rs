use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN007",
    name: "daemon-seccomp-unconfined",
    title: "Daemon default seccomp profile is unconfined",
    severity: Severity::High,
    cis: &["2.17"],
    cis_kubernetes: &[],
    rationale: "`seccomp-profile: unconfined` removes syscall filtering from every container that does not bring its own profile: the whole kernel API, including the syscalls used in most container escapes, is open to them.",
    remediation: "Remove the setting to use Docker's built-in default profile, or point it at a reviewed custom profile.",
    references: &["https://docs.docker.com/engine/security/seccomp/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if let Some(("unconfined", loc)) = cfg.str("seccomp-profile") {
        sink.report(
            "seccomp-profile is \"unconfined\": containers run without syscall filtering",
            Subject::at(loc),
            vec![],
        );
    }
}
