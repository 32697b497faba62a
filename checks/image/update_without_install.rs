use crate::catalog::{Check, Run, Severity, Sink};
use crate::inputs::build_step::{commands, program_and_subcommand};
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG003",
    name: "update-without-install",
    title: "Package index updated without an install, or packages upgraded, in a build step",
    severity: Severity::Low,
    cis: &["4.7"],
    cis_kubernetes: &[],
    rationale: "A build step that only refreshes the package index is cached by the builder: a later \
step installs from a stale index, or the layer just ships the index. Upgrading every package in a \
build (`apt-get upgrade`, `dist-upgrade`, `apk upgrade`, `yum update`) makes builds unreproducible \
and hides what changed; the base image should be rebuilt instead.\n\n\
Differs from Checkov's CKV_DOCKER_5, which only reports an index update alone: an upgrade in the \
build is reported here too, for the reason above.",
    remediation: "Refresh and install in one step, and pin what you install:\n\n\
```dockerfile\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.* \\\n    \
&& rm -rf /var/lib/apt/lists/*\n```\n\nFor security updates, rebuild on a newer base image \
rather than upgrading inside the build.",
    references: &["https://docs.docker.com/build/building/best-practices/#apt-get"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

fn is_update(program: &str, sub: &str) -> bool {
    matches!(
        (program, sub),
        ("apt-get" | "apt", "update")
            | ("apk", "update")
            | ("yum" | "dnf" | "microdnf", "makecache")
            | ("zypper", "refresh" | "ref")
    )
}

fn is_install(program: &str, sub: &str) -> bool {
    matches!(
        (program, sub),
        ("apt-get" | "apt" | "aptitude", "install")
            | ("apk", "add")
            | ("yum" | "dnf" | "microdnf" | "zypper", "install" | "in")
    )
}

fn is_upgrade(program: &str, sub: &str) -> bool {
    matches!(
        (program, sub),
        (
            "apt-get" | "apt",
            "upgrade" | "dist-upgrade" | "full-upgrade"
        ) | ("apk", "upgrade")
            | ("yum" | "dnf" | "microdnf", "upgrade" | "update")
            | ("zypper", "update" | "up" | "dist-upgrade" | "dup")
    )
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for step in recipe.steps.iter().filter(|s| s.instruction == "RUN") {
        let parts: Vec<(&str, &str)> = commands(&step.text)
            .into_iter()
            .map(program_and_subcommand)
            .collect();
        let update = parts.iter().find(|(p, s)| is_update(p, s));
        let install = parts.iter().any(|(p, s)| is_install(p, s));
        if let Some((program, sub)) = update.filter(|_| !install) {
            sink.report(
                format!(
                    "`{program} {sub}` without an install in the same step: {}",
                    step.describe
                ),
                step.subject.clone(),
                vec![("command", format!("{program} {sub}"))],
            );
        }
        if let Some((program, sub)) = parts.iter().find(|(p, s)| is_upgrade(p, s)) {
            sink.report(
                format!(
                    "`{program} {sub}` upgrades packages during the build: {}",
                    step.describe
                ),
                step.subject.clone(),
                vec![("command", format!("{program} {sub}"))],
            );
        }
    }
}
