//! Integration tests: one binary, one module per concern.

mod support;

mod action;
mod architecture;
mod base_os;
mod baseline;
mod cli;
mod compose_project;
mod config_files;
mod container_image;
mod dockerfile_map;
mod docs;
mod first_minutes;
mod formats;
mod hook;
mod hostile;
mod image_checks;
mod kubernetes;
mod live;
mod node;
mod real_docker;
mod registry;
mod rules;
mod serve;
mod serve_door;
mod snapshots;
mod validation;
