//! Parsers for configuration inputs, keeping positions: JSON, YAML, and (by kind) daemon
//! settings, seccomp profiles, compose files, Kubernetes manifests and Dockerfiles.

pub mod build_step;
pub mod compose;
pub mod daemon_json;
pub mod doc;
pub mod dockerfile;
pub mod files;
pub mod json;
pub mod kubernetes;
pub mod recipe;
pub mod scan;
pub mod seccomp;
pub mod shell_words;
pub mod systemd;
pub mod yaml;
