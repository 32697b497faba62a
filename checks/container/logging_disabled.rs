use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR023",
    name: "logging-disabled",
    title: "Container logging turned off",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "With the `none` log driver Docker discards everything the container writes to \
stdout and stderr: `docker logs` shows nothing, no collector receives anything, and after an \
incident there is no record of what the service did or was sent. Kubernetes has no such switch \
(the kubelet keeps container logs), so only compose and Docker are judged.",
    remediation: "Remove `logging: {driver: none}` to use the daemon's default driver, or name a \
driver that keeps or ships the logs (`json-file` or `local` with `max-size`/`max-file` to bound \
disk use, `journald`, `fluentd`, `syslog`…).",
    references: &["https://docs.docker.com/engine/logging/configure/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    if let Some(loc) = &spec.logging_disabled {
        sink.report(
            format!(
                "{} logs to the `none` driver: its output is discarded",
                spec.name
            ),
            Subject::at(loc),
            vec![],
        );
    }
}
