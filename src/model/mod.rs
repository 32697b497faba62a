//! The models configuration inputs normalise into. Rules read these, never the file formats:
//! one concept, one rule, whatever the source.

pub mod container;
pub mod daemon;
pub mod kube;
pub mod kubelet;
pub mod node;
pub mod recipe;
pub mod runtime;
pub mod seccomp;

use crate::finding::Subject;
use std::fmt;
use std::sync::Arc;

/// 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Where a value was written: the file as the user named it, the position, and the setting's
/// path in the document (`services.web.privileged`, `defaultAction`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: Arc<str>,
    pub pos: Pos,
    pub field: String,
}

impl Loc {
    pub fn new(file: &Arc<str>, pos: Pos, field: impl Into<String>) -> Loc {
        Loc {
            file: Arc::clone(file),
            pos,
            field: field.into(),
        }
    }

    /// The same place, naming a more specific field.
    pub fn with_field(&self, field: impl Into<String>) -> Loc {
        Loc {
            file: Arc::clone(&self.file),
            pos: self.pos,
            field: field.into(),
        }
    }
}

/// The subject of a finding about a value written in a file.
impl Subject {
    pub fn at(loc: &Loc) -> Subject {
        Subject::File {
            path: loc.file.to_string(),
            line: loc.pos.line.max(1),
            column: loc.pos.column.max(1),
            field: loc.field.clone(),
        }
    }
}
