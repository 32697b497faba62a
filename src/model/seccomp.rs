//! A seccomp profile in Docker's JSON format (also what `security_opt: seccomp=FILE`, Kubernetes
//! `Localhost` profiles and containerd use).

use super::Loc;
use crate::inputs::doc::Node;
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
    /// What makes a profile-shaped document one Docker would refuse to load (it unmarshals the
    /// profile into typed fields), with the line; `None` when the shape is right.
    pub fn shape_problem(doc: &Node) -> Option<String> {
        let wrong = |n: &Node, what: &str| Some(format!("line {}: {what}", n.pos.line));
        if let Some(d) = doc.get("defaultAction") {
            if d.as_str().is_none() {
                return wrong(d, "defaultAction must be a string such as SCMP_ACT_ERRNO");
            }
        }
        doc.get("syscalls").and_then(syscalls_problem)
    }

    pub fn from_doc(file: &Arc<str>, doc: &Node) -> Option<SeccompProfile> {
        if doc.get("defaultAction").is_none() && doc.get("syscalls").is_none() {
            return None;
        }
        let default_action = doc.entry("defaultAction").and_then(|(k, v)| {
            Some((
                v.as_str()?.to_string(),
                Loc::new(file, k.pos, "defaultAction"),
            ))
        });
        let mut rules = Vec::new();
        for (i, rule) in doc
            .get("syscalls")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let field = format!("syscalls[{i}]");
            let mut names: Vec<(String, Loc)> = rule
                .get("names")
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|n| {
                    Some((
                        n.as_str()?.to_string(),
                        Loc::new(file, n.pos, format!("{field}.names")),
                    ))
                })
                .collect();
            // The older format names one syscall per rule.
            if let Some(n) = rule
                .get("name")
                .and_then(|n| n.as_str().map(|s| (s, n.pos)))
            {
                names.push((
                    n.0.to_string(),
                    Loc::new(file, n.1, format!("{field}.name")),
                ));
            }
            let args = rule
                .get("args")
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .map(|a| ArgFilter {
                    index: a.get("index").and_then(Node::as_i64).unwrap_or(0) as u32,
                    value: a.get("value").and_then(Node::as_i64).unwrap_or(0) as u64,
                    value_two: a.get("valueTwo").and_then(Node::as_i64).unwrap_or(0) as u64,
                    op: a.get("op").and_then(Node::as_str).unwrap_or("").to_string(),
                })
                .collect();
            let requires_caps = rule
                .at(&["includes", "caps"])
                .map(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(|c| c.as_str().map(str::to_string))
                .collect();
            rules.push(SyscallRule {
                names,
                action: rule
                    .get("action")
                    .and_then(Node::as_str)
                    .unwrap_or("")
                    .to_string(),
                args,
                requires_caps,
            });
        }
        Some(SeccompProfile {
            file: Arc::clone(file),
            default_action,
            rules,
            root: Loc::new(file, doc.pos, ""),
        })
    }

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

/// See [`SeccompProfile::shape_problem`]: the `syscalls` list.
fn syscalls_problem(syscalls: &Node) -> Option<String> {
    use crate::inputs::doc::Value;
    let wrong = |n: &Node, what: &str| Some(format!("line {}: {what}", n.pos.line));
    if matches!(syscalls.value, Value::Null) {
        return None;
    }
    if !matches!(syscalls.value, Value::Seq(_)) {
        return wrong(syscalls, "syscalls must be a list of rules");
    }
    for rule in syscalls.as_seq() {
        if !rule.is_map() {
            return wrong(rule, "each syscalls entry must be an object");
        }
        if let Some(names) = rule.get("names") {
            let ok = matches!(&names.value, Value::Seq(items) if items.iter().all(|n| n.as_str().is_some()))
                || matches!(names.value, Value::Null);
            if !ok {
                return wrong(names, "names must be a list of syscall names");
            }
        }
        if let Some(action) = rule.get("action") {
            if action.as_str().is_none() {
                return wrong(action, "action must be a string such as SCMP_ACT_ALLOW");
            }
        }
    }
    None
}
