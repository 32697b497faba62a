use crate::catalog::{Check, Run, Severity, Sink};
use crate::image::Image;

pub const CHECK: Check = Check {
    id: "IMG004",
    name: "add-instruction",
    title: "ADD used instead of COPY",
    severity: Severity::Low,
    cis: &["4.9"],
    rationale: "`ADD` does more than copy: it fetches URLs without verifying what arrives and \
unpacks local archives implicitly, so a changed upstream file or a crafted tarball lands in the \
image unnoticed. `COPY` does only what it says.",
    remediation: "Use `COPY` for local files. For remote files, download with a pinned checksum in a \
`RUN` step (or `ADD --checksum=sha256:…` with BuildKit), and extract archives explicitly.",
    references: &["https://docs.docker.com/build/building/best-practices/#add-or-copy"],
    runs: &[Run::Image(run)],
    wants: &[],
};

fn run(image: &Image, sink: &mut Sink) {
    let mut first_add = true;
    for (index, _, step) in image.steps() {
        if !step.is("ADD") {
            continue;
        }
        let text = step.text.trim();
        // The base image's root filesystem (its first ADD, into `/`: `ADD file:… in /`) is how
        // every base image is made; it is not this image's choice.
        let is_first = std::mem::replace(&mut first_add, false);
        if is_first && (text.ends_with(" in /") || text.ends_with(" /")) {
            continue;
        }
        let remote =
            (text.contains("http://") || text.contains("https://") || text.contains("git@"))
                && !text.contains("--checksum=");
        let detail = image.describe_step(index);
        if remote {
            sink.report_at(
                Severity::Medium,
                format!("ADD fetches a remote file without verifying it: {detail}"),
                image.history_subject(index),
                vec![("source", "remote".into())],
            );
        } else {
            sink.report(
                format!("ADD where COPY would do: {detail}"),
                image.history_subject(index),
                vec![("source", "local".into())],
            );
        }
    }
}
