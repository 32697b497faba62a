//! Harbor's Pluggable Scanner Adapter API v1.2 and the distribution registry's push events.

use super::AppState;
use super::scan::{JobState, ScanRequest};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

pub const METADATA_MIME: &str = "application/vnd.scanner.adapter.metadata+json; version=1.1";
pub const SCAN_REQUEST_MIME: &str =
    "application/vnd.scanner.adapter.scan.request+json; version=1.1";
pub const SCAN_RESPONSE_MIME: &str =
    "application/vnd.scanner.adapter.scan.response+json; version=1.0";
pub const VULN_REPORT_MIME: &str = "application/vnd.security.vulnerability.report; version=1.1";
pub const RAW_REPORT_MIME: &str = "application/vnd.scanner.adapter.vuln.report.raw";
const ERROR_MIME: &str = "application/vnd.scanner.adapter.error; version=1.0";
const MANIFEST_MIMES: [&str; 2] = [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
];

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [("content-type", ERROR_MIME)],
        json!({"error": {"message": message}}).to_string(),
    )
        .into_response()
}

pub async fn metadata() -> Response {
    let body = json!({
        "scanner": {"name": "stevedore", "vendor": "stevedore", "version": crate::VERSION},
        "capabilities": [{
            "type": "vulnerability",
            "consumes_mime_types": MANIFEST_MIMES,
            "produces_mime_types": [VULN_REPORT_MIME, RAW_REPORT_MIME],
        }],
        "properties": {
            "harbor.scanner-adapter/scanner-type": "os-package-vulnerability",
            "org.stevedore/catalog": super::store::catalog_version(),
        },
    });
    ([("content-type", METADATA_MIME)], body.to_string()).into_response()
}

/// `host:port` of a Harbor registry URL.
fn host_of(url: &str) -> (String, bool) {
    let plain = url.starts_with("http://");
    let host = url
        .trim_start_matches("https://")
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("");
    (host.to_string(), plain)
}

/// Registry credentials from the scan request's `Basic …` / `Bearer …` authorization.
fn creds(authorization: &str) -> Option<crate::source::credentials::Credentials> {
    let (kind, value) = authorization.split_once(' ')?;
    match kind {
        "Basic" => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(value.trim())
                .ok()?;
            crate::source::credentials::parse_creds(&String::from_utf8_lossy(&decoded)).ok()
        }
        // Harbor's robot tokens are sent as basic credentials with a bearer-looking name.
        "Bearer" => Some(crate::source::credentials::Credentials {
            username: String::new(),
            secret: value.to_string(),
        }),
        _ => None,
    }
}

pub async fn scan(State(state): State<Arc<AppState>>, body: String) -> Response {
    let Ok(req) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the scan request is not JSON");
    };
    let url = req
        .pointer("/registry/url")
        .and_then(Value::as_str)
        .unwrap_or("");
    let repository = req
        .pointer("/artifact/repository")
        .and_then(Value::as_str)
        .unwrap_or("");
    let digest = req
        .pointer("/artifact/digest")
        .and_then(Value::as_str)
        .unwrap_or("");
    if url.is_empty() || repository.is_empty() || !digest.starts_with("sha256:") {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "registry.url, artifact.repository and artifact.digest are required",
        );
    }
    let (host, plain) = host_of(url);
    let mut registry = match state.registry_for(&host) {
        Ok(r) => r,
        Err(why) => return error(StatusCode::FORBIDDEN, &why),
    };
    if plain && !registry.insecure.contains(&host) {
        registry.insecure.push(host.clone());
    }
    if let Some(c) = req
        .pointer("/registry/authorization")
        .and_then(Value::as_str)
        .and_then(creds)
    {
        registry.creds = Some(c);
    }
    let request = ScanRequest {
        reference: format!("{host}/{repository}@{digest}"),
        registry,
        config_only: false,
    };
    match state.scanner.submit(request) {
        Ok(id) => (
            StatusCode::ACCEPTED,
            [("content-type", SCAN_RESPONSE_MIME)],
            json!({"id": id}).to_string(),
        )
            .into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "10")],
            "scan queue is full\n",
        )
            .into_response(),
    }
}

