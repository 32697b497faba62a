//! `--baseline REPORT.json`: findings an earlier JSON report already held are suppressed, so a
//! team can adopt stevedore on an old codebase and fail only on what is new.

use crate::error::{Error, Result};
use serde_json::Value;
use std::collections::HashSet;
use std::path::Path;

/// Baselines larger than this are not reports we wrote.
const MAX_BASELINE_BYTES: u64 = 64 << 20;

#[derive(Debug, Clone, Default)]
pub struct Baseline {
    /// The file, as the user named it (for justifications).
    pub name: String,
    /// (rule id, fingerprint) of every finding in it.
    known: HashSet<(String, String)>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Baseline> {
        let name = path.display().to_string();
        let size = std::fs::metadata(path)
            .map_err(|e| Error::io(path, e))?
            .len();
        if size > MAX_BASELINE_BYTES {
            return Err(Error::input(
                &name,
                format!("{size} bytes is larger than any report (limit {MAX_BASELINE_BYTES})"),
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Baseline::parse(&name, &text)
    }

    pub fn parse(name: &str, text: &str) -> Result<Baseline> {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| Error::input(name, format!("not JSON: {e}")))?;
        if doc.get("schema_version").and_then(Value::as_u64).is_none() {
            return Err(Error::input(
                name,
                "not a stevedore JSON report (no schema_version); write one with `-o json=FILE`",
            ));
        }
        let findings = doc
            .get("findings")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::input(name, "no `findings` array"))?;
        let mut known = HashSet::new();
        for (i, f) in findings.iter().enumerate() {
            let field = |k: &str| {
                f.get(k)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| Error::input(name, format!("findings[{i}] has no string `{k}`")))
            };
            known.insert((field("rule_id")?, field("fingerprint")?));
        }
        Ok(Baseline {
            name: name.to_string(),
            known,
        })
    }

    pub fn contains(&self, rule: &str, fingerprint: &str) -> bool {
        self.known
            .contains(&(rule.to_string(), fingerprint.to_string()))
    }

    pub fn len(&self) -> usize {
        self.known.len()
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rule_and_fingerprint_pairs() {
        let b = Baseline::parse(
            "old.json",
            r#"{"schema_version":1,"findings":[{"rule_id":"CTR001","fingerprint":"ab"}]}"#,
        )
        .unwrap();
        assert!(b.contains("CTR001", "ab"));
        assert!(!b.contains("CTR002", "ab"));
        assert!(!b.contains("CTR001", "cd"));
    }

    #[test]
    fn rejects_what_is_not_a_report() {
        for (text, needle) in [
            ("{", "not JSON"),
            ("[]", "no schema_version"),
            (r#"{"schema_version":1}"#, "no `findings` array"),
            (
                r#"{"schema_version":1,"findings":[{"rule_id":"X"}]}"#,
                "findings[0] has no string `fingerprint`",
            ),
        ] {
            let err = Baseline::parse("old.json", text).unwrap_err().to_string();
            assert!(err.contains("old.json") && err.contains(needle), "{err}");
        }
    }
}
