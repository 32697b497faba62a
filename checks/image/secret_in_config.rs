use crate::catalog::{Check, Run, Severity, Sink, Subject};
use crate::image::Image;
use crate::image::history::build_args;
use crate::secrets::{SecretMatch, assignments, check_assignment, find_in_text, redact};
use std::collections::BTreeSet;

pub const CHECK: Check = Check {
    id: "IMG005",
    name: "secret-in-config",
    title: "Secret in the image configuration or build history",
    severity: Severity::Critical,
    cis: &["4.10"],
    rationale: "Environment variables, labels and the build history are part of the image: anyone who \
can pull it reads them with `docker inspect` or `docker history`. A credential there is published \
with every push, and a later `ENV X=` does not remove the earlier value from the history.",
    remediation: "Rotate the credential first: it has been shipped. Then pass secrets at run time \
(environment from the orchestrator, mounted files such as `/run/secrets/…`) or at build time with \
`RUN --mount=type=secret`, never as `ENV`, `ARG` or `LABEL`. Accept a reviewed name with \
`--accept-key NAME` or `accept-key:` in `.stevedore.yaml`.",
    references: &[
        "https://docs.docker.com/build/building/secrets/",
        "https://docs.docker.com/reference/dockerfile/#arg",
    ],
    runs: &[Run::Image(run)],
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

fn run(image: &Image, sink: &mut Sink) {
    // Each secret value once, at its most visible place: Env, then Labels, then history.
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for env in &image.config.config.env {
        let (name, value) = env.split_once('=').unwrap_or((env, ""));
        if let Some(found) = check_assignment(name, value) {
            if seen.insert(found.value.clone()) {
                report(
                    sink,
                    &found,
                    format!("ENV {name}"),
                    Subject::config_key("config.Env", name),
                );
            }
        }
    }
    for (name, value) in &image.config.config.labels {
        if let Some(found) = check_assignment(name, value) {
            if seen.insert(found.value.clone()) {
                report(
                    sink,
                    &found,
                    format!("LABEL {name}"),
                    Subject::config_key("config.Labels", name),
                );
            }
        }
    }
    for (index, _, step) in image.steps() {
        let created_by = image
            .config
            .history
            .get(index)
            .map_or("", |h| h.created_by.as_str());
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
                for (k, v) in build_args(created_by) {
                    if let Some(m) = check_assignment(&k, &v) {
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
            _ => {
                for m in find_in_text(&step.text) {
                    found.push((format!("a {} step", step.instruction), m));
                }
            }
        }
        for (place, m) in found {
            if seen.insert(m.value.clone()) {
                report(
                    sink,
                    &m,
                    format!("{place}, history {index}"),
                    image.history_subject(index),
                );
            }
        }
    }
}
