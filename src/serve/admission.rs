//! Kubernetes admission (`AdmissionReview` v1): the pod spec through the `CTR` rules and each
//! image through the image rules (a stored result by digest, else a scan within the deadline);
//! denied when anything reaches `--deny-on`, warnings for the rest.

use super::AppState;
use super::scan::ScanRequest;
use crate::catalog::Severity;
use crate::engine::Models;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

fn answer(uid: &str, allowed: bool, message: Option<String>, warnings: Vec<String>) -> Response {
    let mut response = json!({"uid": uid, "allowed": allowed});
    if let Some(m) = message {
        response["status"] = json!({"code": 403, "message": m});
    }
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    let review = json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response});
    ([("content-type", "application/json")], review.to_string()).into_response()
}

/// A finding as admission reports it: rule, severity, where.
struct Verdict {
    rule: String,
    severity: Severity,
    what: String,
}

pub async fn review(State(state): State<Arc<AppState>>, body: String) -> Response {
    let Ok(review) = serde_json::from_str::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not an AdmissionReview\n").into_response();
    };
    let uid = review
        .pointer("/request/uid")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let Some(object) = review.pointer("/request/object") else {
        return answer(
            &uid,
            true,
            None,
            vec!["stevedore: no object to review".into()],
        );
    };
    let state2 = Arc::clone(&state);
    let object = object.clone();
    // Scans block: keep them off the async workers.
    let verdicts = tokio::task::spawn_blocking(move || judge(&state2, &object)).await;
    let (verdicts, errors) = match verdicts {
        Ok(v) => v,
        Err(e) => (Vec::new(), vec![format!("internal error: {e}")]),
    };
    let deny_on = state.config.deny_on;
    let denied: Vec<&Verdict> = verdicts.iter().filter(|v| v.severity >= deny_on).collect();
    let warnings: Vec<String> = verdicts
        .iter()
        .filter(|v| v.severity < deny_on)
        .map(|v| format!("{} ({}) {}", v.rule, v.severity, v.what))
        .collect();
    if !errors.is_empty() && !state.config.fail_open {
        return answer(
            &uid,
            false,
            Some(format!(
                "stevedore could not judge this object: {}",
                errors.join("; ")
            )),
            warnings,
        );
    }
    if denied.is_empty() {
        return answer(&uid, true, None, warnings);
    }
    let mut rules: Vec<String> = denied
        .iter()
        .map(|v| format!("{} ({}) {}", v.rule, v.severity, v.what))
        .collect();
    rules.dedup();
    answer(
        &uid,
        false,
        Some(format!("denied by stevedore: {}", rules.join("; "))),
        warnings,
    )
}

/// Every finding for the object's containers and images, and what could not be judged.
fn judge(state: &AppState, object: &Value) -> (Vec<Verdict>, Vec<String>) {
    let mut verdicts = Vec::new();
    let mut errors = Vec::new();
    let text = object.to_string();
    let Ok(doc) = crate::inputs::json::parse(&text) else {
        return (verdicts, vec!["the object is not JSON".into()]);
    };
    let file: std::sync::Arc<str> = std::sync::Arc::from("admission");
    let specs = crate::inputs::kubernetes::containers(&file, &doc);
    let models = Models {
        containers: &specs,
        ..Default::default()
    };
    for f in state
        .policy
        .check(&models, &Default::default())
        .into_iter()
        .filter(|f| f.suppression.is_none())
    {
        verdicts.push(Verdict {
            rule: f.check.id.to_string(),
            severity: f.severity,
            what: f.message,
        });
    }
    let mut images: Vec<String> = specs
        .iter()
        .filter_map(|s| s.image.as_ref().map(|i| i.value.clone()))
        .collect();
    images.sort();
    images.dedup();
    for image in images {
        let Ok(reference) = oci_client::Reference::try_from(image.as_str()) else {
            errors.push(format!("image `{image}` is not a reference"));
            continue;
        };
        let host = reference.registry().to_string();
        let registry = match state.registry_for(&host) {
            Ok(r) => r,
            Err(why) => {
                errors.push(why);
                continue;
            }
        };
        let request = ScanRequest {
            reference: image.clone(),
            registry,
            config_only: !state.config.admission_full_scan,
        };
        match state
            .scanner
            .scan_within(request, state.config.admission_deadline)
        {
            Ok(stored) => {
                let doc: Value = serde_json::from_str(&stored.report).unwrap_or_default();
                for f in doc["findings"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|f| f["suppression"].is_null())
                {
                    let severity = f["severity"]
                        .as_str()
                        .unwrap_or("info")
                        .parse()
                        .unwrap_or(Severity::Info);
                    verdicts.push(Verdict {
                        rule: f["rule_id"].as_str().unwrap_or("").to_string(),
                        severity,
                        what: format!("in image {image}"),
                    });
                }
            }
            Err(e) => errors.push(format!("image {image}: {}", e.one_line())),
        }
    }
    (verdicts, errors)
}
