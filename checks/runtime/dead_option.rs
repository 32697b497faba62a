use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI013",
    name: "runtime-dead-option",
    title: "Runtime option that no longer does anything",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A setting the runtime stopped reading still looks like protection to whoever \
reviews the file. CRI-O removed `seccomp_use_default_when_empty` in 1.30: a container without a \
profile now runs unconfined unless the kubelet's `seccompDefault` is on; `insecure_registries` \
stopped working in 1.35: `registries.conf` decides.",
    remediation: "Remove the option and make the setting where it now lives (the kubelet's \
`seccompDefault`, `registries.conf`).",
    references: &["https://github.com/cri-o/cri-o/blob/main/docs/crio.conf.5.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for d in &cfg.dead_options {
        sink.report(
            format!("no effect in {}: {}", cfg.kind.name(), d.value),
            Subject::at(&d.loc),
            vec![],
        );
    }
}
