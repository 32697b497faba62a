//! A seccomp profile in Docker's JSON format (also what `security_opt: seccomp=FILE`, Kubernetes
//! `Localhost` profiles and containerd use).

use super::Loc;
use std::sync::Arc;

#[derive(Debug, Clone)]
pub struct SeccompProfile {
    pub file: Arc<str>,
    /// `defaultAction` and where it was written; `None` when missing.
    pub default_action: Option<(String, Loc)>,
    pub rules: Vec<SyscallRule>,
    /// The top of the profile, for findings about what is missing.
    pub root: Loc,
}

#[derive(Debug, Clone)]
pub struct SyscallRule {
    /// Each syscall name with the position it was written at.
    pub names: Vec<(String, Loc)>,
    pub action: String,
    pub args: Vec<ArgFilter>,
    /// `includes.caps`: the rule applies only to containers holding these capabilities.
    pub requires_caps: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgFilter {
    pub index: u32,
    pub value: u64,
    pub value_two: u64,
    pub op: String,
}

impl SeccompProfile {
    /// Reads a profile from a parsed JSON document. `None` when it is not one (no
    /// `defaultAction` and no `syscalls`).
    /// Whether the default action lets every unlisted syscall through.
    pub fn allows_by_default(&self) -> bool {
        self.default_action
            .as_ref()
            .is_some_and(|(a, _)| is_allow(a))
    }
}

/// Actions that let the syscall run.
pub fn is_allow(action: &str) -> bool {
    matches!(action, "SCMP_ACT_ALLOW" | "SCMP_ACT_LOG")
}
