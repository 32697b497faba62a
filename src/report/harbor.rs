//! Harbor's vulnerability report (v1.1 of the Pluggable Scanner Adapter API), from the JSON
//! contract: each unsuppressed finding is an item, so Harbor's "prevent vulnerable images from
//! running" can block on it.

use super::json::JsonReport;
use crate::catalog::Severity;
use crate::finding::Subject;
use serde_json::json;

/// The manifest type Harbor is told the artifact has.
const MANIFEST_MIME: &str = crate::oci::media::OCI_MANIFEST;

/// What Harbor shows as the "package": the in-image path, the config field, or the build step.
fn package(location: &Subject) -> String {
    match location {
        Subject::ImageFile { path, .. } => path.clone(),
        Subject::ImageConfig { field, .. } => field.clone(),
        Subject::ImageHistory { step, .. } => step.clone(),
        Subject::File { path, .. } => path.clone(),
    }
}

pub fn vulnerability_report(report: &JsonReport, digest: &str, repository: &str) -> String {
    let mut worst = Severity::Info;
    let items: Vec<serde_json::Value> = report
        .findings
        .iter()
        .filter(|f| f.is_active())
        .map(|f| {
            worst = worst.max(f.severity);
            json!({
                "id": f.rule_id, "package": package(&f.location), "version": "", "fix_version": "",
                "severity": f.severity.harbor(), "description": f.message,
                "links": [format!("{}#{}", super::RULES_DOC_URL, f.rule_id.to_ascii_lowercase())],
            })
        })
        .collect();
    json!({
        "generated_at": crate::date::today(),
        "artifact": {"repository": repository, "digest": digest, "mime_type": MANIFEST_MIME},
        "scanner": {"name": "stevedore", "vendor": "stevedore", "version": crate::VERSION},
        "severity": if items.is_empty() { "None" } else { worst.harbor() },
        "vulnerabilities": items,
    })
    .to_string()
}
