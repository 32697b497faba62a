//! `FS`: the image's flattened filesystem.
pub mod setuid_setgid_file;