/// The vulnerability report v1.1 Harbor reads: each finding an item.
fn vulnerability_report(stored: &super::store::Stored) -> Value {
    let doc: Value = serde_json::from_str(&stored.report).unwrap_or_default();
    let mut worst = crate::catalog::Severity::Info;
    let items: Vec<Value> = doc["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["suppression"].is_null())
        .map(|f| {
            let severity = f["severity"].as_str().unwrap_or("info").parse().unwrap_or(crate::catalog::Severity::Info);
            worst = worst.max(severity);
            let package = f["location"]["path"]
                .as_str()
                .or(f["location"]["field"].as_str())
                .or(f["location"]["step"].as_str())
                .unwrap_or("image")
                .to_string();
            json!({
                "id": f["rule_id"], "package": package, "version": "", "fix_version": "",
                "severity": severity.harbor(), "description": f["message"],
                "links": [format!("{}#{}", crate::report::RULES_DOC_URL, f["rule_id"].as_str().unwrap_or("").to_ascii_lowercase())],
            })
        })
        .collect();
    json!({
        "generated_at": crate::image::inventory::today(),
        "artifact": {"repository": stored.repository, "digest": stored.digest, "mime_type": MANIFEST_MIMES[0]},
        "scanner": {"name": "stevedore", "vendor": "stevedore", "version": crate::VERSION},
        "severity": if items.is_empty() { "None" } else { worst.harbor() },
        "vulnerabilities": items,
    })
}

pub async fn report(
    State(state): State<Arc<AppState>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let accept = headers
        .get("accept")
        .and_then(|a| a.to_str().ok())
        .unwrap_or(VULN_REPORT_MIME)
        .to_string();
    match state.scanner.state(&id) {
        None => error(StatusCode::NOT_FOUND, "unknown scan id"),
        Some(JobState::Queued | JobState::Running) => (
            StatusCode::FOUND,
            [
                ("refresh-after", "5"),
                ("location", format!("/api/v1/scan/{id}/report").as_str()),
            ],
            "",
        )
            .into_response(),
        Some(JobState::Failed(why)) => error(StatusCode::INTERNAL_SERVER_ERROR, &why),
        Some(JobState::Done(stored)) => {
            if accept.contains(RAW_REPORT_MIME) {
                ([("content-type", RAW_REPORT_MIME)], stored.report.clone()).into_response()
            } else {
                (
                    [("content-type", VULN_REPORT_MIME)],
                    vulnerability_report(&stored).to_string(),
                )
                    .into_response()
            }
        }
    }
}

/// The distribution registry's notification envelope: each pushed manifest is scanned.
pub async fn registry_events(State(state): State<Arc<AppState>>, body: String) -> Response {
    let Ok(envelope) = serde_json::from_str::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "not a notification envelope\n").into_response();
    };
    let mut queued = 0;
    let mut refused = Vec::new();
    for event in envelope["events"].as_array().into_iter().flatten() {
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
        let host = event
            .pointer("/target/url")
            .and_then(Value::as_str)
            .map(|u| host_of(u).0)
            .or_else(|| {
                event
                    .pointer("/request/host")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            })
            .unwrap_or_default();
        let registry = match state.registry_for(&host) {
            Ok(r) => r,
            Err(why) => {
                refused.push(why);
                continue;
            }
        };
        let request = ScanRequest {
            reference: format!("{host}/{repository}@{digest}"),
            registry,
            config_only: false,
        };
        if state.scanner.submit(request).is_ok() {
            queued += 1;
        }
    }
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        json!({"queued": queued, "refused": refused}).to_string(),
    )
        .into_response()
}
