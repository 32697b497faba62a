//! A compose service's environment as `docker compose` builds it: `environment:` (map or list)
//! and the `env_file:` files it names. Only values written literally count as values: one that
//! came from `${VAR}` interpolation was written elsewhere (the shell, `.env`), and the compose file
//! holds a reference, not the value.

use super::compose::Files;
use super::doc::{Node, Pos, Value};
use crate::model::Loc;
use crate::model::container::EnvVar;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

/// Strings in a compose document that hold a `${VAR}` or `$VAR` reference (`$$` is a literal
/// `$`), by file and position, recorded before interpolation replaces them.
#[derive(Debug, Default)]
pub struct Interpolated(HashSet<(u16, u32, u32)>);

impl Interpolated {
    pub fn mark(&mut self, node: &Node, src: u16) {
        match &node.value {
            Value::Str(s) if has_reference(s) => {
                self.0.insert((src, node.pos.line, node.pos.column));
            }
            Value::Seq(items) => items.iter().for_each(|n| self.mark(n, src)),
            Value::Map(entries) => entries.iter().for_each(|(_, n)| self.mark(n, src)),
            _ => {}
        }
    }

    fn contains(&self, node: &Node) -> bool {
        self.0.contains(&(node.src, node.pos.line, node.pos.column))
    }
}

fn has_reference(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == b'$' {
            let next = bytes[i + 1];
            if next == b'$' {
                i += 2;
                continue;
            }
            if next == b'{' || next == b'_' || next.is_ascii_alphabetic() {
                return true;
            }
        }
        i += 1;
    }
    false
}

/// `environment:` as a map (`KEY: value`) or a list (`- KEY=value`). A key without a value takes
/// it from the shell at run time: no value here.
pub(super) fn environment(svc: &Node, field: &str, files: &Files) -> Vec<EnvVar> {
    let Some(node) = svc.get("environment") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, value) in node.as_map() {
        if files.interpolated.contains(value) {
            continue;
        }
        if let Some(text) = value.scalar_text() {
            out.push(EnvVar {
                name: key.name.clone(),
                value: text,
                loc: files.loc(value, key.pos, format!("{field}.environment.{}", key.name)),
                env_file: None,
            });
        }
    }
    for item in node.as_seq() {
        if files.interpolated.contains(item) {
            continue;
        }
        let Some((name, value)) = item.scalar_text().and_then(|t| {
            t.split_once('=')
                .map(|(n, v)| (n.trim().to_string(), v.to_string()))
        }) else {
            continue;
        };
        out.push(EnvVar {
            loc: files.loc(item, item.pos, format!("{field}.environment.{name}")),
            name,
            value,
            env_file: None,
        });
    }
    out
}

/// The variables of every `env_file:` (a path, a list of paths, or `{path, required}` entries),
/// read relative to the file that names them. A missing or unreadable required file is a gap in
/// what was graded, returned as `(path, reason)`.
pub(super) fn env_files(svc: &Node, files: &Files) -> (Vec<EnvVar>, Vec<(String, String)>) {
    let Some(node) = svc.get("env_file") else {
        return (Vec::new(), Vec::new());
    };
    let entries: Vec<(String, bool)> = match node.as_str() {
        Some(path) => vec![(path.to_string(), true)],
        None => node
            .as_seq()
            .iter()
            .filter_map(|e| match e.as_str() {
                Some(p) => Some((p.to_string(), true)),
                None => Some((
                    e.get("path")?.as_str()?.to_string(),
                    e.get("required").and_then(Node::as_bool).unwrap_or(true),
                )),
            })
            .collect(),
    };
    let base = files
        .names
        .get(node.src as usize)
        .and_then(|n| Path::new(&**n).parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let (mut vars, mut gaps) = (Vec::new(), Vec::new());
    for (rel, required) in entries {
        let path = super::discover::lexical_join(&base, Path::new(&rel));
        let display = path.display().to_string();
        match std::fs::read_to_string(files.root.at(&path)) {
            Ok(text) => vars.extend(parse_env_file(&text, &Arc::from(display.as_str()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {}
            Err(e) => gaps.push((display, format!("env_file: {e}"))),
        }
    }
    (vars, gaps)
}

/// `KEY=value` lines (`export` allowed, `#` comments, quotes stripped), each located at its line.
pub(super) fn parse_env_file(text: &str, file: &Arc<str>) -> Vec<EnvVar> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let line = line.strip_prefix("export ").unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            continue;
        }
        let value = value.trim();
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        let pos = Pos {
            line: u32::try_from(i + 1).unwrap_or(u32::MAX),
            column: 1,
        };
        out.push(EnvVar {
            name: name.to_string(),
            value: value.to_string(),
            loc: Loc::new(file, pos, name.to_string()),
            env_file: Some(file.to_string()),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_not_values() {
        assert!(has_reference("${DB_PASSWORD}"));
        assert!(has_reference("postgres://u:$PW@db/x"));
        assert!(!has_reference("pa$$word"));
        assert!(!has_reference("costs $5"));
        assert!(!has_reference("plain"));
    }

    #[test]
    fn env_file_lines() {
        let file: Arc<str> = Arc::from("app.env");
        let vars = parse_env_file(
            "# comment\nexport A=1\nB=\"two words\"\n\nC='x'\nnot a var\n",
            &file,
        );
        let got: Vec<(&str, &str, u32)> = vars
            .iter()
            .map(|v| (v.name.as_str(), v.value.as_str(), v.loc.pos.line))
            .collect();
        assert_eq!(got, [("A", "1", 2), ("B", "two words", 3), ("C", "x", 5)]);
    }
}
