use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::DOCKER_DEFAULT_CAPS;
use crate::model::runtime::{CRIO_DEFAULT_CAPS, RuntimeConfig};

pub const CHECK: Check = Check {
    id: "CRI011",
    name: "runtime-default-capabilities",
    title: "Container runtime gives every container capabilities beyond its defaults",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "CRI-O's `default_capabilities` is what every container gets before its pod adds \
or drops any. CRI-O's own default is nine; Docker's five more (`MKNOD`, `NET_RAW`, `SETFCAP`, \
`SYS_CHROOT`, `AUDIT_WRITE`) were left out on purpose (`NET_RAW` lets a container forge packets \
and spoof ARP on its network), and anything beyond Docker's set widens every pod on the node \
(high). containerd's equivalent is a `base_runtime_spec`, the OCI spec every container of a \
runtime handler starts from: capabilities written there beyond Docker's default set are reported \
(high), read where the spec is (`stevedore node`); its seccomp profile is judged by the `SCP` \
rules.",
    remediation: "Remove the extra capabilities from CRI-O's `default_capabilities` or the \
containerd base spec's capability sets; a workload that needs one adds it in its own \
`securityContext.capabilities.add`, or gets a runtime handler of its own.",
    references: &[
        "https://github.com/cri-o/cri-o/blob/main/docs/crio.conf.5.md",
        "https://github.com/containerd/containerd/blob/main/docs/cri/config.md",
    ],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    for cap in cfg.default_capabilities.iter().flatten() {
        if CRIO_DEFAULT_CAPS.contains(&cap.value.as_str()) {
            continue;
        }
        let (severity, what) = if DOCKER_DEFAULT_CAPS.contains(&cap.value.as_str()) {
            (
                Severity::Medium,
                "one of Docker's defaults CRI-O leaves out",
            )
        } else {
            (Severity::High, "beyond even Docker's default set")
        };
        sink.report_at(
            severity,
            format!("CRI-O gives every container {} ({what})", cap.value),
            Subject::at(
                &cap.loc
                    .with_field(format!("{}:{}", cap.loc.field, cap.value)),
            ),
            vec![("capability", cap.value.clone())],
        );
    }
    for cap in &cfg.base_spec_capabilities {
        sink.report_at(
            Severity::High,
            format!(
                "the base runtime spec gives every container of this handler {} (beyond Docker's default set)",
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
