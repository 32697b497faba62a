use crate::catalog::Subject;
use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::container::ContainerSpec;
use crate::model::recipe::{BuildRecipe, RecipeKind};
use crate::reference::is_latest;

pub const CHECK: Check = Check {
    id: "IMG006",
    name: "latest-tag",
    title: "Image referenced by the `latest` tag",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "`latest` (or no tag at all) names whatever was pushed last. Deployments and scans of \
`latest` do not say which build they saw, rollbacks are guesswork, and two nodes can run \
different images under one name. The same holds where a workload names its image: a compose \
service (unless it has `build:`, which names the image it builds) and a Kubernetes container, \
where `latest` also makes the default `imagePullPolicy` `Always`. A version tag without a digest \
is not reported: it is the ordinary way to pin, and digest pinning is a policy choice \
(compose-lint's CL-0019 reports it).",
    remediation: "Tag images with an immutable version (`app:1.4.2`, a git SHA) and deploy by that \
tag or, better, by digest (`app@sha256:…`).",
    references: &["https://kubernetes.io/docs/concepts/containers/images/#image-names"],
    runs: &[Run::Recipe(run), Run::Container(run_container)],
    wants: &[],
};

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    // A file scanned without any reference, or a Dockerfile `FROM scratch`, has no tag to judge.
    let Some((reference, subject)) = &recipe.reference else {
        return;
    };
    if is_latest(reference) {
        let what = match recipe.kind {
            RecipeKind::Image => format!("`{reference}` uses the latest tag"),
            RecipeKind::Dockerfile => format!(
                "base image `{reference}` is not pinned: no tag, or `latest`, and no digest"
            ),
        };
        sink.report(
            what,
            subject.clone(),
            vec![("reference", reference.clone())],
        );
    }
}

fn run_container(spec: &ContainerSpec, sink: &mut Sink) {
    if spec.build.is_some() {
        return; // compose builds this image here: `image:` names the result
    }
    let Some(image) = &spec.image else {
        return;
    };
    if is_latest(&image.value) {
        sink.report(
            format!(
                "{} runs `{}`: no tag, or `latest`, and no digest",
                spec.name, image.value
            ),
            Subject::at(&image.loc),
            vec![("reference", image.value.clone())],
        );
    }
}
