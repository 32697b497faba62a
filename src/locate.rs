//! `stevedore image --dockerfile PATH`: the Dockerfile line each image finding comes from.
//!
//! The image history of the final stage (and the stages it is built `FROM`) is matched to the
//! Dockerfile's instructions from the end: each instruction leaves one history entry in both the
//! classic builder (`/bin/sh -c #(nop) ENV …`, `/bin/sh -c CMD`) and BuildKit (`ENV …`,
//! `RUN /bin/sh -c CMD # buildkit`). Entries before the matched run are the base image's and map
//! to the `FROM` line. Where the history and the Dockerfile disagree the finding says so instead
//! of pointing at a guess.

use crate::catalog::Subject;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::inputs::build_step::Step;
use crate::inputs::dockerfile::{self, Dockerfile};
use crate::model::recipe::BuildRecipe;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Where in a build file a finding was caused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLine {
    pub path: String,
    pub line: u32,
}

/// How a history entry relates to the Dockerfile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    /// Made by the instruction on this line.
    Line(u32),
    /// Made by the instruction on this line, whose text differs from the image's record.
    Differs(u32),
    /// Part of the base image.
    Base,
    /// Before the point where history and Dockerfile stopped matching.
    Unknown,
}

pub(crate) struct DockerfileMap {
    path: String,
    from_line: u32,
    /// The last instruction of the shipped stage, or its `FROM`: where missing settings go.
    last_line: u32,
    /// Dockerfile line where matching stopped, if it did.
    stopped_at: Option<u32>,
    history: HashMap<usize, Origin>,
    /// History index behind each layer.
    layer_history: Vec<Option<usize>>,
    user: Option<u32>,
    healthcheck: Option<u32>,
    /// (field, key) → line, for `ENV`, `LABEL`, `EXPOSE`, `VOLUME`.
    keys: HashMap<(String, String), u32>,
}

fn line_of(subject: &Subject) -> Option<u32> {
    match subject {
        Subject::File { line, .. } => Some(*line),
        _ => None,
    }
}

/// Shell text compared without its spacing.
fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `EXPOSE 8080` is `8080/tcp` in the image config.
fn port_key(port: &str) -> String {
    if port.contains('/') {
        port.to_ascii_lowercase()
    } else {
        format!("{port}/tcp")
    }
}

