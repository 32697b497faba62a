//! The JSON report: a public, versioned contract documented in `docs/json-report.md`.
//! Bump [`SCHEMA_VERSION`] on any incompatible change.

use crate::catalog::Severity;
use crate::engine::{Finding, Report};
use serde_json::{Map, Value, json};

pub const SCHEMA_VERSION: u32 = 1;

pub fn render(report: &Report) -> String {
    let mut summary = Map::new();
    for s in Severity::ALL {
        summary.insert(s.name().to_string(), json!(report.count(s)));
    }
    summary.insert("suppressed".into(), json!(report.suppressed()));
    let target = serde_json::to_value(&report.target).unwrap_or(Value::Null);
    let doc = json!({
        "schema_version": SCHEMA_VERSION,
        "tool": { "name": "stevedore", "version": crate::VERSION },
        "target": target,
        "rules_run": report.checks.iter().map(|c| c.id).collect::<Vec<_>>(),
        "fail_on": report.fail_on.to_string(),
        "failed": report.failed(),
        "summary": summary,
        "findings": report.findings.iter().map(finding).collect::<Vec<_>>(),
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_default();
    out.push('\n');
    out
}

fn finding(f: &Finding) -> Value {
    let evidence: Map<String, Value> = f
        .evidence
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    let mut out = json!({
        "rule_id": f.check.id,
        "rule_name": f.check.name,
        "title": f.check.title,
        "severity": f.severity,
        "cis": f.check.cis,
        "message": f.message,
        "location": f.subject,
        "evidence": evidence,
        "fingerprint": f.fingerprint,
        "suppression": f.suppression,
        "image": f.image,
    });
    // Only with --dockerfile, so reports without one keep their shape.
    if let (Some(source), Some(map)) = (&f.source, out.as_object_mut()) {
        map.insert("source".into(), json!(source));
    }
    out
}
