use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::model::kube::ServiceSpec;

pub const CHECK: Check = Check {
    id: "EXP005",
    name: "service-external-ips",
    title: "Service claims external IPs",
    severity: Severity::High,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "`spec.externalIPs` makes every node route traffic for those addresses to the \
Service. Anyone who may create a Service can name any address this way and intercept the \
cluster's traffic to it (CVE-2020-8554, unfixed in Kubernetes by design); the mitigation is to \
refuse the field at admission (`DenyServiceExternalIPs`). A manifest that relies on it either \
needs that door left open or is itself the interception.",
    remediation: "Use a `LoadBalancer` Service or an ingress instead; enable the \
`DenyServiceExternalIPs` admission plugin, or allow only reviewed addresses with a policy.",
    references: &[
        "https://github.com/kubernetes/kubernetes/issues/97076",
        "https://kubernetes.io/docs/concepts/services-networking/service/#external-ips",
    ],
    runs: &[Run::Service(run)],
    wants: &[],
};

fn run(svc: &ServiceSpec, _settings: &Settings, sink: &mut Sink) {
    for ip in &svc.external_ips {
        sink.report(
            format!(
                "{} claims external IP {}: traffic for it from every node goes to this Service (CVE-2020-8554)",
                svc.object.title(),
                ip.value
            ),
            Subject::at(&ip.loc),
            vec![("ip", ip.value.clone())],
        );
    }
}
