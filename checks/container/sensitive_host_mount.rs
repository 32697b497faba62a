use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR009",
    name: "sensitive-host-mount",
    title: "Sensitive host directory mounted",
    severity: Severity::High,
    cis: &["5.6"],
    cis_kubernetes: &[],
    rationale: "Mounting the host's system directories gives the container the host's credentials, kernel interfaces and binaries; writable, it can plant a backdoor that runs as root on the host. The paths, and why each counts:\n\n\
| host path | judged | why |\n|---|---|---|\n\
| `/` | high, any mode | everything below |\n\
| `/etc` | high; below it, medium when writable | credentials, `sudoers`, cron, systemd units; read-only single files (`/etc/localtime`) are fine |\n\
| `/proc`, `/sys`, `/boot` | high; below them, high when writable, medium read-only | kernel and firmware interfaces, the kernel image |\n\
| `/dev` | high; below it, high when writable, medium read-only | raw devices (`/dev/mem`, disks) |\n\
| `/dev/log` | low | the syslog socket: the container can write the host's logs, nothing more |\n\
| `/lib`, `/usr` | high | the host's libraries and programs |\n\
| `/bin`, `/sbin`, `/lib64`, `/usr/bin`, `/usr/sbin`, `/usr/lib`, `/usr/lib64`, `/usr/libexec`, `/usr/local/bin`, `/usr/local/sbin`, `/usr/local/lib` and below | medium when writable | programs and libraries the host runs as root |\n\n\
Application data elsewhere under `/usr` (`/usr/share/appdata/<app>/config`) is not a system path and is not reported. The Docker and containerd sockets are CTR010's.",
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
/// Below these, writable mounts let the container change what the host runs or trusts; read-only
/// mounts of single items are common and fine.
const SYSTEM: [&str; 14] = [
    "/etc",
    "/lib",
    "/lib64",
    "/bin",
    "/sbin",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
    "/usr/lib64",
    "/usr/libexec",
    "/usr/local/bin",
    "/usr/local/sbin",
    "/usr/local/lib",
    "/usr/local/libexec",
];
/// Sockets and devices below `/dev` that reach less than a device: the syslog socket.
const LOW: [&str; 1] = ["/dev/log"];

fn clean(path: &str) -> &str {
    if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    }
}

fn under(path: &str, dirs: &[&str]) -> bool {
    dirs.iter()
        .any(|d| path == *d || path.starts_with(&format!("{d}/")))
}

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for m in &spec.mounts {
        let source = clean(&m.source);
        let severity = if EXACT.contains(&source) {
            Severity::High
        } else if LOW.contains(&source) {
            Severity::Low
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
