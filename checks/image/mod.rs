//! `IMG`: image configuration, history and build recipe.
pub mod missing_healthcheck;
pub mod root_user;
