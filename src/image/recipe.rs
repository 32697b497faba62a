//! An image's config and history as a build recipe (the image side of the `IMG` rules).

use super::Image;
use super::fs::Kind;
use crate::finding::Subject;
use crate::inputs::build_step::build_args;
use crate::model::recipe::{Assignment, BuildRecipe, CACHES, CacheDir, RecipeKind, RecipeStep};

impl BuildRecipe {
    pub fn from_image(image: &Image) -> BuildRecipe {
        let cfg = &image.config.config;
        let reference = image.reference().map(|r| {
            let r = crate::reference::familiar(r);
            let full = if crate::reference::names_an_image(r) {
                r.to_string()
            } else {
                format!("{}:{r}", image.repository_path())
            };
            (full, Subject::config("reference"))
        });
        let uid_of = crate::image::accounts::users(&image.fs)
            .map(|p| p.entries.into_iter().map(|u| (u.name, u.uid)).collect())
            .unwrap_or_default();
        let mut first_add = true;
        let steps = image
            .steps()
            .map(|(index, _, step)| {
                let created_by = image
                    .config
                    .history
                    .get(index)
                    .map_or("", |h| h.created_by.as_str());
                let base_rootfs = step.is("ADD")
                    && std::mem::replace(&mut first_add, false)
                    && (step.text.trim().ends_with(" in /") || step.text.trim().ends_with(" /"));
                if step.is("ADD") {
                    first_add = false;
                }
                RecipeStep {
                    instruction: step.instruction,
                    text: step.text,
                    build_args: build_args(created_by),
                    describe: image.describe_step(index),
                    subject: image.history_subject(index),
                    base_rootfs,
                }
            })
            .collect();
        let assign = |field: &str, kind: &str, name: &str, value: &str| Assignment {
            name: name.to_string(),
            value: value.to_string(),
            place: format!("{kind} {name}"),
            subject: Subject::config_key(field, name),
        };
        BuildRecipe {
            kind: RecipeKind::Image,
            reference,
            user: (!cfg.user.trim().is_empty())
                .then(|| (cfg.user.trim().to_string(), Subject::config("config.User"))),
            uid_of,
            healthcheck: cfg
                .healthcheck
                .as_ref()
                .map(|h| (h.test.clone(), Subject::config("config.Healthcheck"))),
            env: cfg
                .env
                .iter()
                .map(|e| {
                    let (k, v) = e.split_once('=').unwrap_or((e, ""));
                    assign("config.Env", "ENV", k, v)
                })
                .collect(),
            labels: cfg
                .labels
                .iter()
                .map(|(k, v)| assign("config.Labels", "LABEL", k, v))
                .collect(),
            exposed: cfg
                .exposed_ports
                .keys()
                .map(|p| (p.clone(), Subject::config_key("config.ExposedPorts", p)))
                .collect(),
            volumes: cfg
                .volumes
                .keys()
                .map(|v| (v.clone(), Subject::config_key("config.Volumes", v)))
                .collect(),
            steps,
            caches: caches(image),
            anchor: None,
        }
    }
}

/// Package caches left in an image's filesystem, attributed to the step that created the layer
/// holding the newest file.
fn caches(image: &Image) -> Vec<CacheDir> {
    let mut out = Vec::new();
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
        let layer = files.iter().map(|e| e.layer).max().unwrap_or(0);
        let step = image.layers.get(layer).and_then(|l| l.history).or_else(|| {
            image
                .steps()
                .filter(|(_, _, s)| {
                    s.is("RUN")
                        && crate::inputs::build_step::commands(&s.text)
                            .into_iter()
                            .any(|c| {
                                programs.contains(
                                    &crate::inputs::build_step::program_and_subcommand(c).0,
                                )
                            })
                })
                .map(|(i, _, _)| i)
                .last()
        });
        out.push(CacheDir {
            dir,
            bytes,
            files: files.len(),
            layer,
            left_by: step.map(|i| image.describe_step(i)),
        });
    }
    out
}
