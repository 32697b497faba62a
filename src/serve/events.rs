//! The distribution registry's push notifications: each pushed manifest is scanned. An envelope
//! is accepted whole or not at all — the registry retries a whole envelope on a failure, so a
//! partial acceptance would lose the rest — and its manifests are de-duplicated by digest
//! against each other, scans in flight and stored results.

use super::queue::{SubmitError, Submitted, Wanted};
use super::store::Lane;
use super::{AppState, blocking};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;

/// The notification envelope's media type (`application/json` accepted too).
pub(crate) const ENVELOPE_MIME: &str = "application/vnd.docker.distribution.events.v1+json";

pub(crate) async fn receive(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let essence = super::media_type(&headers);
    if essence != ENVELOPE_MIME && essence != "application/json" {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("expected Content-Type {ENVELOPE_MIME}\n"),
        )
            .into_response();
    }
    let Ok(envelope) = serde_json::from_str::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a notification envelope\n").into_response();
    };
    let Some(events) = envelope["events"].as_array() else {
        return (
            StatusCode::BAD_REQUEST,
            "not a notification envelope (no events)\n",
        )
            .into_response();
    };
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut refused = Vec::new();
    for event in events {
        let media_type = event
            .pointer("/target/mediaType")
            .and_then(Value::as_str)
            .unwrap_or("");
        let is_manifest = media_type.contains("manifest") || media_type.contains("image.index");
        if event["action"] != "push" || !is_manifest {
            continue; // layer blobs and pulls
        }
        let (Some(repository), Some(digest)) = (
            event.pointer("/target/repository").and_then(Value::as_str),
            event.pointer("/target/digest").and_then(Value::as_str),
        ) else {
            continue;
        };
        if crate::oci::digest::Digest::parse(digest).is_err() {
            refused.push(format!("`{digest}` is not a digest"));
            continue;
        }
        let host = event
            .pointer("/target/url")
            .and_then(Value::as_str)
            .and_then(|u| u.split("://").nth(1))
            .and_then(|rest| rest.split('/').next())
            .or_else(|| event.pointer("/request/host").and_then(Value::as_str))
            .unwrap_or_default();
        let reference = format!("{host}/{repository}@{digest}");
        let parsed = match state.parse_allowed(&reference) {
            Ok(p) if p.registry == crate::source::registry::egress::canonical_registry(host) => p,
            Ok(p) => {
                refused.push(format!(
                    "`{host}` is not a registry host (docker would pull from {})",
                    p.registry
                ));
                continue;
            }
            Err(why) => {
                refused.push(why);
                continue;
            }
        };
        if wanted.iter().any(|w| w.digest == digest) {
            continue; // the same manifest twice in one envelope
        }
        wanted.push(Wanted {
            reference: parsed.with_digest(digest),
            digest: digest.to_string(),
            creds: None,
        });
    }
    refused.sort();
    refused.dedup();
    match blocking(&state, move |s| s.queue.submit_all(&wanted, Lane::General)).await {
        Ok(submitted) => {
            let count = |f: fn(&Submitted) -> bool| submitted.iter().filter(|(_, s)| f(s)).count();
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                json!({
                    "queued": count(|s| matches!(s, Submitted::Queued(_))),
                    "joined": count(|s| matches!(s, Submitted::Joined(_))),
                    "cached": count(|s| matches!(s, Submitted::Cached(_))),
                    "refused": refused,
                })
                .to_string(),
            )
                .into_response()
        }
        Err(SubmitError::Full | SubmitError::Closed) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "30")],
            "scan queue is full; nothing from this envelope was queued\n",
        )
            .into_response(),
        Err(SubmitError::Store(e)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "30")],
            format!("{}\n", e.one_line()),
        )
            .into_response(),
    }
}
