use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::{ContainerSpec, DOCKER_DEFAULT_CAPS};

pub const CHECK: Check = Check {
    id: "CTR003",
    name: "capabilities-not-dropped",
    title: "Capabilities not dropped",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &["5.2.8", "5.2.9"],
    rationale: "Most services need none of Docker's 14 default capabilities (or one of them). Keeping them all means a compromised process can still `chown` any file, bypass file permissions with `DAC_OVERRIDE`, forge packets with `NET_RAW` or create device nodes.\n\nDropping each of the 14 by name leaves the container exactly what `drop: [ALL]` leaves it, so this rule accepts both (as Polaris does). Differs from a Pod Security `restricted` verdict, which requires `ALL` literally.",
    remediation: "Drop all capabilities and add back only what is needed: `cap_drop: [ALL]` (compose) or `securityContext.capabilities.drop: [ALL]` (Kubernetes).",
    references: &[
        "https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    let dropped = |cap: &str| spec.cap_drop.iter().any(|c| c.value == cap);
    if dropped("ALL") || DOCKER_DEFAULT_CAPS.iter().all(|cap| dropped(cap)) {
        return;
    }
    sink.report(
        format!(
            "{} keeps the default capabilities (no drop of ALL)",
            spec.name
        ),
        Subject::at(&spec.missing("cap_drop")),
        vec![],
    );
}
