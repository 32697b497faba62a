use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;
use crate::model::container::{Platform, SeccompMode};

pub const CHECK: Check = Check {
    id: "CTR004",
    name: "seccomp-unconfined",
    title: "Container runs without a seccomp profile",
    severity: Severity::High,
    cis: &["5.22"],
    cis_kubernetes: &["5.6.2"],
    rationale: "Seccomp filters the syscalls a container may make; without it the whole kernel API — including the syscalls most container escapes use — is open. Docker applies its default profile unless told `seccomp:unconfined`; Kubernetes runs pods unconfined unless a `seccompProfile` is set (or the kubelet's default is changed), which is easy to miss.\n\nDiffers from Checkov, which accepts the `seccomp.security.alpha.kubernetes.io/pod` annotation: kubelets stopped reading it in Kubernetes 1.25, so a pod that relies on it runs unconfined; the finding says so.",
    remediation: "Compose: remove `seccomp:unconfined`. Kubernetes: set `securityContext.seccompProfile.type: RuntimeDefault` at pod level (or `Localhost` with a reviewed profile).",
    references: &["https://kubernetes.io/docs/tutorials/security/seccomp/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    match &spec.seccomp {
        Some(s) if s.value == SeccompMode::Unconfined => {
            sink.report(format!("{} runs with seccomp unconfined", spec.name), Subject::at(&s.loc), vec![])
        }
        None if spec.platform == Platform::Kubernetes => sink.report_at(
            Severity::Medium,
            match &spec.seccomp_alpha_annotation {
                Some(value) => format!("{} sets its seccomp profile only with the seccomp.security.alpha.kubernetes.io annotation ({value}), which kubelets ignore since Kubernetes 1.25: it runs unconfined unless the kubelet default is RuntimeDefault", spec.name),
                None => format!("{} sets no seccompProfile: Kubernetes runs it unconfined unless the kubelet default is RuntimeDefault", spec.name),
            },
            Subject::at(&spec.missing("seccomp")),
            vec![],
        ),
        _ => {}
    }
}