impl DockerfileMap {
    pub(crate) fn new(image: &Image, path: &str, text: &str, target: Option<&str>) -> Result<Self> {
        let parsed: Dockerfile = dockerfile::parse(text);
        let final_stage = parsed.target(target).ok_or_else(|| match target {
            Some(t) => Error::input(path, format!("no stage named `{t}`")),
            None => Error::input(path, "no FROM instruction"),
        })?;
        let chain = parsed.chain(final_stage);
        let root = chain.first().map_or(final_stage, |i| *i);
        let from_line = parsed.stages[root].from_line;
        let shipped = &parsed.stages[final_stage];
        let last_line = shipped
            .instructions
            .last()
            .map_or(shipped.from_line, |i| i.line);
        let instructions: Vec<&dockerfile::Instruction> = chain
            .iter()
            .flat_map(|i| parsed.stages[*i].instructions.iter())
            .collect();

        let steps: Vec<(usize, Step)> = image.steps().map(|(i, _, s)| (i, s)).collect();
        let mut history = HashMap::new();
        let (mut k, mut h) = (instructions.len(), steps.len());
        while k > 0 && h > 0 {
            let ins = instructions[k - 1];
            let (index, step) = &steps[h - 1];
            if ins.keyword == step.instruction {
                let same = ins.keyword != "RUN"
                    || squash(&Step::parse(&format!("RUN {}", ins.args)).text)
                        == squash(&step.text);
                let origin = if same {
                    Origin::Line(ins.line)
                } else {
                    Origin::Differs(ins.line)
                };
                history.insert(*index, origin);
                k -= 1;
                h -= 1;
            } else if ins.keyword == "ARG" {
                k -= 1; // builders do not all record ARG
            } else {
                break;
            }
        }
        let stopped_at = (k > 0).then(|| instructions[k - 1].line);
        for (index, _) in &steps[..h] {
            let origin = if stopped_at.is_none() {
                Origin::Base
            } else {
                Origin::Unknown
            };
            history.insert(*index, origin);
        }

        let mut keys = HashMap::new();
        let mut user = None;
        let mut healthcheck = None;
        if let Some(recipe) = BuildRecipe::from_dockerfile(&Arc::from(path), &parsed, target) {
            user = recipe.user.as_ref().and_then(|(_, s)| line_of(s));
            healthcheck = recipe.healthcheck.as_ref().and_then(|(_, s)| line_of(s));
            for a in &recipe.env {
                if let Some(l) = line_of(&a.subject) {
                    keys.insert(("config.Env".to_string(), a.name.clone()), l);
                }
            }
            for a in &recipe.labels {
                if let Some(l) = line_of(&a.subject) {
                    keys.insert(("config.Labels".to_string(), a.name.clone()), l);
                }
            }
            for (port, s) in &recipe.exposed {
                if let Some(l) = line_of(s) {
                    keys.insert(("config.ExposedPorts".to_string(), port_key(port)), l);
                }
            }
            for (volume, s) in &recipe.volumes {
                if let Some(l) = line_of(s) {
                    keys.insert(("config.Volumes".to_string(), volume.clone()), l);
                }
            }
        }
        Ok(DockerfileMap {
            path: path.to_string(),
            from_line,
            last_line,
            stopped_at,
            history,
            layer_history: image.layers.iter().map(|l| l.history).collect(),
            user,
            healthcheck,
            keys,
        })
    }

    /// The line a finding about `subject` comes from, and a note for its message where the
    /// mapping is not certain.
    pub(crate) fn locate(&self, subject: &Subject) -> Option<(SourceLine, Option<String>)> {
        let at = |line: u32, note: Option<String>| {
            Some((
                SourceLine {
                    path: self.path.clone(),
                    line,
                },
                note,
            ))
        };
        let from_history = |index: Option<usize>| match index.and_then(|i| self.history.get(&i)) {
            Some(Origin::Line(l)) => at(*l, None),
            Some(Origin::Differs(l)) => at(
                *l,
                Some(format!(
                    "the image's step differs from line {l} of {}: built from another revision?",
                    self.path
                )),
            ),
            Some(Origin::Base) => at(self.from_line, Some("from the base image".into())),
            Some(Origin::Unknown) | None => at(
                self.from_line,
                Some(match self.stopped_at {
                    Some(l) => format!(
                        "the image history stops matching {} at line {l}; shown on FROM",
                        self.path
                    ),
                    None => "no history entry for this layer; shown on FROM".into(),
                }),
            ),
        };
        match subject {
            Subject::File { .. } => None,
            Subject::ImageHistory { index, .. } => from_history(Some(*index)),
            Subject::ImageFile { layer, .. } => {
                from_history(self.layer_history.get(*layer).copied().flatten())
            }
            Subject::ImageConfig { field, key } => match (field.as_str(), key) {
                ("config.User", _) => at(self.user.unwrap_or(self.last_line), None),
                ("config.Healthcheck", _) => at(self.healthcheck.unwrap_or(self.last_line), None),
                ("reference", _) => at(self.from_line, None),
                (
                    f @ ("config.Env" | "config.Labels" | "config.ExposedPorts" | "config.Volumes"),
                    Some(k),
                ) => {
                    let lookup = if f == "config.ExposedPorts" {
                        port_key(k)
                    } else {
                        k.clone()
                    };
                    match self.keys.get(&(f.to_string(), lookup)) {
                        Some(l) => at(*l, None),
                        None => at(self.from_line, Some("inherited from the base image".into())),
                    }
                }
                _ => at(self.last_line, None),
            },
        }
    }
}
