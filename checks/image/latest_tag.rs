use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::reference::{familiar, means_latest};

pub const CHECK: Check = Check {
    id: "IMG006",
    name: "latest-tag",
    title: "Image referenced by the `latest` tag",
    severity: Severity::Low,
    cis: &[],
    rationale: "`latest` (or no tag at all) names whatever was pushed last. Deployments and scans of \
`latest` do not say which build they saw, rollbacks are guesswork, and two nodes can run \
different images under one name.",
    remediation: "Tag images with an immutable version (`app:1.4.2`, a git SHA) and deploy by that \
tag or, better, by digest (`app@sha256:…`).",
    references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    runs: &[Run::Image(run)],
    wants: &[],
};

fn run(image: &Image, sink: &mut Sink) {
    // A file scanned without any reference has no tag to judge.
    let Some(reference) = image.reference() else {
        return;
    };
    let reference = familiar(reference);
    if means_latest(reference) {
        sink.report(
            format!("`{reference}` uses the latest tag"),
            Subject::config("reference"),
            vec![("reference", reference.to_string())],
        );
    }
}
