use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::NamespaceSpec;
use crate::pss::Level;

pub const CHECK: Check = Check {
    id: "POD002",
    name: "namespace-without-pod-security",
    title: "Namespace enforces no Pod Security level",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &["5.2.1"],
    rationale: "Without a `pod-security.kubernetes.io/enforce` label of `baseline` or `restricted`, \
a namespace gets the cluster's default, which is `privileged` unless the API server's admission \
configuration says otherwise: any pod may run privileged, share the host's namespaces or mount \
its filesystem there. `warn` and `audit` labels only report. The system namespaces \
(`kube-system`, `kube-public`, `kube-node-lease`) are not reported: they hold the node agents \
that need the host.",
    remediation: "Label the namespace `pod-security.kubernetes.io/enforce: restricted` (or \
`baseline` where workloads need it), with `enforce-version` pinned to the cluster's minor \
version; try it first with `warn` and `audit` at the same level.",
    references: &["https://kubernetes.io/docs/concepts/security/pod-security-admission/"],
    runs: &[Run::Namespace(run)],
    wants: &[],
};

const SYSTEM: [&str; 3] = ["kube-system", "kube-public", "kube-node-lease"];

fn run(ns: &NamespaceSpec, sink: &mut Sink) {
    if SYSTEM.contains(&ns.object.name.as_str()) {
        return;
    }
    match ns.enforce() {
        None => sink.report(
            format!(
                "namespace {} has no pod-security.kubernetes.io/enforce label: pods get the cluster default (privileged unless configured)",
                ns.object.name
            ),
            Subject::at(&ns.object.field("metadata.labels")),
            vec![],
        ),
        Some(v) => match Level::parse(&v.value) {
            Some(Level::Baseline | Level::Restricted) => {}
            Some(Level::Privileged) => sink.report(
                format!(
                    "namespace {} enforces Pod Security privileged: nothing is refused",
                    ns.object.name
                ),
                Subject::at(&v.loc),
                vec![],
            ),
            None => sink.report(
                format!(
                    "namespace {} enforces `{}`, which is not a Pod Security level: the API server refuses the label",
                    ns.object.name, v.value
                ),
                Subject::at(&v.loc),
                vec![],
            ),
        },
    }
}
