use crate::catalog::{Check, Run, Severity, Sink};
use crate::inputs::build_step::commands;
use crate::model::recipe::BuildRecipe;

pub const CHECK: Check = Check {
    id: "IMG009",
    name: "sudo-in-build",
    title: "sudo used in a build step",
    severity: Severity::Medium,
    cis: &[],
    cis_kubernetes: &[],
    rationale: "`sudo` in a build step means the image carries sudo and a sudoers policy, which lets \
the unprivileged runtime user become root again; it also has unpredictable TTY and signal \
behaviour in containers.",
    remediation: "Run privileged build steps as root (`USER root` … `USER app`) and drop to the \
unprivileged user at the end; if a runtime step must change user, use `gosu` or `setpriv` in the \
entrypoint and remove sudo from the image.",
    references: &["https://docs.docker.com/build/building/best-practices/#user"],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    for step in recipe.steps.iter().filter(|s| s.instruction == "RUN") {
        let uses_sudo = commands(&step.text).iter().any(|c| {
            c.split_whitespace()
                .next()
                .is_some_and(|w| w == "sudo" || w.ends_with("/sudo"))
        });
        if uses_sudo {
            sink.report(
                format!("sudo in {}", step.describe),
                step.subject.clone(),
                vec![],
            );
        }
    }
}
