use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::model::kube::{ServiceSpec, ServiceType};

pub const CHECK: Check = Check {
    id: "EXP004",
    name: "node-port-service",
    title: "Service opens a port on every node",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A `NodePort` Service listens on the port on every node's addresses, bypassing \
whatever fronts the cluster. Nodes without public addresses are what make that safe — keep them \
so — and then the port is still open to everything that reaches the nodes' network. \
`LoadBalancer` Services allocate node ports too, but the load balancer is the intended door and \
they are judged by the load-balancer rules.",
    remediation: "Use `ClusterIP` behind an ingress, or an internal `LoadBalancer`; if a NodePort \
is needed, restrict who reaches the nodes' port range with security groups or network policy.",
    references: &["https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport"],
    runs: &[Run::Service(run)],
    wants: &[],
};

fn run(svc: &ServiceSpec, _settings: &Settings, sink: &mut Sink) {
    if svc.service_type != ServiceType::NodePort {
        return;
    }
    let ports: Vec<String> = svc.node_ports.iter().map(|p| p.value.to_string()).collect();
    let which = if ports.is_empty() {
        "an allocated port".to_string()
    } else {
        format!("port {}", ports.join(", "))
    };
    sink.report(
        format!(
            "{} opens {which} on every node's addresses (type: NodePort)",
            svc.object.title()
        ),
        Subject::at(&svc.type_loc),
        vec![],
    );
}
