//! Finding and reading configuration files: directories walked honouring `.gitignore`, size
//! caps, binaries and unreadable files listed as skipped, one name per file.

use super::files::{ConfigTarget, FileError, SkippedFile};
use super::load::{Input, LoadOptions};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files under `path` in a stable order, honouring `.gitignore`; `.git` itself is never walked.
pub(super) fn discover(path: &Path, root: &super::Root) -> Vec<PathBuf> {
    let real = root.at(path);
    if real.is_file() {
        return vec![path.to_path_buf()];
    }
    let walker = ignore::WalkBuilder::new(&real)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    walker
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .map(|e| root.name(e.into_path()))
        .collect()
}

pub(super) fn read(file: &Path, options: &LoadOptions, target: &mut ConfigTarget) -> Option<Input> {
    let display = file.display().to_string();
    let skip = |target: &mut ConfigTarget, reason: String| {
        target.skipped.push(SkippedFile {
            path: display.clone(),
            reason,
        });
        None
    };
    let real = options.root.at(file);
    let size = std::fs::metadata(&real).map(|m| m.len()).unwrap_or(0);
    if size > options.max_file_bytes {
        return skip(
            target,
            format!(
                "larger than {}",
                crate::limits::human_bytes(options.max_file_bytes)
            ),
        );
    }
    let bytes = match std::fs::read(&real) {
        Ok(b) => b,
        Err(e) => {
            target.errors.push(FileError {
                path: display,
                error: e.to_string(),
            });
            return None;
        }
    };
    if bytes.iter().take(8192).any(|b| *b == 0) {
        return skip(target, "binary".into());
    }
    let Ok(text) = String::from_utf8(bytes) else {
        return skip(target, "not UTF-8 text".into());
    };
    Some(Input {
        display: Arc::from(display.as_str()),
        path: Some(file.to_path_buf()),
        text,
        explicit_kind: None,
        root: options.root.clone(),
        allow_partial: options.allow_partial,
    })
}

/// `base/../x` → `x` without touching the filesystem, so one file has one name in a report.
pub(super) fn lexical_join(base: &Path, rel: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in base.join(rel).components() {
        match c {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}
