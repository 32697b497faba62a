use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::model::recipe::{BuildRecipe, RecipeKind};
use crate::secrets::{
    SecretMatch, assignments, check_assignment, find_in_text, is_secret_name, redact,
};
use std::collections::BTreeSet;

pub const CHECK: Check = Check {
    id: "IMG005",
    name: "secret-in-config",
    title: "Secret in the image configuration or build history",
    severity: Severity::Critical,
    cis: &["4.10"],
    cis_kubernetes: &[],
    rationale: "Environment variables, labels and the build history are part of the image: anyone who \
can pull it reads them with `docker inspect` or `docker history`. A credential there is published \
with every push, and a later `ENV X=` does not remove the earlier value from the history. In a \
Dockerfile, an `ARG` with a secret-looking name and no default that a `RUN` of the shipped stage \
uses is reported too (with less certainty: it depends on what the build passes): the value given \
with `--build-arg` is recorded in that step's history.",
    remediation: "Rotate the credential first: it has been shipped. Then pass secrets at run time \
(environment from the orchestrator, mounted files such as `/run/secrets/…`) or at build time with \
`RUN --mount=type=secret`, never as `ENV`, `ARG` or `LABEL`. Accept a reviewed name with \
`--accept-key NAME` or `accept-key:` in `.stevedore.yaml`.",
    references: &[
        "https://docs.docker.com/build/building/secrets/",
        "https://docs.docker.com/reference/dockerfile/#arg",
    ],
    runs: &[Run::Recipe(run)],
    wants: &[],
};

fn report(sink: &mut Sink, found: &SecretMatch, place: String, subject: Subject) {
    sink.report(
        format!(
            "{} in {place} ({})",
            found.kind.describe(),
            redact(&found.value)
        ),
        subject,
        vec![
            ("kind", found.kind.describe().to_string()),
            ("value", redact(&found.value)),
        ],
    );
}

/// `ARG NAME` (no default) with a secret-looking name, used by a later RUN of the shipped stage:
/// whatever `--build-arg NAME=…` passes lands in that RUN's history entry.
fn secret_build_args(recipe: &BuildRecipe, sink: &mut Sink) {
    for (i, step) in recipe.steps.iter().enumerate() {
        if step.instruction != "ARG" {
            continue;
        }
        let Some(name) = step.text.split_whitespace().next() else {
            continue;
        };
        let (name, default) = name.split_once('=').unwrap_or((name, ""));
        if !default.is_empty() || !is_secret_name(name) {
            continue;
        }
        let used = |text: &str| {
            text.contains(&format!("${{{name}}}"))
                || text.match_indices(&format!("${name}")).any(|(at, m)| {
                    !text[at + m.len()..]
                        .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                })
        };
        let Some(run) = recipe.steps[i + 1..]
            .iter()
            .find(|s| s.instruction == "RUN" && used(&s.text))
        else {
            continue;
        };
        sink.report_at(
            Severity::High,
            format!(
                "build arg {name} (no default) is used by {}: a value passed with --build-arg {name}=… is recorded in the image history; pass it with RUN --mount=type=secret instead",
                run.describe
            ),
            step.subject.clone(),
            vec![("arg", name.to_string())],
        );
    }
}

fn run(recipe: &BuildRecipe, sink: &mut Sink) {
    if recipe.kind == RecipeKind::Dockerfile {
        secret_build_args(recipe, sink);
    }
    // Each secret value once, at its most visible place: ENV, then LABEL, then build steps.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for a in recipe.env.iter().chain(recipe.labels.iter()) {
        if let Some(found) = check_assignment(&a.name, &a.value) {
            if seen.insert(found.value.clone()) {
                report(sink, &found, a.place.clone(), a.subject.clone());
            }
        }
    }
    for step in &recipe.steps {
        let mut found: Vec<(String, SecretMatch)> = Vec::new();
        match step.instruction.as_str() {
            "ENV" | "ARG" | "LABEL" => {
                for (k, v) in assignments(&step.text) {
                    if let Some(m) = check_assignment(&k, &v) {
                        found.push((format!("{} {k}", step.instruction), m));
                    }
                }
            }
            "RUN" => {
                for (k, v) in &step.build_args {
                    if let Some(m) = check_assignment(k, v) {
                        found.push((format!("build arg {k}"), m));
                    }
                }
                for m in find_in_text(&step.text) {
                    found.push(("a RUN command".into(), m));
                }
                for (k, v) in assignments(&step.text) {
                    if let Some(m) = check_assignment(&k, &v) {
                        found.push((format!("`{k}=` in a RUN command"), m));
                    }
                }
            }
            other => {
                for m in find_in_text(&step.text) {
                    found.push((format!("a {other} step"), m));
                }
            }
        }
        for (place, m) in found {
            if seen.insert(m.value.clone()) {
                report(
                    sink,
                    &m,
                    format!("{place}, {}", where_of(&step.describe)),
                    step.subject.clone(),
                );
            }
        }
    }
}

/// `(history 5)` / `(line 7)` from a step description.
fn where_of(describe: &str) -> &str {
    describe
        .rsplit_once('(')
        .map_or(describe, |(_, w)| w.trim_end_matches(')'))
}
