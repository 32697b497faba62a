//! Parsers for configuration inputs, keeping positions: JSON, YAML, and (by kind) daemon
//! settings, seccomp profiles, compose files, Kubernetes manifests and Dockerfiles.

pub mod build_step;
pub mod compose;
mod compose_env;
pub mod daemon_json;
mod detect;
mod discover;
pub mod doc;
pub mod dockerfile;
pub mod files;
pub mod json;
pub mod kubelet;
pub mod kubernetes;
pub mod kubernetes_objects;
pub mod load;
mod project;
pub mod recipe;
pub mod runtime;
pub mod seccomp;
pub mod security_opt;
pub mod shell_words;
pub mod systemd;
pub mod toml;
pub mod yaml;

use std::path::{Path, PathBuf};

/// Where relative input paths are read from: the working directory by default, or a directory
/// given (the pre-push hook lints the pushed files in a private copy). Paths keep the names they
/// were given in every report; only file-system calls see the root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Root(Option<PathBuf>);

impl Root {
    pub fn dir(dir: PathBuf) -> Root {
        Root(Some(dir))
    }

    /// The path to open for `path`.
    pub fn at(&self, path: &Path) -> PathBuf {
        match &self.0 {
            Some(root) if path.is_relative() => root.join(path),
            _ => path.to_path_buf(),
        }
    }

    /// A path found under the root (a directory walk), named as if relative to it.
    pub fn name(&self, found: PathBuf) -> PathBuf {
        match &self.0 {
            Some(root) => found
                .strip_prefix(root)
                .map(Path::to_path_buf)
                .unwrap_or(found),
            None => found,
        }
    }
}
