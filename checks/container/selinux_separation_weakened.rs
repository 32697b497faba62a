use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR020",
    name: "selinux-separation-weakened",
    title: "SELinux separation turned off or widened",
    severity: Severity::High,
    cis: &["5.2"],
    cis_kubernetes: &[],
    rationale: "On SELinux hosts (RHEL, Fedora, CentOS Stream, OpenShift), the container label (`container_t` with its own categories) is what keeps a process that escapes its namespaces away from the host's files and other containers. `label=disable` (compose `security_opt`, `docker run --security-opt`) turns it off; the type `spc_t` (\"super privileged container\") is unconfined by design; a label `user` or `role` of the workload's own choosing can lift it too. The Pod Security Standards' baseline level allows only the types `container_t`, `container_init_t`, `container_kvm_t` and `container_engine_t`, and no user or role. A privileged container is labelled `label=disable` by Docker itself; CTR001 reports it.",
    remediation: "Remove `label=disable` / `label:disable` and any `label=type:`, `user:` or `role:` option; to share files with the host, relabel the mount (`:z` or `:Z`) instead. In Kubernetes, leave `seLinuxOptions.type` unset or one of the allowed types, and never set `user` or `role`.",
    references: &[
        "https://docs.docker.com/reference/cli/docker/container/run/#security-opt",
        "https://kubernetes.io/docs/concepts/security/pod-security-standards/#baseline",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for weakened in &spec.selinux_weakened {
        sink.report(
            format!(
                "{} weakens SELinux separation: {}",
                spec.name, weakened.value
            ),
            Subject::at(&weakened.loc),
            vec![("selinux", weakened.value.clone())],
        );
    }
}
