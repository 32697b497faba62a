//! A Dockerfile's final stage as a build recipe (the Dockerfile side of the `IMG` rules).

use super::build_step::Step;
use super::dockerfile::{self, Dockerfile};
use crate::finding::Subject;
use crate::model::recipe::{Assignment, BuildRecipe, RecipeKind, RecipeStep};
use crate::model::{Loc, Pos};
use std::collections::BTreeMap;
use std::sync::Arc;

impl BuildRecipe {
    /// The final stage of a Dockerfile (or `target`), with everything it inherits from earlier
    /// stages it is built `FROM`. `None` without any `FROM`.
    pub fn from_dockerfile(
        file: &Arc<str>,
        d: &Dockerfile,
        target: Option<&str>,
    ) -> Option<BuildRecipe> {
        let final_stage = d.target(target)?;
        let chain = d.chain(final_stage);
        let root = &d.stages[*chain.first()?];
        let loc = |line: u32, field: String| Loc::new(file, Pos { line, column: 1 }, field);
        let base = d.expand_args(&root.base);
        let reference = (!base.eq_ignore_ascii_case("scratch") && !base.contains('$')).then(|| {
            (
                base.clone(),
                Subject::at(&loc(root.from_line, "FROM".into())),
            )
        });
        let last_line = chain
            .iter()
            .flat_map(|i| d.stages[*i].instructions.iter().map(|ins| ins.line))
            .max()
            .unwrap_or(d.stages[final_stage].from_line);
        let mut recipe = BuildRecipe {
            kind: RecipeKind::Dockerfile,
            reference,
            user: None,
            uid_of: BTreeMap::new(),
            healthcheck: None,
            env: Vec::new(),
            labels: Vec::new(),
            exposed: Vec::new(),
            volumes: Vec::new(),
            steps: Vec::new(),
            caches: Vec::new(),
            anchor: Some(loc(last_line, String::new())),
        };
        for ins in chain.iter().flat_map(|i| d.stages[*i].instructions.iter()) {
            let field = |what: &str| format!("{} {what}", ins.keyword);
            let here = |what: &str| Subject::at(&loc(ins.line, field(what)));
            let args = ins.args.trim();
            match ins.keyword.as_str() {
                "USER" => recipe.user = Some((args.to_string(), here(""))),
                "HEALTHCHECK" => {
                    let test = if args.eq_ignore_ascii_case("NONE") {
                        vec!["NONE".to_string()]
                    } else {
                        vec!["CMD".to_string(), args.to_string()]
                    };
                    recipe.healthcheck = Some((test, here("")));
                }
                "ENV" | "LABEL" => {
                    // `A=b "C=d e"` with shell quoting; values may hold spaces.
                    let quoted: Vec<(String, String)> =
                        crate::inputs::shell_words::split_command_line(args)
                            .into_iter()
                            .filter_map(|w| {
                                w.split_once('=')
                                    .map(|(k, v)| (k.to_string(), v.to_string()))
                            })
                            .collect();
                    let pairs = match quoted {
                        p if !p.is_empty() => p,
                        // Legacy `ENV NAME value`.
                        _ => args
                            .split_once(char::is_whitespace)
                            .map(|(k, v)| vec![(k.to_string(), v.trim().to_string())])
                            .unwrap_or_default(),
                    };
                    for (name, value) in pairs {
                        let a = Assignment {
                            place: format!("{} {name}", ins.keyword),
                            subject: here(&name),
                            name,
                            value,
                        };
                        if ins.keyword == "ENV" {
                            recipe.env.push(a)
                        } else {
                            recipe.labels.push(a)
                        }
                    }
                }
                "EXPOSE" => recipe.exposed.extend(
                    dockerfile::words(args)
                        .into_iter()
                        .map(|p| (p.clone(), here(&p))),
                ),
                "VOLUME" => recipe.volumes.extend(
                    dockerfile::words(args)
                        .into_iter()
                        .map(|v| (v.clone(), here(&v))),
                ),
                _ => {}
            }
            if matches!(ins.keyword.as_str(), "RUN" | "ADD" | "COPY" | "ARG") {
                let short: String = args.split_whitespace().collect::<Vec<_>>().join(" ");
                let clipped = if short.chars().count() > 80 {
                    format!("{}…", short.chars().take(80).collect::<String>())
                } else {
                    short.clone()
                };
                let text = if ins.keyword == "RUN" {
                    Step::parse(&format!("RUN {args}")).text
                } else {
                    args.to_string()
                };
                recipe.steps.push(RecipeStep {
                    instruction: ins.keyword.clone(),
                    text,
                    build_args: Vec::new(),
                    describe: format!("`{} {clipped}` (line {})", ins.keyword, ins.line),
                    subject: Subject::at(&loc(
                        ins.line,
                        format!(
                            "{} {}",
                            ins.keyword,
                            short.chars().take(60).collect::<String>()
                        ),
                    )),
                    base_rootfs: false,
                });
            }
        }
        Some(recipe)
    }
}
