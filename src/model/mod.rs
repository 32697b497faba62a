//! The models configuration inputs normalise into. Rules read these, never the file formats:
//! one concept, one rule, whatever the source.

pub mod container;
pub mod daemon;
pub mod recipe;
pub mod seccomp;

use crate::inputs::doc::Pos;
use std::sync::Arc;

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
