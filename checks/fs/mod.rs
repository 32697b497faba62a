//! `FS`: the image's flattened filesystem (and what later layers hid).
pub mod empty_password;
pub mod extra_root_account;
pub mod file_capabilities;
pub mod secret_file;
pub mod setuid_setgid_file;
pub mod unnecessary_files;
pub mod world_writable;
