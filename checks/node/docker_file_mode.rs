use super::{describe, expected};
use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::node::{DockerFile, NodeConfig};

pub const CHECK: Check = Check {
    id: "NODE002",
    name: "docker-file-mode",
    title: "Docker host file writable or readable beyond what CIS allows",
    severity: Severity::Medium,
    cis: &[
        "3.2", "3.4", "3.6", "3.8", "3.10", "3.12", "3.14", "3.16", "3.18", "3.20", "3.21", "3.24",
    ],
    cis_kubernetes: &["4.1.1", "4.1.5", "4.1.7", "4.1.9"],
    rationale: "A unit file, `daemon.json` or options file others can write lets them change how a \
root daemon starts; a world-accessible API socket is root for every local user; a readable TLS \
key lets anyone impersonate the daemon. Modes are compared as permission bits: a file passes when \
it has no bit outside the allowed mode (0644 for units and configuration, 0755 for `/etc/docker`, \
0444 for certificates, 0400 for the TLS key, 0660 for sockets). Docker Bench compares the octal \
digits as decimal numbers, so it passes 0477 and fails 0700; this does not. The owner's own bits are not judged: the owner \
is root. A socket that exists \
only while Docker runs is judged by the `SocketMode` its `docker.socket` declares (systemd's \
default is 0666).",
    remediation: "`chmod` the file to the mode in the finding (or stricter); for the API socket set \
`SocketMode=0660` in `docker.socket`.",
    references: &["https://www.cisecurity.org/benchmark/docker"],
    runs: &[Run::Node(run)],
    wants: &[],
};

/// The group, other and special (setuid, setgid, sticky) bits outside `allowed`. The owner's
/// own bits widen nothing: the owner is root (NODE001 says when it is not).
fn excess(mode: u32, allowed: u32) -> u32 {
    mode & 0o7077 & !allowed
}

fn run(node: &NodeConfig, sink: &mut Sink) {
    for f in &node.files {
        let (_, _, allowed, control) = expected(f.role);
        let extra = excess(f.mode, allowed);
        if extra == 0 {
            continue;
        }
        let severity = match f.role {
            DockerFile::TlsKey | DockerFile::ApiSocket if extra & 0o007 != 0 => Severity::High,
            _ if extra & 0o002 != 0 => Severity::High,
            _ => Severity::Medium,
        };
        sink.report_at(
            severity,
            format!(
                "{} is mode {:04o}: bits {:04o} beyond {:04o}{}",
                describe(f),
                f.mode,
                extra,
                allowed,
                super::cis_note(control)
            ),
            Subject::at(&f.mode_loc),
            vec![
                ("mode", format!("{:04o}", f.mode)),
                ("cis", control.to_string()),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn modes_are_bits_not_numbers() {
        assert_eq!(super::excess(0o477, 0o644), 0o033);
        assert_eq!(
            super::excess(0o700, 0o644),
            0,
            "stricter for everyone but root"
        );
        assert_eq!(super::excess(0o600, 0o644), 0);
        assert_eq!(super::excess(0o4755, 0o755), 0o4000);
    }
}
