use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;
use crate::model::container::Platform;

pub const CHECK: Check = Check {
    id: "CTR013",
    name: "runs-as-root",
    title: "Container runs as root",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &["5.2.7"],
    rationale: "Root in a container is root on the host's kernel, limited only by namespaces and capabilities; combined with any other weakness (a mount, a capability, a kernel bug) it becomes host root. In Kubernetes, a pod that neither sets `runAsNonRoot: true` nor a non-zero `runAsUser` runs as whatever user the image says — often root.\n\nJudges the user only. Differs from kube-linter's run-as-non-root, which also fails `runAsGroup: 0`: the root group is its own concern (the files the group may write), not this rule's.",
    remediation: "Run as an unprivileged user: compose `user: \"10001:10001\"`; Kubernetes `securityContext.runAsNonRoot: true` and `runAsUser: 10001`. Build the image with a `USER` too (IMG001).",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or("").trim();
    name == "root" || name == "0"
}

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    if let Some(u) = spec.user.as_ref().filter(|u| is_root(&u.value)) {
        sink.report(
            format!("{} runs as {}", spec.name, u.value),
            Subject::at(&u.loc),
            vec![("user", u.value.clone())],
        );
        return;
    }
    if spec.platform != Platform::Kubernetes || spec.user.is_some() {
        return; // without a user setting, compose and docker run use the image's USER (IMG001)
    }
    match &spec.run_as_non_root {
        Some(v) if v.value => {}
        Some(v) => sink.report_at(
            Severity::Medium,
            format!("{} sets runAsNonRoot: false and no runAsUser: it runs as the image's user, possibly root", spec.name),
            Subject::at(&v.loc),
            vec![],
        ),
        None => sink.report_at(
            Severity::Medium,
            format!("{} sets neither runAsNonRoot nor runAsUser: it runs as the image's user, possibly root", spec.name),
            Subject::at(&spec.missing("user")),
            vec![],
        ),
    }
}
