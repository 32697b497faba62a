//! A seccomp profile (Docker's JSON format) into the seccomp model, and the shape Docker refuses
//! to load.

use super::doc::{Node, Value};
use crate::model::Loc;
use crate::model::seccomp::{ArgFilter, SeccompProfile, SyscallRule};
use std::sync::Arc;

impl SeccompProfile {
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
}

/// See [`SeccompProfile::shape_problem`]: the `syscalls` list.
fn syscalls_problem(syscalls: &Node) -> Option<String> {
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
