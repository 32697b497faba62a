//! Parsers for configuration inputs, keeping positions: JSON, YAML, and (by kind) daemon
//! settings, seccomp profiles, compose files, Kubernetes manifests and Dockerfiles.

pub mod doc;
pub mod json;
pub mod scan;
pub mod yaml;
