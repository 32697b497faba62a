use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI015",
    name: "no-signature-policy",
    title: "Images accepted from anywhere without a signature",
    severity: Severity::Low,
    cis: &["4.5"],
    cis_kubernetes: &[],
    rationale: "containers-policy.json(5) decides which images CRI-O, Podman and Buildah accept. \
A `default` of `insecureAcceptAnything` accepts every image from every registry, signed or \
not, so nothing on the node checks that an image is the one its publisher built. It is the \
packaged default on most distributions, which is why this is low: the fix is a policy, not a \
switch.",
    remediation: "Make the default `reject` and allow each registry you use with `signedBy` or \
`sigstoreSigned` requirements (or, at least, name the registries allowed with \
`insecureAcceptAnything` per transport scope), and test it with `podman pull` before rolling \
it out.",
    references: &["https://github.com/containers/image/blob/main/docs/containers-policy.json.5.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if let Some(d) = cfg
        .signature_policy_default
        .as_ref()
        .filter(|d| d.value == "insecureAcceptAnything")
    {
        sink.report(
            "the signature policy accepts any image by default (insecureAcceptAnything)",
            Subject::at(&d.loc),
            vec![],
        );
    }
}
