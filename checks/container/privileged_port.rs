use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR015",
    name: "privileged-port",
    title: "Host port below 1024 published",
    severity: Severity::Low,
    cis: &["5.8"],
    cis_kubernetes: &[],
    rationale: "Ports below 1024 are privileged on the host: publishing one means the mapping is done with root privileges and the service competes with system services (ssh, DNS, mail) for well-known ports.",
    remediation: "Publish a high host port (8080, 8443) and put a load balancer or reverse proxy in front if the well-known port is required.",
    references: &["https://docs.docker.com/reference/cli/docker/container/run/#publish"],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for p in spec
        .ports
        .iter()
        .filter(|p| p.host_port > 0 && p.host_port < 1024)
    {
        sink.report(
            format!("{} publishes host port {}", spec.name, p.host_port),
            Subject::at(&p.loc.with_field(format!("{}:{}", p.loc.field, p.host_port))),
            vec![("port", p.host_port.to_string())],
        );
    }
}
