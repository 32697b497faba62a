use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::fs::Kind;
use crate::image::history::{commands, program_and_subcommand};
use crate::limits::human_bytes;

pub const CHECK: Check = Check {
    id: "IMG010",
    name: "package-cache-left",
    title: "Package manager cache left in the image",
    severity: Severity::Low,
    cis: &[],
    rationale: "Package indexes and caches (`/var/lib/apt/lists`, `/var/cache/apk`, `/var/cache/yum`, \
`/var/cache/dnf`) are useless at run time. They add megabytes to every pull and let anyone \
inspect exactly which repositories and versions the build saw; once in a layer, a later `rm` \
does not shrink the image.",
    remediation: "Clean up in the same `RUN` step that installs:\n\n\
```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends pkg \\\n    \
&& rm -rf /var/lib/apt/lists/*\nRUN apk add --no-cache pkg\nRUN dnf install -y pkg && dnf clean all\n```",
    references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    runs: &[Run::Image(run)],
    wants: &[],
};

/// (cache directory, the package manager programs that fill it).
const CACHES: [(&str, &[&str]); 4] = [
    ("/var/lib/apt/lists", &["apt-get", "apt", "aptitude"]),
    ("/var/cache/apk", &["apk"]),
    ("/var/cache/yum", &["yum"]),
    ("/var/cache/dnf", &["dnf", "microdnf"]),
];

fn run(image: &Image, sink: &mut Sink) {
    for (dir, programs) in CACHES {
        let files: Vec<_> = image
            .fs
            .under(dir)
            .filter(|e| e.kind == Kind::File && e.size > 0 && !e.path.ends_with("/lock"))
            .collect();
        let bytes: u64 = files.iter().map(|e| e.size).sum();
        if bytes == 0 {
            continue;
        }
        // Attribute the cache to the step that created the layer holding its newest file, or
        // else to the last step that ran the package manager.
        let layer = files.iter().map(|e| e.layer).max().unwrap_or(0);
        let step = image.layers.get(layer).and_then(|l| l.history).or_else(|| {
            image
                .steps()
                .filter(|(_, _, s)| s.is("RUN"))
                .filter(|(_, _, s)| {
                    commands(&s.text)
                        .into_iter()
                        .any(|c| programs.contains(&program_and_subcommand(c).0))
                })
                .map(|(i, _, _)| i)
                .last()
        });
        let by = step.map_or_else(String::new, |i| {
            format!(", left by {}", image.describe_step(i))
        });
        let count = if files.len() == 1 {
            "1 file".to_string()
        } else {
            format!("{} files", files.len())
        };
        sink.report(
            format!("{dir} holds {} in {count}{by}", human_bytes(bytes)),
            Subject::ImageFile {
                path: dir.to_string(),
                layer,
                deleted_in: None,
            },
            vec![
                ("bytes", bytes.to_string()),
                ("files", files.len().to_string()),
            ],
        );
    }
}
