use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::runtime::RuntimeConfig;

pub const CHECK: Check = Check {
    id: "CRI009",
    name: "sandbox-image-unpinned",
    title: "Pod sandbox (pause) image not pinned by digest",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Every pod on the node starts with the sandbox image, which holds its namespaces. \
Named by tag, it is whatever the registry serves under that tag when the node first pulls it; \
pinned by digest, it is the image that was reviewed.",
    remediation: "Name it by digest: `sandbox_image` / `pinned_images.sandbox` (containerd) or \
`pause_image` (CRI-O) = `registry.k8s.io/pause:3.10@sha256:…`, from a registry the node trusts.",
    references: &["https://github.com/containerd/containerd/blob/main/docs/cri/config.md"],
    runs: &[Run::Runtime(run)],
    wants: &[],
};

fn run(cfg: &RuntimeConfig, sink: &mut Sink) {
    if let Some(image) = cfg
        .sandbox_image
        .as_ref()
        .filter(|i| !i.value.contains("@sha256:"))
    {
        sink.report(
            format!("sandbox image {} is not pinned by digest", image.value),
            Subject::at(&image.loc),
            vec![("image", image.value.clone())],
        );
    }
}
