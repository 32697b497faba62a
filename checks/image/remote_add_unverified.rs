use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::{BuildRecipe, RecipeKind};

pub const CHECK: Check = Check {
    id: "IMG014",
    name: "remote-add-unverified",
    title: "ADD of a URL without a checksum",
    severity: Severity::Medium,
    cis: &["4.9"],
    cis_kubernetes: &[],
    rationale: "`ADD https://…` fetches the file at build time and verifies nothing about what arrives: a changed or compromised upstream file lands in the image unseen, and two builds of the same Dockerfile can differ. BuildKit's `ADD --checksum=sha256:…` pins the content (and `ADD --checksum=<commit>` a git source); without it, the URL is a moving target. Checkov and Hadolint report remote ADD too. Judged in Dockerfiles only: an image's history records \
`ADD <url> <dest>` without the `--checksum` flag (BuildKit writes only `--chown`, `--chmod` and \
`--parents` into it), so a pinned and an unpinned fetch look the same there.",
    remediation: "Pin the content: `ADD --checksum=sha256:<digest> https://example.com/app.tar.gz /opt/`, or download in a `RUN` step and check it with `sha256sum -c` before use.",
    references: &["https://docs.docker.com/reference/dockerfile/#add---checksum"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

/// Whether an ADD's sources include a URL or a git remote.
pub(crate) fn is_remote(text: &str) -> bool {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c| matches!(c, '[' | ']' | '"' | ',')))
        .any(|w| {
            w.starts_with("http://")
                || w.starts_with("https://")
                || w.starts_with("git@")
                || w.starts_with("git://")
        })
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    if recipe.kind != RecipeKind::Dockerfile {
        return; // the history does not keep --checksum
    }
    for step in recipe
        .steps
        .iter()
        .filter(|s| s.instruction == "ADD" && !s.base_rootfs)
    {
        if is_remote(&step.text) && !step.text.contains("--checksum=") {
            sink.report(
                format!(
                    "ADD fetches a remote file without a checksum: {}",
                    step.describe
                ),
                step.subject.clone(),
                vec![("source", "remote".into())],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn remote_sources_in_both_forms() {
        assert!(super::is_remote("https://e.com/x.tgz /opt/"));
        assert!(super::is_remote(r#"["https://e.com/x.tgz", "/opt/"]"#));
        assert!(super::is_remote("git@github.com:o/r.git /src"));
        assert!(!super::is_remote("app.tar.gz /opt/"));
        assert!(!super::is_remote(r#"["app/", "/opt/https-app"]"#));
    }
}
