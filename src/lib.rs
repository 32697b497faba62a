//! stevedore: a static security linter for containers.
//!
//! Inputs are normalised into a few models ([`image::Image`] for now), the catalog in `checks/`
//! reads those models and emits raw findings, the [`engine`] applies selection, configuration and
//! policy, and [`report`] renders the result. See `DESIGN.md` in the shared folder for the map.

pub mod app;
pub mod baseline;
pub mod catalog;
#[path = "../checks/mod.rs"]
pub mod checks;
pub mod cli;
pub mod config;
pub mod date;
pub mod docker_api;
pub mod engine;
pub mod error;
pub mod finding;
pub mod hook;
pub mod image;
pub mod inputs;
pub mod limits;
pub mod live;
pub mod locate;
pub mod model;
pub mod oci;
pub mod reference;
pub mod report;
pub mod secrets;
pub mod serve;
pub mod source;
pub mod suppress;

pub use error::{Error, Result};

/// The version stamped into every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
