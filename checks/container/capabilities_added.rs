use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;
use crate::model::container::DOCKER_DEFAULT_CAPS;

pub const CHECK: Check = Check {
    id: "CTR002",
    name: "capabilities-added",
    title: "Capabilities added beyond Docker's default set",
    severity: Severity::High,
    cis: &["5.4"],
    rationale: "Docker starts containers with 14 capabilities. Each one added widens what a compromised process can do to the host: `SYS_ADMIN` is close to full root, `SYS_MODULE` loads kernel code, `SYS_PTRACE` and `DAC_READ_SEARCH` break isolation, `NET_ADMIN` reconfigures networking.",
    remediation: "Remove the capability, or keep only the one the workload provably needs and document why. Prefer dropping `ALL` and adding back individual capabilities.",
    references: &[
        "https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

const ESCAPE: [&str; 7] = [
    "ALL",
    "SYS_ADMIN",
    "SYS_MODULE",
    "SYS_PTRACE",
    "DAC_READ_SEARCH",
    "SYS_RAWIO",
    "BPF",
];

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for cap in &spec.cap_add {
        if DOCKER_DEFAULT_CAPS.contains(&cap.value.as_str()) {
            continue;
        }
        let severity = if ESCAPE.contains(&cap.value.as_str()) {
            Severity::Critical
        } else {
            Severity::High
        };
        sink.report_at(
            severity,
            format!("{} adds capability {}", spec.name, cap.value),
            Subject::at(
                &cap.loc
                    .with_field(format!("{}:{}", cap.loc.field, cap.value)),
            ),
            vec![("capability", cap.value.clone())],
        );
    }
}
