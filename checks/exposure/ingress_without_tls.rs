use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::model::kube::IngressSpec;

pub const CHECK: Check = Check {
    id: "EXP006",
    name: "ingress-without-tls",
    title: "Ingress serves without TLS",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "An `Ingress` without `spec.tls` serves its hosts over plain HTTP: credentials and \
session cookies cross the network readable and changeable. Not reported where the load \
balancer terminates TLS itself, as an AWS ALB does with \
`alb.ingress.kubernetes.io/certificate-arn`, or GKE with `ingress.gcp.kubernetes.io/pre-shared-cert` \
or `networking.gke.io/managed-certificates`.",
    remediation: "Add `spec.tls` with the hosts and a Secret holding their certificate (cert-manager \
can issue it), and redirect HTTP to HTTPS.",
    references: &["https://kubernetes.io/docs/concepts/services-networking/ingress/#tls"],
    runs: &[Run::Ingress(run)],
    wants: &[],
};

/// Annotations by which the load balancer in front terminates TLS.
const TERMINATED_BY_THE_LOAD_BALANCER: [&str; 3] = [
    "alb.ingress.kubernetes.io/certificate-arn",
    "ingress.gcp.kubernetes.io/pre-shared-cert",
    "networking.gke.io/managed-certificates",
];

fn run(ing: &IngressSpec, _settings: &Settings, sink: &mut Sink) {
    if ing.tls
        || TERMINATED_BY_THE_LOAD_BALANCER
            .iter()
            .any(|a| ing.object.annotation(a).is_some())
    {
        return;
    }
    sink.report(
        format!(
            "{} has no spec.tls: its hosts are served over plain HTTP",
            ing.object.title()
        ),
        Subject::at(&ing.object.field("spec.tls")),
        vec![],
    );
}
