use super::{Exposure, exposure, is_ingress_controller};
use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::model::kube::ServiceSpec;

pub const CHECK: Check = Check {
    id: "EXP001",
    name: "public-load-balancer",
    title: "Service gets an internet-facing load balancer",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A `type: LoadBalancer` Service is internet-facing unless its provider's own signal \
makes it internal, and each cloud has its own: AWS's in-tree provider reads \
`aws-load-balancer-internal` (any value but `\"false\"`), while the AWS Load Balancer Controller \
reads `aws-load-balancer-scheme` and defaults to internal — which of the two owns the Service \
comes from `loadBalancerClass` or `aws-load-balancer-type`, and when neither says, a \
`scheme: internal` annotation alone is reported as undecided; GKE reads \
`networking.gke.io/load-balancer-type: Internal` (and the older `cloud.google.com/…`) or an \
internal `loadBalancerClass`; Azure, IBM, OpenStack, Oracle, Alibaba, Tencent and Baidu have \
theirs. The message names the signal read. Private traffic belongs on internal load balancers; \
public traffic on the ingress controller's one load balancer, whose Service (in a well-known \
ingress controller namespace, or one named in `.stevedore.yaml` `kubernetes.ingress-namespaces`) \
is not reported. `kubernetes.provider` in `.stevedore.yaml` says which cloud's annotations \
count; `kubernetes.aws-load-balancer-controller: true` says the controller's webhook sets \
`loadBalancerClass` at admission, which a manifest in git cannot show.",
    remediation: "Make the load balancer internal with your provider's annotation (for example \
`service.beta.kubernetes.io/aws-load-balancer-scheme: internal` with the AWS Load Balancer \
Controller, `networking.gke.io/load-balancer-type: Internal` on GKE, \
`service.beta.kubernetes.io/azure-load-balancer-internal: \"true\"` on Azure), or route public \
traffic through the ingress controller and make this Service `ClusterIP`.",
    references: &[
        "https://kubernetes.io/docs/concepts/services-networking/service/#internal-load-balancer",
        "https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/service/annotations/",
    ],
    runs: &[Run::Service(run)],
    wants: &[],
};

fn run(svc: &ServiceSpec, settings: &Settings, sink: &mut Sink) {
    if is_ingress_controller(svc, settings) {
        return;
    }
    let (severity, message) = match exposure(svc, settings) {
        Some(Exposure::Public(why)) => (
            Severity::Medium,
            format!(
                "{} gets an internet-facing load balancer: {why}",
                svc.object.title()
            ),
        ),
        Some(Exposure::Unknown(why)) => (
            Severity::Low,
            format!(
                "{} may get an internet-facing load balancer: {why}",
                svc.object.title()
            ),
        ),
        _ => return,
    };
    sink.report_at(
        severity,
        message,
        Subject::at(&svc.type_loc),
        vec![("service", svc.object.title())],
    );
}
