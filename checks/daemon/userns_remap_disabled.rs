use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::daemon::DaemonConfig;

pub const CHECK: Check = Check {
    id: "DMN003",
    name: "userns-remap-disabled",
    title: "User namespace remapping is not enabled",
    severity: Severity::Medium,
    cis: &["2.9"],
    cis_kubernetes: &[],
    rationale: "Without user namespaces, root in a container is uid 0 on the host: any escape — a kernel bug, a mounted socket, a writable host path — lands as real root. With `userns-remap`, container root maps to an unprivileged range of host uids.",
    remediation: "Set `\"userns-remap\": \"default\"` (Docker creates the `dockremap` user and subordinate id ranges) or run the daemon rootless. Check volumes and images that rely on host uids before enabling it.",
    references: &["https://docs.docker.com/engine/security/userns-remap/"],
    runs: &[Run::Daemon(run)],
    wants: &[],
};

fn run(cfg: &DaemonConfig, sink: &mut Sink) {
    if !cfg.knows("userns-remap") {
        return; // not visible through a live daemon's API
    }
    if cfg.bool("rootless").is_some_and(|(b, _)| b) {
        return; // rootless mode isolates through a user namespace of its own
    }
    match cfg.str("userns-remap") {
        Some((v, _)) if !v.is_empty() => {}
        Some((_, loc)) => sink.report(
            "userns-remap is empty: container root is root on the host",
            Subject::at(loc),
            vec![],
        ),
        None => sink.report(
            "userns-remap is not set: container root is root on the host",
            Subject::at(&cfg.loc_of("userns-remap")),
            vec![],
        ),
    }
}
