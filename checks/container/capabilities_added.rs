use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::DOCKER_DEFAULT_CAPS;
use crate::model::container::{ContainerSpec, Namespace};

pub const CHECK: Check = Check {
    id: "CTR002",
    name: "capabilities-added",
    title: "Capabilities added beyond Docker's default set",
    severity: Severity::High,
    cis: &["5.4"],
    cis_kubernetes: &[],
    rationale: "Docker starts containers with 14 capabilities. Each one added widens what a compromised process can do to the host, and the finding says how, by group: escape to the host (critical: `ALL`, `SYS_ADMIN`, `SYS_MODULE`, `SYS_RAWIO`, `DAC_READ_SEARCH`, `BPF`, and `SYS_PTRACE` with the host PID namespace; without it `SYS_PTRACE` reaches the container's own processes, high), the host network (`NET_ADMIN`) and host-wide settings no namespace isolates (`SYS_TIME`, `SYS_BOOT`, `MAC_ADMIN`, `MAC_OVERRIDE`, `AUDIT_CONTROL`) at high, disclosure (`SYSLOG`, `PERFMON`, `AUDIT_READ`, `CHECKPOINT_RESTORE`) and availability (`SYS_NICE`, `SYS_RESOURCE`, `IPC_LOCK`, `LEASE`, `WAKE_ALARM`, `BLOCK_SUSPEND`) at medium; any other capability outside the default set is high. Compose-lint splits these groups into six rules; one concept here, with the group in the message. Differs from compose-lint on `DAC_READ_SEARCH`, which it grades as needing a host bind mount to escape: every Docker container has some (`/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname` are bind-mounted from the host), which is what the `open_by_handle_at` escape needs.",
    remediation: "Remove the capability, or keep only the one the workload provably needs and document why. Prefer dropping `ALL` and adding back individual capabilities.",
    references: &[
        "https://docs.docker.com/engine/containers/run/#runtime-privilege-and-linux-capabilities",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

/// What an added capability reaches, in groups, with the severity of each (capabilities(7)).
/// Escape: known ways out of the container. Host-wide: settings no namespace isolates.
const REACH: [(&str, &str, Severity); 24] = [
    (
        "ALL",
        "escape to the host: every capability",
        Severity::Critical,
    ),
    (
        "SYS_ADMIN",
        "escape to the host: mount, namespaces, cgroups",
        Severity::Critical,
    ),
    (
        "SYS_MODULE",
        "escape to the host: loads kernel modules",
        Severity::Critical,
    ),
    (
        "SYS_RAWIO",
        "escape to the host: raw I/O ports and devices",
        Severity::Critical,
    ),
    (
        "SYS_PTRACE",
        "other processes of the container: traces and injects into them",
        Severity::High,
    ),
    (
        "DAC_READ_SEARCH",
        "escape to the host: opens host files by handle through its bind mounts",
        Severity::Critical,
    ),
    (
        "BPF",
        "escape to the host: loads BPF programs into the kernel",
        Severity::Critical,
    ),
    (
        "NET_ADMIN",
        "host network: interfaces, routes, firewall of its namespace",
        Severity::High,
    ),
    (
        "SYS_TIME",
        "host-wide: sets the host's clock",
        Severity::High,
    ),
    ("SYS_BOOT", "host-wide: reboot and kexec", Severity::High),
    (
        "MAC_ADMIN",
        "host-wide: changes the AppArmor/SELinux policy",
        Severity::High,
    ),
    (
        "MAC_OVERRIDE",
        "host-wide: overrides the AppArmor/SELinux policy",
        Severity::High,
    ),
    (
        "AUDIT_CONTROL",
        "host-wide: changes the audit rules",
        Severity::High,
    ),
    (
        "LINUX_IMMUTABLE",
        "files: sets immutable and append-only flags",
        Severity::Medium,
    ),
    (
        "SYSLOG",
        "disclosure: reads the kernel log and kernel addresses",
        Severity::Medium,
    ),
    (
        "PERFMON",
        "disclosure: observes the host through perf events",
        Severity::Medium,
    ),
    (
        "AUDIT_READ",
        "disclosure: reads the host's audit log",
        Severity::Medium,
    ),
    (
        "CHECKPOINT_RESTORE",
        "disclosure: reads and restores process state",
        Severity::Medium,
    ),
    (
        "SYS_NICE",
        "availability: raises priorities over the host's processes",
        Severity::Medium,
    ),
    (
        "SYS_RESOURCE",
        "availability: overrides resource limits",
        Severity::Medium,
    ),
    ("IPC_LOCK", "availability: locks memory", Severity::Medium),
    (
        "LEASE",
        "availability: leases files other processes open",
        Severity::Medium,
    ),
    (
        "WAKE_ALARM",
        "availability: wakes a suspended host",
        Severity::Medium,
    ),
    (
        "BLOCK_SUSPEND",
        "availability: keeps the host from suspending",
        Severity::Medium,
    ),
];

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for cap in &spec.cap_add {
        if DOCKER_DEFAULT_CAPS.contains(&cap.value.as_str()) {
            continue;
        }
        let host_pid = spec
            .host_namespaces
            .iter()
            .any(|(ns, _)| *ns == Namespace::Pid);
        let (reach, severity) = if cap.value == "SYS_PTRACE" && host_pid {
            (
                "escape to the host: traces and injects into the host's processes (host PID namespace)",
                Severity::Critical,
            )
        } else {
            REACH.iter().find(|(name, _, _)| *name == cap.value).map_or(
                ("beyond Docker's default set", Severity::High),
                |(_, r, s)| (*r, *s),
            )
        };
        sink.report_at(
            severity,
            format!("{} adds capability {} ({reach})", spec.name, cap.value),
            Subject::at(
                &cap.loc
                    .with_field(format!("{}:{}", cap.loc.field, cap.value)),
            ),
            vec![
                ("capability", cap.value.clone()),
                ("reach", reach.to_string()),
            ],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Loc;
    use crate::model::container::{Platform, Val};
    use std::sync::Arc;

    fn severities(caps: &[&str], host_pid: bool) -> Vec<Option<Severity>> {
        let file: Arc<str> = Arc::from("compose.yaml");
        let loc = Loc::new(&file, Default::default(), "services.app");
        let mut spec = ContainerSpec::new(Platform::Compose, "service app".into(), loc.clone());
        spec.cap_add = caps
            .iter()
            .map(|c| Val::new(c.to_string(), loc.clone()))
            .collect();
        if host_pid {
            spec.host_namespaces.push((Namespace::Pid, loc));
        }
        let mut sink = Sink::default();
        run(&spec, &mut sink);
        sink.into_findings()
            .into_iter()
            .map(|f| f.severity)
            .collect()
    }

    #[test]
    fn graded_by_what_the_capability_reaches() {
        use Severity::*;
        assert_eq!(
            severities(
                &[
                    "SYS_ADMIN",
                    "NET_ADMIN",
                    "SYSLOG",
                    "SYS_PTRACE",
                    "CHOWN",
                    "IPC_OWNER"
                ],
                false
            ),
            [
                Some(Critical),
                Some(High),
                Some(Medium),
                Some(High),
                Some(High)
            ],
            "CHOWN is a default capability"
        );
        assert_eq!(severities(&["SYS_PTRACE"], true), [Some(Critical)]);
    }
}
