use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR019",
    name: "system-paths-unmasked",
    title: "Kernel paths under /proc and /sys are unmasked",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Container runtimes hide parts of `/proc` and `/sys` that describe or steer the host kernel (`/proc/kcore`, `/proc/keys`, `/sys/firmware`) and mount others read-only (`/proc/sys`, `/proc/sysrq-trigger`). Turned off, root in the container can read kernel memory, write kernel settings that are not namespaced — `/proc/sys/kernel/core_pattern` runs a program *on the host* — or crash the host through sysrq. Docker's `systempaths=unconfined`, Podman's `unmask=` and Kubernetes' `procMount: Unmasked` all do this; the Pod Security Standards' baseline level forbids it.",
    remediation: "Remove `systempaths=unconfined` or `unmask=…` from `security_opt`, or `procMount: Unmasked` from the container's `securityContext` (leave it unset or `Default`). Nested container runtimes that need an unmasked `/proc` belong in a user namespace (`hostUsers: false`), away from production workloads.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/#security-opt",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    if let Some(loc) = &spec.system_paths_unmasked {
        sink.report(
            format!(
                "{} unmasks the kernel's paths under /proc and /sys",
                spec.name
            ),
            Subject::at(loc),
            vec![],
        );
    }
}
