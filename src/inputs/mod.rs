//! Parsers for configuration inputs, keeping positions: JSON, YAML, and (by kind) daemon
//! settings, seccomp profiles, compose files, Kubernetes manifests and Dockerfiles.

pub mod compose;
pub mod doc;
pub mod dockerfile;
pub mod json;
pub mod kubernetes;
pub mod scan;
pub mod yaml;
