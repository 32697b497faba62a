//! Integration tests: one binary, one module per concern.

mod support;

mod cli;
mod docs;
mod formats;
mod hostile;
mod image_checks;
mod real_docker;
mod snapshots;
