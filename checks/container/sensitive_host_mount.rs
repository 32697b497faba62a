use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR009",
    name: "sensitive-host-mount",
    title: "Sensitive host directory mounted",
    severity: Severity::High,
    cis: &["5.6"],
    rationale: "Mounting `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/lib` or `/usr` from the host gives the container the host's credentials, kernel interfaces and binaries; writable, it can plant a backdoor that runs as root on the host. Read-only single files under `/etc` (such as `/etc/localtime`) are not reported.",
    remediation: "Mount only the specific file or directory the workload needs, read-only where possible, and never the host's system directories.",
    references: &["https://docs.docker.com/engine/storage/bind-mounts/"],
    runs: &[Run::Container(run)],
    wants: &[],
};

const EXACT: [&str; 8] = [
    "/", "/boot", "/dev", "/etc", "/lib", "/proc", "/sys", "/usr",
];
/// Below these, even read-only mounts expose kernel or device interfaces.
const KERNEL: [&str; 4] = ["/proc", "/sys", "/dev", "/boot"];
/// Below these, read-only mounts of single items are common and fine.
const SYSTEM: [&str; 3] = ["/etc", "/lib", "/usr"];

fn clean(path: &str) -> &str {
    if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    }
}

fn under(path: &str, dirs: &[&str]) -> bool {
    dirs.iter().any(|d| path.starts_with(&format!("{d}/")))
}

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for m in &spec.mounts {
        let source = clean(&m.source);
        let severity = if EXACT.contains(&source) {
            Severity::High
        } else if under(source, &KERNEL) {
            if m.read_only {
                Severity::Medium
            } else {
                Severity::High
            }
        } else if under(source, &SYSTEM) && !m.read_only {
            Severity::Medium
        } else {
            continue;
        };
        let mode = if m.read_only { "read-only" } else { "writable" };
        sink.report_at(
            severity,
            format!(
                "{} mounts the host's {source} ({mode}) at {}",
                spec.name, m.target
            ),
            Subject::at(&m.loc.with_field(format!("{}:{source}", m.loc.field))),
            vec![("source", source.to_string()), ("mode", mode.to_string())],
        );
    }
}
