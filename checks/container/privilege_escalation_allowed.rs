use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR006",
    name: "privilege-escalation-allowed",
    title: "Processes may gain privileges (no no-new-privileges)",
    severity: Severity::Medium,
    cis: &["5.26"],
    cis_kubernetes: &["5.2.6"],
    rationale: "Without `no-new-privileges` (Kubernetes: `allowPrivilegeEscalation: false`), a process in the container can gain privileges by running a setuid binary or a file with capabilities — the usual path from a compromised unprivileged service to root inside the container.",
    remediation: "Compose: `security_opt: [\"no-new-privileges:true\"]` (or set it daemon-wide in daemon.json). Kubernetes: `securityContext.allowPrivilegeEscalation: false`.",
    references: &["https://kubernetes.io/docs/tasks/configure-pod-container/security-context/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    match &spec.no_new_privileges {
        Some(v) if v.value => {}
        Some(v) => sink.report(
            format!("{} allows privilege escalation", spec.name),
            Subject::at(&v.loc),
            vec![],
        ),
        None => sink.report(
            format!(
                "{} does not set no-new-privileges: setuid binaries can raise privileges",
                spec.name
            ),
            Subject::at(&spec.missing("no_new_privileges")),
            vec![],
        ),
    }
}
