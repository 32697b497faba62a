//! Which file contents the pass reads. Checks declare what they need; everything else is only
//! indexed, never buffered.

use super::fs::{Entry, Kind};
use std::collections::BTreeSet;

/// A check's request for file contents.
#[derive(Debug, Clone, Copy)]
pub enum Want {
    /// One absolute in-image path, e.g. `/etc/passwd`.
    Path(&'static str),
    /// Every regular file whose metadata matches (e.g. a file named `.netrc`).
    Matching(fn(&Entry) -> bool),
    /// Read every regular file the first function selects (by metadata) and keep its contents
    /// only where the second says so after seeing them (e.g. "holds a private key block").
    /// Nothing else is buffered, so memory follows what matched, not what was read.
    Sniff(fn(&Entry) -> bool, fn(&Entry, &[u8]) -> bool),
    /// A database file (or every file below a directory, when it ends with `/`) that may be
    /// larger than the per-file cap: package databases. Read up to [`DATABASE_CAP`].
    Database(&'static str),
}

/// How much of a database file ([`Want::Database`]) is read.
pub const DATABASE_CAP: u64 = 64 << 20;

/// Chooses files by metadata.
type Select = fn(&Entry) -> bool;
/// Decides, from a file's bytes, whether to keep them.
type Keep = fn(&Entry, &[u8]) -> bool;

/// What the pass does with one file.
pub enum Decision {
    Skip,
    /// Keep the contents, up to the per-file cap…
    Keep,
    /// …or up to the database cap.
    KeepDatabase,
    Sniff,
}

/// The union of the wants of the selected checks.
#[derive(Debug, Default, Clone)]
pub struct WantSet {
    paths: BTreeSet<String>,
    predicates: Vec<fn(&Entry) -> bool>,
    sniffers: Vec<(Select, Keep)>,
    databases: BTreeSet<&'static str>,
}

impl WantSet {
    pub fn add(&mut self, want: Want) {
        match want {
            Want::Path(p) => {
                self.paths.insert(p.to_string());
            }
            Want::Matching(f) => self.predicates.push(f),
            Want::Sniff(select, keep) => self.sniffers.push((select, keep)),
            Want::Database(p) => {
                self.databases.insert(p);
            }
        }
    }

    /// Exactly these paths, nothing else (for a follow-up read of one layer).
    pub fn exact(paths: impl IntoIterator<Item = String>) -> WantSet {
        WantSet {
            paths: paths.into_iter().collect(),
            predicates: Vec::new(),
            sniffers: Vec::new(),
            databases: BTreeSet::new(),
        }
    }

    /// Exact paths wanted (for following symlinks to their targets after the pass).
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.paths
            .iter()
            .map(String::as_str)
            .chain(self.databases.iter().copied().filter(|d| !d.ends_with('/')))
    }

    pub fn decide(&self, entry: &Entry) -> Decision {
        let database = |d: &&str| match d.strip_suffix('/') {
            Some(dir) => entry
                .path
                .strip_prefix(dir)
                .is_some_and(|r| r.starts_with('/')),
            None => entry.path == *d,
        };
        if entry.kind != Kind::File {
            Decision::Skip
        } else if self.databases.iter().any(database) {
            Decision::KeepDatabase
        } else if self.paths.contains(&entry.path) || self.predicates.iter().any(|f| f(entry)) {
            Decision::Keep
        } else if self.sniffers.iter().any(|(select, _)| select(entry)) {
            Decision::Sniff
        } else {
            Decision::Skip
        }
    }

    /// After reading a sniffed file: whether any sniffer that selected it wants to keep it.
    pub fn keep_sniffed(&self, entry: &Entry, bytes: &[u8]) -> bool {
        self.sniffers
            .iter()
            .any(|(select, keep)| select(entry) && keep(entry, bytes))
    }
}
