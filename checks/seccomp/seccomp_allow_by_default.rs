use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::seccomp::SeccompProfile;

pub const CHECK: Check = Check {
    id: "SCP001",
    name: "seccomp-allow-by-default",
    title: "Seccomp profile allows every syscall by default",
    severity: Severity::High,
    cis: &["5.22"],
    cis_kubernetes: &[],
    rationale: "A profile whose `defaultAction` is `SCMP_ACT_ALLOW` (or `SCMP_ACT_LOG`) lets every \
syscall it does not list run: it is no confinement at all, only a list of exceptions. The kernel \
attack surface that seccomp exists to cut — `keyctl`, `bpf`, `mount`, `unshare`, new syscalls \
added after the profile was written — stays open.",
    remediation: "Start from Docker's default profile (`defaultAction: SCMP_ACT_ERRNO` with an allow \
list) and add only the syscalls the workload needs. Generate a minimal list by tracing the \
workload (e.g. with `SCMP_ACT_LOG` in a test environment only).",
    references: &[
        "https://docs.docker.com/engine/security/seccomp/",
        "https://github.com/moby/moby/blob/master/profiles/seccomp/default.json",
    ],
    runs: &[Run::Seccomp(run)],
    wants: &[],
};

fn run(profile: &SeccompProfile, sink: &mut Sink) {
    match &profile.default_action {
        Some((action, loc)) if profile.allows_by_default() => sink.report(
            format!("defaultAction is {action}: every syscall not listed is allowed"),
            Subject::at(loc),
            vec![("defaultAction", action.clone())],
        ),
        None => sink.report(
            "the profile has no defaultAction; seccomp treats it as invalid or allows by default",
            Subject::at(&profile.root.with_field("defaultAction")),
            vec![],
        ),
        _ => {}
    }
}
