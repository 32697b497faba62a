use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::container::ContainerSpec;

pub const CHECK: Check = Check {
    id: "CTR018",
    name: "port-all-interfaces",
    title: "Published port listens on every host interface",
    severity: Severity::Low,
    cis: &["5.14"],
    cis_kubernetes: &[],
    rationale: "A port published without a host address is bound to 0.0.0.0 (and ::): every interface of the host, public ones included, reaches the container. Docker's own packet-filter rules for published ports are applied before host firewalls such as ufw or firewalld, so those do not close it.",
    remediation: "Bind the port to the address that needs it: `127.0.0.1:8080:80` (or `host_ip:` in compose's long syntax), `docker run -p 10.0.0.5:8080:80`, `hostIP:` next to a Kubernetes `hostPort` — or do not publish it and reach the service over a network.",
    references: &[
        "https://docs.docker.com/engine/network/packet-filtering-firewalls/",
        "https://docs.docker.com/reference/compose-file/services/#ports",
    ],
    runs: &[Run::Container(run)],
    wants: &[],
};

fn run(spec: &ContainerSpec, sink: &mut Sink) {
    for p in spec.ports.iter().filter(|p| p.on_all_interfaces()) {
        let what = match (p.host_port, p.container_port) {
            (0, Some(c)) => format!("container port {c} (on an ephemeral host port)"),
            (0, None) => "a port".to_string(),
            (h, _) => format!("host port {h}"),
        };
        sink.report(
            format!("{} publishes {what} on every host interface", spec.name),
            Subject::at(&p.loc.with_field(format!("{}:{}", p.loc.field, p.host_port))),
            vec![
                ("port", p.host_port.to_string()),
                ("host_ip", p.host_ip.clone().unwrap_or_default()),
            ],
        );
    }
}
