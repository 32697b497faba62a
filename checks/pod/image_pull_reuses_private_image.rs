use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::kube::PodSpec;

pub const CHECK: Check = Check {
    id: "POD010",
    name: "image-pull-reuses-private-image",
    title: "Private image may be reused from the node's cache",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "A pod that pulls with `imagePullSecrets` comes from a private registry. With \
`imagePullPolicy: IfNotPresent` (the default for a tag other than `latest`, and for a digest) or \
`Never`, once one pod pulled the image onto a node, any other pod on that node — in any \
namespace, without the credentials — can start it by naming it. `Always` makes the kubelet check \
the registry with the pod's own credentials each time (cheap: layers stay cached); the \
`AlwaysPullImages` admission plugin or the kubelet's `KubeletEnsureSecretPulledImages` enforce \
that cluster-wide.",
    remediation: "Set `imagePullPolicy: Always` on containers of private images, or enable \
`AlwaysPullImages` / `KubeletEnsureSecretPulledImages` in the cluster.",
    references: &["https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy"],
    runs: &[Run::Pod(run)],
    wants: &[],
};

/// The kubelet's default pull policy for an image reference.
fn default_policy(image: &str) -> &'static str {
    let name = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') || (name.contains(':') && !name.ends_with(":latest")) {
        "IfNotPresent"
    } else {
        "Always"
    }
}

fn run(pod: &PodSpec, sink: &mut Sink) {
    if pod.pull_secrets.is_empty() {
        return;
    }
    for c in &pod.containers {
        let Some(image) = &c.image else { continue };
        let (policy, loc, how) = match &c.pull_policy {
            Some(p) => (p.value.as_str(), &p.loc, "set"),
            None => (
                default_policy(&image.value),
                &image.loc,
                "the default for this reference",
            ),
        };
        if policy == "Always" {
            continue;
        }
        sink.report(
            format!(
                "{} container {} pulls private image {} with imagePullPolicy {policy} ({how}): other pods on the node can start it without credentials",
                pod.object.title(),
                c.name,
                image.value
            ),
            Subject::at(&loc.with_field(format!("{}.imagePullPolicy", c.loc.field))),
            vec![("policy", policy.to_string())],
        );
    }
}
