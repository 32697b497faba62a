use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR005",
    name: "apparmor-unconfined",
    title: "Container runs without AppArmor",
    severity: Severity::High,
    cis: &["5.2"],
    cis_kubernetes: &[],
    rationale: "AppArmor's default container profile denies writes to `/proc` and `/sys` internals and mount operations. Running unconfined removes that layer on hosts that have it.",
    remediation: "Remove `apparmor:unconfined` (compose) or the `Unconfined` AppArmor profile (Kubernetes); use the runtime default or a custom profile.",
    references: &["https://docs.docker.com/engine/security/apparmor/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    if let Some(loc) = &spec.apparmor_unconfined {
        sink.report(
            format!("{} runs with AppArmor unconfined", spec.name),
            Subject::at(loc),
            vec![],
        );
    }
}
