//! `SCP`: seccomp profiles.
pub mod dangerous_syscall_allowed;
pub mod seccomp_allow_by_default;
