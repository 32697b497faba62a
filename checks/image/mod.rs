//! `IMG`: image configuration, history and build recipe.
pub mod add_instruction;
pub mod latest_tag;
pub mod missing_healthcheck;
pub mod package_cache_left;
pub mod privileged_run_label;
pub mod remote_add_unverified;
pub mod remote_script_piped_to_shell;
pub mod root_user;
pub mod secret_in_config;
pub mod sensitive_port;
pub mod sensitive_volume;
pub mod sudo_in_build;
pub mod update_without_install;
pub mod verification_disabled;
