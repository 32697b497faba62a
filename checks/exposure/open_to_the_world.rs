use super::{Exposure, everywhere, exposure, source_ranges};
use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::model::kube::{IngressSpec, ServiceSpec};

pub const CHECK: Check = Check {
    id: "EXP002",
    name: "load-balancer-open-to-the-world",
    title: "Public load balancer accepts clients from anywhere",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A public load balancer without `loadBalancerSourceRanges` (or the \
`service.beta.kubernetes.io/load-balancer-source-ranges` annotation), or with `0.0.0.0/0` or \
`::/0` in them, admits every address on the internet; an AWS ALB `Ingress` that is \
`internet-facing` without `alb.ingress.kubernetes.io/inbound-cidrs` admits `0.0.0.0/0` by \
default. Admin consoles, staging and internal APIs exposed this way are found by scanners within \
hours. A Service whose security groups are set with \
`service.beta.kubernetes.io/aws-load-balancer-security-groups` is not reported: the groups \
decide, and the controller ignores source ranges then. The ingress controller's own load \
balancer serves the public by design and is reported at low severity.",
    remediation: "List the client ranges that need the service in `loadBalancerSourceRanges` (an \
ALB: `alb.ingress.kubernetes.io/inbound-cidrs`), or make the load balancer internal.",
    references: &[
        "https://kubernetes.io/docs/tasks/access-application-cluster/create-external-load-balancer/#restrict-access-for-loadbalancer-service",
        "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#inbound-cidrs",
    ],
    runs: &[Run::Service(service), Run::Ingress(ingress)],
    wants: &[],
};

fn service(svc: &ServiceSpec, settings: &Settings, sink: &mut Sink) {
    if !matches!(exposure(svc, settings), Some(Exposure::Public(_)))
        || svc
            .object
            .annotation("service.beta.kubernetes.io/aws-load-balancer-security-groups")
            .is_some()
    {
        return;
    }
    let severity = if super::is_ingress_controller(svc, settings) {
        Severity::Low
    } else {
        Severity::Medium
    };
    let ranges = source_ranges(svc);
    match ranges.iter().find(|r| everywhere(&r.value)) {
        Some(r) => sink.report_at(
            severity,
            format!(
                "{}'s public load balancer admits {} (every address)",
                svc.object.title(),
                r.value
            ),
            Subject::at(&r.loc),
            vec![("range", r.value.clone())],
        ),
        None if ranges.is_empty() => sink.report_at(
            severity,
            format!(
                "{}'s public load balancer admits every address: no loadBalancerSourceRanges",
                svc.object.title()
            ),
            Subject::at(&svc.type_loc),
            vec![],
        ),
        None => {}
    }
}

fn ingress(ing: &IngressSpec, _settings: &Settings, sink: &mut Sink) {
    let Some(scheme) = ing
        .object
        .annotation("alb.ingress.kubernetes.io/scheme")
        .filter(|s| s.value.trim() == "internet-facing")
    else {
        return;
    };
    match ing.object.annotation("alb.ingress.kubernetes.io/inbound-cidrs") {
        None => sink.report(
            format!(
                "{} is an internet-facing ALB without alb.ingress.kubernetes.io/inbound-cidrs: it admits 0.0.0.0/0",
                ing.object.title()
            ),
            Subject::at(&scheme.loc),
            vec![],
        ),
        Some(c) if c.value.split(',').any(everywhere) => sink.report(
            format!(
                "{} is an internet-facing ALB whose inbound-cidrs admit every address ({})",
                ing.object.title(),
                c.value
            ),
            Subject::at(&c.loc),
            vec![("range", c.value.clone())],
        ),
        Some(_) => {}
    }
}
