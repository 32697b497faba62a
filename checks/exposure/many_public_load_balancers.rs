use super::{Exposure, exposure, is_ingress_controller};
use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::model::kube::Cluster;

pub const CHECK: Check = Check {
    id: "EXP003",
    name: "many-public-load-balancers",
    title: "Several public load balancers instead of one ingress",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Each public load-balancer Service is its own door to the internet, with its own \
address, TLS, source ranges and logs to get right. One ingress controller behind one public load \
balancer gives one place for TLS, authentication, rate limits and a WAF, and keeps every other \
Service private. Judged only where the scan sees a whole set of manifests (a directory, or a \
rendered chart on standard input), never on the files a hook was handed or one admission \
request; reported once, on the second public load balancer, listing them all. The ingress \
controller's own Service does not count.",
    remediation: "Put the services behind the ingress controller (an `Ingress` or `HTTPRoute` per \
service) and make their Services `ClusterIP`; keep a load balancer of its own only for \
non-HTTP traffic, internal where it can be.",
    references: &["https://kubernetes.io/docs/concepts/services-networking/ingress/"],
    runs: &[Run::Cluster(run)],
    wants: &[],
};

fn run(cluster: &Cluster, settings: &Settings, sink: &mut Sink) {
    if !cluster.whole {
        return;
    }
    let public: Vec<_> = cluster
        .services
        .iter()
        .filter(|s| !is_ingress_controller(s, settings))
        .filter(|s| matches!(exposure(s, settings), Some(Exposure::Public(_))))
        .collect();
    let [_, second, ..] = public.as_slice() else {
        return;
    };
    let mut names: Vec<String> = public
        .iter()
        .map(|s| {
            format!(
                "{}/{}",
                s.object.namespace.as_deref().unwrap_or("default"),
                s.object.name
            )
        })
        .collect();
    names.sort();
    sink.report(
        format!(
            "{} Services get their own public load balancer ({}): route them through one ingress",
            names.len(),
            names.join(", ")
        ),
        // The list, not a line, identifies the finding: it survives edits elsewhere.
        Subject::at(
            &second
                .type_loc
                .with_field(format!("public-load-balancers:{}", names.join(","))),
        ),
        vec![("services", names.join(", "))],
    );
}
