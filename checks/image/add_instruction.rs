use crate::catalog::{Check, Run, Severity, Sink};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG004",
    name: "add-instruction",
    title: "ADD used instead of COPY",
    severity: Severity::Low,
    cis: &["4.9"],
    cis_kubernetes: &[],
    rationale: "`ADD` does more than copy: it fetches URLs and unpacks local archives implicitly. \
Unpacking a local archive is what `ADD` is for and is not reported; a URL is IMG014's. What is \
left is `ADD` of a plain local file or directory, where `COPY` does the same without the hidden \
behaviours (a file that happens to be an archive gets unpacked). In a history written by the \
classic builder the source is only `file:<hash>`, which cannot be told from an archive, so it is \
reported. Agrees with Hadolint's DL3020, except for `.zip`, which `ADD` copies without unpacking \
(it unpacks tar, alone or compressed with gzip, bzip2 or xz). Differs from Checkov's CKV_DOCKER_4, \
which reports every `ADD`: an archive unpacked by `ADD` is the documented use, a rule that fires on \
it gets suppressed wholesale, and a URL is reported by IMG014 with the reason it matters.",
    remediation: "Use `COPY` for local files and directories; keep `ADD` for local archives you mean \
to unpack.",
    references: &["https://docs.docker.com/build/building/best-practices/#add-or-copy"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

/// Names of what `ADD` unpacks: a tar, alone or compressed (a bare `.gz` may hold one).
const ARCHIVES: [&str; 8] = [
    ".tar", ".tgz", ".tbz2", ".tbz", ".txz", ".gz", ".bz2", ".xz",
];

/// The sources of `ADD [--flags] SRC… DEST` (JSON form too).
fn sources(text: &str) -> Vec<String> {
    let words: Vec<String> = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<String>>(text.trim()).unwrap_or_default()
    } else {
        text.split_whitespace().map(str::to_string).collect()
    };
    let words: Vec<String> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
    words[..words.len().saturating_sub(1)].to_vec()
}

/// Whether every source of an ADD is an archive it unpacks.
fn unpacks_archives(text: &str) -> bool {
    let srcs = sources(text);
    !srcs.is_empty()
        && srcs.iter().all(|s| {
            let lower = s.to_ascii_lowercase();
            ARCHIVES.iter().any(|a| lower.ends_with(a))
        })
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for step in recipe
        .steps
        .iter()
        .filter(|s| s.instruction == "ADD" && !s.base_rootfs)
    {
        if super::remote_add_unverified::is_remote(&step.text) {
            continue; // IMG014's
        }
        if unpacks_archives(&step.text) {
            continue; // unpacking a local archive is what ADD is for
        }
        sink.report(
            format!("ADD where COPY would do: {}", step.describe),
            step.subject.clone(),
            vec![("source", "local".into())],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::unpacks_archives;

    #[test]
    fn archives_are_what_add_is_for() {
        assert!(unpacks_archives("app.tar.gz /opt/app"));
        assert!(unpacks_archives("--chown=1:1 a.tgz b.tar.xz /opt/"));
        assert!(unpacks_archives(r#"["rootfs.tar", "/"]"#));
        assert!(!unpacks_archives("app.zip /opt/")); // ADD copies a zip as it is
        assert!(!unpacks_archives("app.tar.gz config.yaml /opt/"));
        assert!(!unpacks_archives("config.yaml /etc/app/"));
        assert!(!unpacks_archives("/opt/"));
    }
}
