//! Audit rules as auditd loads them: the sources under `/etc/audit/rules.d/` (which `augenrules`
//! compiles) and the compiled `/etc/audit/audit.rules`, parsed as rules, not searched as text.

use super::Scan;
use crate::model::node::{AuditRule, NodeConfig};
use crate::model::{Loc, Pos};
use std::sync::Arc;

/// The paths one rule line watches: `-w PATH`, or `-F path=PATH` / `-F dir=PATH` in an `-a` rule.
fn watched(line: &str) -> Vec<String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let mut paths = Vec::new();
    let mut i = 0;
    while i < words.len() {
        match words[i] {
            "-w" => {
                if let Some(p) = words.get(i + 1) {
                    paths.push(p.to_string());
                }
                i += 2;
            }
            "-F" => {
                if let Some(field) = words.get(i + 1) {
                    if let Some(p) = field
                        .strip_prefix("path=")
                        .or_else(|| field.strip_prefix("dir="))
                    {
                        paths.push(p.to_string());
                    }
                }
                i += 2;
            }
            w if w.starts_with("-F") && w.len() > 2 => {
                let field = &w[2..];
                if let Some(p) = field
                    .strip_prefix("path=")
                    .or_else(|| field.strip_prefix("dir="))
                {
                    paths.push(p.to_string());
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    // A deletion (`-W`) or a rule that only names the list is not a watch.
    if line.trim_start().starts_with("-W") || line.trim_start().starts_with("-d") {
        return Vec::new();
    }
    paths
}

pub(super) fn read(scan: &mut Scan, node: &mut NodeConfig) {
    let mut files: Vec<String> = scan
        .root
        .list("/etc/audit/rules.d")
        .into_iter()
        .filter(|f| f.ends_with(".rules"))
        .map(|f| format!("/etc/audit/rules.d/{f}"))
        .collect();
    files.push("/etc/audit/audit.rules".to_string());
    for path in files {
        let Some(text) = scan.read(&path, "audit-rules") else {
            continue;
        };
        let file: Arc<str> = Arc::from(path.as_str());
        node.audit_files.push(path.clone());
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let paths = watched(line);
            if !paths.is_empty() {
                let pos = Pos {
                    line: u32::try_from(i + 1).unwrap_or(u32::MAX),
                    column: 1,
                };
                let resolved = paths.iter().map(|p| scan.root.canonical(p)).collect();
                node.audit_rules.push(AuditRule {
                    paths,
                    resolved,
                    loc: Loc::new(&file, pos, ""),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::watched;

    #[test]
    fn watches_and_path_fields() {
        assert_eq!(
            watched("-w /usr/bin/dockerd -k docker"),
            ["/usr/bin/dockerd"]
        );
        assert_eq!(
            watched("-a exit,always -F path=/run/containerd -F perm=war -k docker"),
            ["/run/containerd"]
        );
        assert_eq!(
            watched("-a always,exit -F dir=/etc/docker -F perm=wa"),
            ["/etc/docker"]
        );
        assert!(watched("-W /usr/bin/dockerd -k docker").is_empty());
        assert!(watched("-D").is_empty());
        assert!(watched("-e 2").is_empty());
    }
}
