//! Suppressions that match nothing (cargo-deny's "unmatched skip"): an ignore comment on the
//! wrong line, a rule misspelt in an annotation, an `accept` entry for a file that is gone. Each
//! stays harmless until the day it silences something it was never meant to; the report says so.
//!
//! Counted: suppressions written in the scanned inputs (when they are honoured), and the project
//! config's `ignore` and `accept` entries for rules that had something to read in this scan (a
//! config shared by image and configuration scans does not warn about rules one of them never
//! runs). The operator's namespace sections and exceptions are not: a scan sees a few objects,
//! the policy file speaks for the whole cluster.

use super::policy::{Models, Policy, selects};
use super::report::Finding;
use crate::catalog::Check;
use crate::finding::Subject;
use crate::suppress::InlineIgnores;
use std::collections::BTreeSet;

/// A suppression that matched no finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unmatched {
    /// Where it is written: `compose.yaml:47`, `.stevedore.yaml`, `the image's labels`.
    pub at: String,
    /// How: `a # stevedore:ignore comment`, `ignore in the project config`.
    pub how: String,
    /// The rule token that found nothing to suppress.
    pub rule: String,
}

/// What the check loop notes for the count: rules that had a model to read, and the rules each
/// container spec that ignores rules produced findings of.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) ran: BTreeSet<&'static str>,
    /// (object, how, file, check id)
    pub(super) spec_fired: BTreeSet<(String, String, String, &'static str)>,
}

/// The object a container spec belongs to, for messages: `Deployment/api`, `service web`.
pub(super) fn object_of(spec: &crate::model::container::ContainerSpec) -> String {
    spec.name
        .split(" container ")
        .next()
        .unwrap_or(&spec.name)
        .to_string()
}

fn catalog_selects(token: &str, check: &Check) -> bool {
    token == "all" || selects(token, check)
}

impl Policy {
    pub(super) fn unmatched(
        &self,
        findings: &[Finding],
        models: &Models<'_>,
        inline: &InlineIgnores,
        tally: &Tally,
    ) -> Vec<Unmatched> {
        let mut out = BTreeSet::new();
        if self.trusts_inline_ignores() {
            for e in &inline.entries {
                for token in &e.rules {
                    let hit = findings.iter().any(|f| {
                        matches!(&f.subject, Subject::File { path, line, .. }
                            if *path == e.file && e.lines.contains(line))
                            && catalog_selects(token, f.check)
                    });
                    if !hit {
                        out.insert(Unmatched {
                            at: format!("{}:{}", e.file, e.lines.start()),
                            how: e.how.clone(),
                            rule: token.clone(),
                        });
                    }
                }
            }
            // Each object that asks to ignore rules: its containers, and the objects judged
            // without containers (Services, Ingresses, Namespaces, Secrets and ConfigMaps).
            let cluster = models.cluster.into_iter();
            let objects = cluster.flat_map(|c| {
                let services = c.services.iter().map(|o| &o.object);
                let ingresses = c.ingresses.iter().map(|o| &o.object);
                let namespaces = c.namespaces.iter().map(|o| &o.object);
                let stored = c.stored.iter().map(|o| &o.object);
                services.chain(ingresses).chain(namespaces).chain(stored)
            });
            let asks = models
                .containers
                .iter()
                .map(|s| (object_of(s), &s.ignore_how, &*s.loc.file, &s.ignores))
                .chain(objects.map(|o| (o.title(), &o.ignore_how, &*o.loc.file, &o.ignores)));
            for (object, how, file, ignores) in asks {
                for token in ignores {
                    let hit = tally.spec_fired.iter().any(|(o, h, f, id)| {
                        *o == object
                            && h == how
                            && f == file
                            && crate::checks::CATALOG
                                .iter()
                                .any(|c| c.id == *id && catalog_selects(token, c))
                    });
                    if !hit {
                        out.insert(Unmatched {
                            at: format!("{file} ({object})"),
                            how: how.clone(),
                            rule: token.clone(),
                        });
                    }
                }
            }
        }
        if self.trusts_image_labels() {
            for token in &inline.image_label {
                let hit = findings.iter().any(|f| {
                    matches!(
                        f.subject,
                        Subject::ImageConfig { .. }
                            | Subject::ImageFile { .. }
                            | Subject::ImageHistory { .. }
                    ) && catalog_selects(token, f.check)
                });
                if !hit {
                    out.insert(Unmatched {
                        at: "the image's labels".into(),
                        how: format!("the {} label", crate::suppress::IMAGE_LABEL),
                        rule: token.clone(),
                    });
                }
            }
        }
        let ran = |token: &str| {
            crate::checks::CATALOG
                .iter()
                .any(|c| tally.ran.contains(c.id) && selects(token, c))
        };
        let config = self.config_name();
        for item in &self.project().ignore {
            let token = item.rule();
            if ran(token) && !findings.iter().any(|f| selects(token, f.check)) {
                out.insert(Unmatched {
                    at: config.clone(),
                    how: "`ignore` in the project config".into(),
                    rule: token.to_string(),
                });
            }
        }
        for (token, items) in &self.project().accept {
            if !ran(token) {
                continue;
            }
            for item in items {
                let hit = findings
                    .iter()
                    .filter(|f| selects(token, f.check))
                    .any(|f| self.accepts(item, &f.subject));
                if !hit {
                    let what = item.path().or(item.key()).unwrap_or("?");
                    out.insert(Unmatched {
                        at: config.clone(),
                        how: format!("`accept` of {what} in the project config"),
                        rule: token.clone(),
                    });
                }
            }
        }
        out.into_iter().collect()
    }
}
