use super::base::{BaseClass, classify};
use crate::catalog::{Check, Run, Settings, Severity, Sink, Subject};
use crate::image::Image;

pub const CHECK: Check = Check {
    id: "OS004",
    name: "unknown-base",
    title: "Base OS could not be identified",
    severity: Severity::Info,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "The image has a userland (a shell, a package manager or packages) but no \
`/etc/os-release` or other identification, so the base-OS rules cannot say what it is or \
whether it is supported. Reported so that it is clear detection ran; images that hold only an \
application (scratch) are not reported.",
    remediation: "Keep `/etc/os-release` in the image (distroless and chiseled images do), so \
scanners can identify the base and its lifecycle.",
    references: &["https://www.freedesktop.org/software/systemd/man/latest/os-release.html"],
    runs: &[Run::ImageWithSettings(run)],
    wants: &[],
};

fn run(image: &Image, settings: &Settings, sink: &mut Sink) {
    let inv = &image.inventory;
    let class = classify(image, settings.minimal_max_packages);
    if inv.os.is_some() || class == BaseClass::Scratch || image.fs.is_empty() {
        return;
    }
    sink.report(
        format!(
            "no OS identification in a {} image with {} paths",
            serde_json::to_value(class)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
            image.fs.len()
        ),
        Subject::ImageFile {
            path: "/etc/os-release".into(),
            layer: 0,
            deleted_in: None,
        },
        vec![],
    );
}
