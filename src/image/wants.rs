//! Which file contents the pass reads. Checks declare what they need; everything else is only
//! indexed, never buffered.

use super::fs::{Entry, Kind};
use std::collections::BTreeSet;

/// A check's request for file contents.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// One absolute in-image path, e.g. `/etc/passwd`.
    Path(&'static str),
    /// Every regular file whose metadata matches (e.g. "looks like a private key").
    Matching(fn(&Entry) -> bool),
}

/// The union of the wants of the selected checks.
#[derive(Debug, Default, Clone)]
pub struct WantSet {
    paths: BTreeSet<String>,
    predicates: Vec<fn(&Entry) -> bool>,
}

impl WantSet {
    pub fn add(&mut self, want: Want) {
        match want {
            Want::Path(p) => {
                self.paths.insert(p.to_string());
            }
            Want::Matching(f) => self.predicates.push(f),
        }
    }

    /// Exactly these paths, nothing else (for a follow-up read of one layer).
    pub fn exact(paths: impl IntoIterator<Item = String>) -> WantSet {
        WantSet {
            paths: paths.into_iter().collect(),
            predicates: Vec::new(),
        }
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    pub fn wants(&self, entry: &Entry) -> bool {
        entry.kind == Kind::File
            && (self.paths.contains(&entry.path) || self.predicates.iter().any(|f| f(entry)))
    }
}
