use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG007",
    name: "sensitive-port",
    title: "Image exposes a remote-administration port",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Ports such as SSH, Telnet, RDP, VNC or the Docker and Kubernetes control APIs mean the \
container runs a remote-administration service. Containers are managed through the orchestrator \
(`docker exec`, `kubectl exec`); a login service inside one widens the attack surface and usually \
ships with weak or shared credentials. An exposed Docker API (2375) is root on the host.",
    remediation: "Remove the administration service and its `EXPOSE` line; use `docker exec` / \
`kubectl exec` (or an ephemeral debug container) to get a shell when needed.",
    references: &["https://docs.docker.com/reference/dockerfile/#expose"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

/// (port, service, severity).
const PORTS: [(u16, &str, Severity); 17] = [
    (21, "FTP", Severity::Medium),
    (22, "SSH", Severity::Medium),
    (23, "Telnet", Severity::High),
    (111, "rpcbind", Severity::Medium),
    (135, "MS RPC", Severity::Medium),
    (139, "NetBIOS", Severity::Medium),
    (445, "SMB", Severity::Medium),
    (2375, "Docker API without TLS", Severity::Critical),
    (2376, "Docker API", Severity::High),
    (2379, "etcd client API", Severity::High),
    (2380, "etcd peer API", Severity::High),
    (3389, "RDP", Severity::Medium),
    (5900, "VNC", Severity::Medium),
    (5985, "WinRM", Severity::Medium),
    (5986, "WinRM over TLS", Severity::Medium),
    (6443, "Kubernetes API", Severity::High),
    (10250, "kubelet API", Severity::High),
];

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for (spec, subject) in &recipe.exposed {
        let port: Option<u16> = spec.split('/').next().and_then(|p| p.parse().ok());
        let Some(&(port, service, severity)) = PORTS.iter().find(|(p, _, _)| Some(*p) == port)
        else {
            continue;
        };
        sink.report_at(
            severity,
            format!("EXPOSE {spec}: {service} (port {port})"),
            subject.clone(),
            vec![("port", port.to_string()), ("service", service.to_string())],
        );
    }
}
