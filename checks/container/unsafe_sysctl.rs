use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::{ContainerSpec, Namespace, Platform};

pub const CHECK: Check = Check {
    id: "CTR021",
    name: "unsafe-sysctl",
    title: "Sysctl outside the safe set, or one Docker refuses",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A sysctl set for a container changes a kernel setting of its namespace — and some kernel settings are not namespaced at all, or reach other workloads (memory and socket buffers of the whole network namespace, IPC limits). The Pod Security Standards' baseline level allows only a safe set: `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`, `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports`, `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`, `net.ipv4.tcp_keepalive_intvl` and `net.ipv4.tcp_keepalive_probes`; the kubelet refuses pods with any other unless an administrator allows it (`--allowed-unsafe-sysctls`). Docker accepts only namespaced sysctls (`kernel.msgmax`, `kernel.msgmnb`, `kernel.msgmni`, `kernel.sem`, `kernel.shmall`, `kernel.shmmax`, `kernel.shmmni`, `kernel.shm_rmid_forced`, `fs.mqueue.*`, and `net.*` outside the host network): with any other the container does not start, which is reported as such (high).",
    remediation: "Keep to the safe set, or set the kernel parameter on the host (for node-wide tuning) and document why. For compose, remove sysctls Docker cannot namespace: the service will not start with them.",
    references: &[
        "https://kubernetes.io/docs/tasks/administer-cluster/sysctl-cluster/",
        "https://docs.docker.com/reference/cli/docker/container/run/#sysctl",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

/// The Pod Security Standards' safe set (baseline).
pub(crate) const SAFE: [&str; 10] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
];

/// IPC-namespaced sysctls Docker accepts by name.
const IPC: [&str; 8] = [
    "kernel.msgmax",
    "kernel.msgmnb",
    "kernel.msgmni",
    "kernel.sem",
    "kernel.shmall",
    "kernel.shmmax",
    "kernel.shmmni",
    "kernel.shm_rmid_forced",
];

/// Why Docker refuses a sysctl, if it does.
fn docker_refuses(name: &str, host_network: bool) -> Option<&'static str> {
    if IPC.contains(&name) || name.starts_with("fs.mqueue.") {
        None
    } else if name.starts_with("net.") {
        host_network.then_some("net.* sysctls are refused in the host's network namespace")
    } else {
        Some("it is not namespaced")
    }
}

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    let host_network = spec
        .host_namespaces
        .iter()
        .any(|(ns, _)| *ns == Namespace::Network);
    for sysctl in &spec.sysctls {
        let name = sysctl
            .value
            .split_once('=')
            .map_or(sysctl.value.as_str(), |(n, _)| n)
            .trim();
        // Sysctls are written with dots or slashes (`net/ipv4/…`).
        let name = name.replace('/', ".");
        let refused = match spec.platform {
            Platform::Compose | Platform::Docker => docker_refuses(&name, host_network),
            Platform::Kubernetes => None,
        };
        let subject = Subject::at(&sysctl.loc);
        let evidence = vec![("sysctl", name.clone())];
        if let Some(why) = refused {
            sink.report_at(
                Severity::High,
                format!("{} sets sysctl {name}, which Docker refuses ({why}): the container will not start", spec.name),
                subject,
                evidence,
            );
        } else if !SAFE.contains(&name.as_str()) {
            let consequence = if spec.platform == Platform::Kubernetes {
                "the kubelet refuses the pod unless --allowed-unsafe-sysctls lists it"
            } else {
                "it reaches beyond the container"
            };
            sink.report(
                format!(
                    "{} sets sysctl {name}, outside the Pod Security safe set: {consequence}",
                    spec.name
                ),
                subject,
                evidence,
            );
        }
    }
}
