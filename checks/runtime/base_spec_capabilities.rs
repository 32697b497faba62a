use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI016",
    name: "base-spec-capabilities",
    title: "containerd's base runtime spec grants capabilities beyond Docker's default set",
    severity: Severity::High,
    cis: &["5.4"],
    cis_kubernetes: &[],
    rationale: "A `base_runtime_spec` is the OCI spec every container of that runtime handler \
starts from, before the pod's settings are applied. Capabilities written there, beyond Docker's \
default 14, are a floor no pod asked for, and any setting the runtime does not replace from the \
pod reaches every container. The spec's seccomp profile is judged by the `SCP` rules. Read where \
the spec is: on the node (`stevedore node`).",
    remediation: "Keep the base spec's capability sets to Docker's default set or fewer; give the \
workload that needs more its own runtime handler, or let it ask in its \
`securityContext.capabilities.add`.",
    references: &["https://github.com/containerd/containerd/blob/main/docs/cri/config.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for cap in &cfg.base_spec_capabilities {
        sink.report(
            format!(
                "the base runtime spec gives every container {} of this handler",
                cap.value
            ),
            Subject::at(
                &cap.loc
                    .with_field(format!("{}:{}", cap.loc.field, cap.value)),
            ),
            vec![("capability", cap.value.clone())],
        );
    }
}
