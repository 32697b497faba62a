//! stevedore: a static security linter for containers.
//!
//! Inputs are normalised into a few models (an [`image::Image`], [`model`]'s container, daemon,
//! seccomp and build-recipe models), the catalog in `checks/` reads those models and emits raw
//! findings, the [`engine`] applies selection and policy, and [`report`] renders the result.
//! `docs/architecture.md` draws the layers.
//!
//! The public modules are what the binary, the fuzz targets and the tests use: the pipelines, the
//! parsers and models, the catalog and the printers. The rest is the crate's own.

#![warn(unreachable_pub)]

pub mod app;
pub(crate) mod baseline;
pub mod catalog;
#[path = "../checks/mod.rs"]
pub mod checks;
pub mod cli;
pub(crate) mod date;
pub(crate) mod docker_api;
pub mod engine;
pub mod error;
pub mod finding;
pub(crate) mod hook;
pub mod image;
pub mod inputs;
pub mod limits;
pub(crate) mod live;
pub(crate) mod locate;
pub mod model;
pub mod node;
pub mod oci;
pub mod project_config;
pub mod pss;
pub(crate) mod reference;
pub mod report;
pub(crate) mod secrets;
pub(crate) mod serve;
pub mod source;
pub(crate) mod suppress;

pub use error::{Error, Result};

/// Whether the pre-push hook lints a pushed path (the same files as the pre-commit hook's
/// `files` pattern).
pub fn hook_may_be_config(path: &str) -> bool {
    hook::may_be_config(path)
}

/// The version stamped into every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
