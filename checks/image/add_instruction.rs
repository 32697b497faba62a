use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

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
    runs: &[Run::Recipe(run)],
    wants: &[],
};

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for step in recipe
        .steps
        .iter()
        .filter(|s| s.instruction == "ADD" && !s.base_rootfs)
    {
        let text = step.text.trim();
        let remote =
            (text.contains("http://") || text.contains("https://") || text.contains("git@"))
                && !text.contains("--checksum=");
        if remote {
            sink.report_at(
                Severity::Medium,
                format!(
                    "ADD fetches a remote file without verifying it: {}",
                    step.describe
                ),
                step.subject.clone(),
                vec![("source", "remote".into())],
            );
        } else {
            sink.report(
                format!("ADD where COPY would do: {}", step.describe),
                step.subject.clone(),
                vec![("source", "local".into())],
            );
        }
    }
}
