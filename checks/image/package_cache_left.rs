use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::inputs::build_step::{RunMount, commands, program_and_subcommand, split_run_flags};
use crate::limits::human_bytes;
use crate::model::recipe::{BuildRecipe, RecipeKind};

pub const CHECK: Check = Check {
    id: "IMG010",
    name: "package-cache-left",
    title: "Package manager cache left in the image",
    severity: Severity::Low,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "Package indexes and caches (`/var/lib/apt/lists`, `/var/cache/apk`, `/var/cache/yum`, \
`/var/cache/dnf`, `/var/cache/zypp`) are useless at run time. They add megabytes to every pull and \
let anyone inspect exactly which repositories and versions the build saw; once in a layer, a later \
`rm` does not shrink the image. In a Dockerfile, every install counts (`install`, and the short \
forms `dnf in`, `up`, `up-min`, `rei`, `zypper in`…); the cleanup must come after it in the same \
step, and a BuildKit `RUN --mount=type=cache` or `tmpfs` counts only when it is mounted on that \
manager's cache directory.",
    remediation: "Clean up in the same `RUN` step that installs:\n\n\
```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends pkg \\\n    \
&& rm -rf /var/lib/apt/lists/*\nRUN apk add --no-cache pkg\nRUN dnf install -y pkg && dnf clean all\n\
RUN zypper in -y pkg && zypper clean -a\n# or keep the cache out of the layer with BuildKit:\n\
RUN --mount=type=cache,target=/var/cache/apt --mount=type=cache,target=/var/lib/apt \\\n    \
apt-get update && apt-get install -y pkg\n```",
    references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

/// A package manager: the commands that fill its cache, where the cache is, and how it is
/// cleaned.
struct Manager {
    name: &'static str,
    programs: &'static [&'static str],
    /// Subcommands (long and short forms) that download packages.
    installs: &'static [&'static str],
    /// The cache or list directories the install leaves; the first is the one named.
    caches: &'static [&'static str],
    /// Subcommand words of `PROGRAM clean …` that empty the cache (`clean all`, `cc`).
    cleans: &'static [&'static str],
    /// A flag of the install command itself that keeps no cache (`apk add --no-cache`).
    no_cache_flag: Option<&'static str>,
}

const MANAGERS: [Manager; 4] = [
    Manager {
        name: "apt",
        programs: &["apt-get", "apt", "aptitude"],
        installs: &[
            "install",
            "upgrade",
            "dist-upgrade",
            "full-upgrade",
            "reinstall",
        ],
        caches: &["/var/lib/apt/lists"],
        cleans: &[],
        no_cache_flag: None,
    },
    Manager {
        name: "apk",
        programs: &["apk"],
        installs: &["add", "upgrade", "fix"],
        caches: &["/var/cache/apk"],
        cleans: &["cache clean", "cache purge"],
        no_cache_flag: Some("--no-cache"),
    },
    Manager {
        name: "dnf",
        programs: &["dnf", "microdnf", "yum", "tdnf"],
        installs: &[
            "install",
            "in",
            "reinstall",
            "rei",
            "upgrade",
            "up",
            "update",
            "upgrade-minimal",
            "up-min",
            "update-minimal",
            "groupinstall",
            "localinstall",
            "distro-sync",
            "dsync",
        ],
        caches: &["/var/cache/dnf", "/var/cache/yum"],
        cleans: &["clean all", "clean packages"],
        no_cache_flag: None,
    },
    Manager {
        name: "zypper",
        programs: &["zypper"],
        installs: &[
            "install",
            "in",
            "update",
            "up",
            "dist-upgrade",
            "dup",
            "patch",
        ],
        caches: &["/var/cache/zypp"],
        cleans: &["clean", "cc"],
        no_cache_flag: None,
    },
];

/// Whether a `--mount=type=cache|tmpfs` keeps `cache` out of the image: its target is the cache
/// directory or one above it (never an unrelated directory).
fn mounted_over(mounts: &[RunMount], cache: &str) -> bool {
    mounts.iter().any(|m| {
        matches!(m.kind.as_str(), "cache" | "tmpfs")
            && !m.target.is_empty()
            && (cache == m.target.trim_end_matches('/')
                || cache.starts_with(&format!("{}/", m.target.trim_end_matches('/'))))
    })
}

/// A RUN step that installs packages and does not clean the cache after, in the same step:
/// the manager and the cache it leaves.
fn leaves_cache(text: &str) -> Option<(&'static str, &'static str)> {
    let (mounts, command) = split_run_flags(text);
    let parts: Vec<&str> = commands(command);
    for manager in &MANAGERS {
        let installs: Vec<usize> = parts
            .iter()
            .enumerate()
            .filter(|(_, c)| {
                let (program, sub) = program_and_subcommand(c);
                manager.programs.contains(&program) && manager.installs.contains(&sub)
            })
            .map(|(i, _)| i)
            .collect();
        for &i in &installs {
            let install = parts[i];
            if manager
                .no_cache_flag
                .is_some_and(|flag| install.split_whitespace().any(|w| w == flag))
            {
                continue;
            }
            if manager.caches.iter().any(|c| mounted_over(&mounts, c)) {
                continue;
            }
            // A clean counts only after the install it cleans up.
            let cleaned = parts[i + 1..].iter().any(|later| {
                manager.caches.iter().any(|c| later.contains(c))
                    || manager.cleans.iter().any(|clean| {
                        let (program, _) = program_and_subcommand(later);
                        manager.programs.contains(&program) && later.contains(clean)
                    })
            });
            if !cleaned {
                return Some((manager.name, manager.caches[0]));
            }
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
        let apt = Some(("apt", "/var/lib/apt/lists"));
        let apk = Some(("apk", "/var/cache/apk"));
        let dnf = Some(("dnf", "/var/cache/dnf"));
        let zypper = Some(("zypper", "/var/cache/zypp"));
        for (text, want) in [
            ("apt-get update && apt-get install -y curl", apt),
            (
                "apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
                None,
            ),
            // A clean before the install cleans nothing.
            (
                "rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y curl",
                apt,
            ),
            ("apk add curl", apk),
            ("apk add --no-cache curl", None),
            ("apk --no-cache add curl", None),
            ("dnf install -y git && dnf clean all", None),
            ("dnf -y install git", dnf),
            ("microdnf in -y git", dnf),
            ("dnf -y up-min", dnf),
            ("yum rei -y bash", dnf),
            ("yum upgrade-minimal -y && yum clean all", None),
            ("dnf clean all && dnf install -y git", dnf),
            ("zypper in -y curl", zypper),
            (
                "zypper --non-interactive install curl && zypper clean -a",
                None,
            ),
            ("zypper in -y curl && rm -rf /var/cache/zypp/*", None),
            ("make install", None),
            // BuildKit cache mounts keep the cache out of the layer: only on that cache.
            (
                "--mount=type=cache,target=/var/lib/apt,sharing=locked apt-get install -y curl",
                None,
            ),
            (
                "--mount=type=cache,target=/var/cache/apt apt-get install -y curl",
                apt,
            ),
            (
                "--mount=type=tmpfs,target=/var/cache/apk apk add curl",
                None,
            ),
            ("--mount=type=cache,target=/root/.cache apk add curl", apk),
            (
                "--mount=type=bind,target=/var/cache/dnf dnf install -y git",
                dnf,
            ),
            (
                "--mount=type=cache,target=/var/cache dnf install -y git",
                None,
            ),
        ] {
            assert_eq!(leaves_cache(text), want, "{text}");
        }
    }
}
