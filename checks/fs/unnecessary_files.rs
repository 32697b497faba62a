use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::fs::{Entry, Kind};
use std::collections::BTreeMap;

pub const CHECK: Check = Check {
    id: "FS007",
    name: "unnecessary-files",
    title: "Build-context leftovers in the image",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Version-control directories, cloud and SSH configuration directories, Dockerfiles, \
compose files, editor swap files and `.DS_Store` are build-context leftovers: they reveal history, \
internal hostnames and infrastructure layout, and they often hold more than their name suggests \
(a `.git` directory carries every past commit).",
    remediation: "Add a `.dockerignore` that excludes them (`.git`, `.svn`, `.aws`, `.ssh`, \
`**/*.swp`, `**/.DS_Store`, `Dockerfile*`, `*compose*.y*ml`), or copy only build outputs into the \
final stage.",
    references: &["https://docs.docker.com/build/concepts/context/#dockerignore-files"],
    runs: &[Run::Image(run)],
    wants: &[],
};

fn category(e: &Entry) -> Option<&'static str> {
    let name = e.path.rsplit('/').next().unwrap_or("");
    match e.kind {
        Kind::Dir => match name {
            ".git" => Some("version-control directory (.git)"),
            ".svn" | ".hg" => Some("version-control directory"),
            ".aws" => Some("AWS configuration directory (.aws)"),
            ".ssh" => Some("SSH directory (.ssh)"),
            _ => None,
        },
        Kind::File => {
            if name == ".DS_Store" {
                Some("macOS .DS_Store")
            } else if name.ends_with(".swp")
                || name.ends_with(".swo")
                || (name.ends_with('~') && name.len() > 1)
            {
                Some("editor swap or backup file")
            } else if name == "Dockerfile"
                || name.ends_with(".Dockerfile")
                || name == "Containerfile"
            {
                Some("Dockerfile")
            } else if (name.starts_with("docker-compose") || name.starts_with("compose"))
                && (name.ends_with(".yml") || name.ends_with(".yaml"))
            {
                Some("compose file")
            } else {
                None
            }
        }
        _ => None,
    }
}

const LISTED: usize = 5;

fn run(image: &Image, sink: &mut Sink) {
    let mut groups: BTreeMap<&str, Vec<&Entry>> = BTreeMap::new();
    for entry in image.fs.entries() {
        // Inside a leftover directory, its contents are part of the same finding.
        if let Some(cat) = category(entry) {
            let inside_reported = groups
                .values()
                .flatten()
                .any(|e| e.kind == Kind::Dir && entry.path.starts_with(&format!("{}/", e.path)));
            if !inside_reported {
                groups.entry(cat).or_default().push(entry);
            }
        }
    }
    for (cat, entries) in groups {
        let mut shown: Vec<&str> = entries
            .iter()
            .take(LISTED)
            .map(|e| e.path.as_str())
            .collect();
        if entries.len() > LISTED {
            shown.push("…");
        }
        sink.report(
            format!("{} {cat}: {}", entries.len(), shown.join(", ")),
            Subject::ImageFile {
                path: entries[0].path.clone(),
                layer: entries[0].layer,
                deleted_in: None,
            },
            vec![("count", entries.len().to_string())],
        );
    }
}
