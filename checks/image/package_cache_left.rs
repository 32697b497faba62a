use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::inputs::build_step::{commands, program_and_subcommand};
use crate::limits::human_bytes;
use crate::model::recipe::{BuildRecipe, RecipeKind};

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
    runs: &[Run::Recipe(run)],
    wants: &[],
};

/// A RUN step that installs packages and does not clean the cache in the same step: the
/// manager and the cache it leaves.
fn leaves_cache(text: &str) -> Option<(&'static str, &'static str)> {
    let parts: Vec<(&str, &str)> = commands(text)
        .into_iter()
        .map(program_and_subcommand)
        .collect();
    let installs = |programs: &[&str], sub: &[&str]| {
        parts
            .iter()
            .any(|(p, s)| programs.contains(p) && sub.contains(s))
    };
    if installs(&["apt-get", "apt", "aptitude"], &["install"])
        && !text.contains("/var/lib/apt/lists")
    {
        return Some(("apt", "/var/lib/apt/lists"));
    }
    if installs(&["apk"], &["add"])
        && !text.contains("--no-cache")
        && !text.contains("/var/cache/apk")
    {
        return Some(("apk", "/var/cache/apk"));
    }
    for (manager, cache) in [
        ("yum", "/var/cache/yum"),
        ("dnf", "/var/cache/dnf"),
        ("microdnf", "/var/cache/dnf"),
    ] {
        if installs(&[manager], &["install"])
            && !text.contains("clean all")
            && !text.contains(cache)
        {
            return Some((manager, cache));
        }
    }
    None
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    match recipe.kind {
        // An image shows the cache itself: report what is there, with its size.
        RecipeKind::Image => {
            for cache in &recipe.caches {
                let count = if cache.files == 1 {
                    "1 file".to_string()
                } else {
                    format!("{} files", cache.files)
                };
                let by = cache
                    .left_by
                    .as_ref()
                    .map_or_else(String::new, |s| format!(", left by {s}"));
                sink.report(
                    format!(
                        "{} holds {} in {count}{by}",
                        cache.dir,
                        human_bytes(cache.bytes)
                    ),
                    Subject::ImageFile {
                        path: cache.dir.to_string(),
                        layer: cache.layer,
                        deleted_in: None,
                    },
                    vec![
                        ("bytes", cache.bytes.to_string()),
                        ("files", cache.files.to_string()),
                    ],
                );
            }
        }
        // A Dockerfile shows the step that will leave it.
        RecipeKind::Dockerfile => {
            for step in recipe.steps.iter().filter(|s| s.instruction == "RUN") {
                if let Some((manager, cache)) = leaves_cache(&step.text) {
                    sink.report(
                        format!(
                            "{manager} installs without cleaning {cache} in the same step: {}",
                            step.describe
                        ),
                        step.subject.clone(),
                        vec![("cache", cache.to_string())],
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_steps_and_their_cleanups() {
        assert_eq!(
            leaves_cache("apt-get update && apt-get install -y curl"),
            Some(("apt", "/var/lib/apt/lists"))
        );
        assert_eq!(
            leaves_cache(
                "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*"
            ),
            None
        );
        assert_eq!(
            leaves_cache("apk add curl"),
            Some(("apk", "/var/cache/apk"))
        );
        assert_eq!(leaves_cache("apk add --no-cache curl"), None);
        assert_eq!(leaves_cache("dnf install -y git && dnf clean all"), None);
        assert_eq!(leaves_cache("make install"), None);
    }
}
