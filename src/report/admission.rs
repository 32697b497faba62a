//! The answer to a Kubernetes `AdmissionReview`, kept small whatever the request: deduplicated
//! warnings, at most [`MAX_WARNINGS`] of at most [`MAX_WARNING_CHARS`] characters and
//! [`MAX_WARNINGS_BYTES`] in all, a deny message of at most [`MAX_MESSAGE_CHARS`], long names
//! cut with an ellipsis.

use crate::engine::Finding;
use serde_json::json;

/// Warnings in one response at most, each at most [`MAX_WARNING_CHARS`], all together at most
/// [`MAX_WARNINGS_BYTES`]: the API server truncates longer ones, kubectl prints every one.
pub const MAX_WARNINGS: usize = 20;
pub const MAX_WARNING_CHARS: usize = 256;
pub const MAX_WARNINGS_BYTES: usize = 4096;
/// The deny message at most.
pub const MAX_MESSAGE_CHARS: usize = 2048;
/// Distinct images judged in one review at most (more is refused, not half judged).
pub const MAX_IMAGES: usize = 64;

/// `text` cut to `max` characters, with an ellipsis when cut.
pub fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Deduplicated, each cut, at most [`MAX_WARNINGS`] and [`MAX_WARNINGS_BYTES`] in all; what is
/// dropped is counted in a last warning.
pub fn bounded_warnings(warnings: Vec<String>) -> Vec<String> {
    let mut seen = Vec::new();
    for w in warnings {
        let w = cut(&w, MAX_WARNING_CHARS);
        if !seen.contains(&w) {
            seen.push(w);
        }
    }
    let mut out = Vec::new();
    let mut bytes = 0;
    let reserve = 64; // room for the "… more" line
    for w in &seen {
        if out.len() + 1 >= MAX_WARNINGS || bytes + w.len() + reserve > MAX_WARNINGS_BYTES {
            break;
        }
        bytes += w.len();
        out.push(w.clone());
    }
    let dropped = seen.len() - out.len();
    if dropped > 0 {
        out.push(format!("stevedore: {dropped} more warning(s) not shown"));
    }
    out
}

/// The `AdmissionReview` v1 response document.
pub fn review(uid: &str, allowed: bool, message: Option<&str>, warnings: Vec<String>) -> String {
    let mut response = json!({"uid": uid, "allowed": allowed});
    if let Some(m) = message {
        response["status"] = json!({"code": 403, "message": cut(m, MAX_MESSAGE_CHARS)});
    }
    let warnings = bounded_warnings(warnings);
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
        .to_string()
}

/// A finding about the object under review: `CTR001 (critical) Pod/web container web runs privileged`.
pub fn object_reason(f: &Finding) -> String {
    format!("{} ({}) {}", f.check.id, f.severity, f.message)
}

/// A finding of an image the object runs: `FS003 (critical) in image registry/app:1`.
pub fn image_reason(rule: &str, severity: crate::finding::Severity, image: &str) -> String {
    format!("{rule} ({severity}) in image {}", cut(image, 96))
}

/// The deny message: the reasons, then the manifests judged.
pub fn deny_message(reasons: &[String], judged: &[String]) -> String {
    let judged = if judged.is_empty() {
        String::new()
    } else {
        format!(" [judged: {}]", judged.join(", "))
    };
    format!("denied by stevedore: {}{judged}", reasons.join("; "))
}
