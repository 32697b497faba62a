//! Harbor's Pluggable Scanner Adapter API v1.2.

use super::queue::{SubmitError, Wanted};
use super::store::{JobStatus, Lane};
use super::{AppState, blocking};
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use std::sync::Arc;

pub(crate) const METADATA_MIME: &str = "application/vnd.scanner.adapter.metadata+json; version=1.1";
pub(crate) const SCAN_REQUEST_MIME: &str = "application/vnd.scanner.adapter.scan.request+json";
pub(crate) const SCAN_RESPONSE_MIME: &str =
    "application/vnd.scanner.adapter.scan.response+json; version=1.0";
pub(crate) const VULN_REPORT_MIME: &str =
    "application/vnd.security.vulnerability.report; version=1.1";
pub(crate) const RAW_REPORT_MIME: &str = "application/vnd.scanner.adapter.vuln.report.raw";
const ERROR_MIME: &str = "application/vnd.scanner.adapter.error; version=1.0";
const MANIFEST_MIMES: [&str; 2] = crate::oci::media::IMAGE_MANIFEST_TYPES;

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [("content-type", ERROR_MIME)],
        json!({"error": {"message": message}}).to_string(),
    )
        .into_response()
}

pub(crate) async fn metadata() -> Response {
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

/// The registry host of a Harbor `registry.url`, and whether it asked for plain HTTP.
fn host_of(url: &str) -> Option<(String, bool)> {
    let (plain, rest) = if let Some(r) = url.strip_prefix("http://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("https://") {
        (false, r)
    } else {
        return None;
    };
    let host = rest.split('/').next().unwrap_or("");
    (!host.is_empty() && !host.contains('@')).then(|| (host.to_string(), plain))
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

pub(crate) async fn scan(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    if super::media_type(&headers) != SCAN_REQUEST_MIME {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            &format!("expected Content-Type {SCAN_REQUEST_MIME}"),
        );
    }
    let Ok(req) = serde_json::from_str::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "the scan request is not JSON");
    };
    let field = |p: &str| req.pointer(p).and_then(Value::as_str).unwrap_or("");
    let (url, repository, digest) = (
        field("/registry/url"),
        field("/artifact/repository"),
        field("/artifact/digest"),
    );
    if url.is_empty() || repository.is_empty() || crate::oci::digest::Digest::parse(digest).is_err()
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "registry.url (http[s]://host[:port]), artifact.repository and artifact.digest (sha256:…) are required",
        );
    }
    let Some((host, plain)) = host_of(url) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "registry.url must be http[s]://host[:port]",
        );
    };
    let reference = format!("{host}/{repository}@{digest}");
    let parsed = match crate::source::registry::ParsedReference::parse(&reference) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::UNPROCESSABLE_ENTITY, &e.one_line()),
    };
    if let Err(e) = state
        .config
        .registry
        .egress
        .check_registry(&parsed.registry)
    {
        return error(StatusCode::FORBIDDEN, &e.one_line());
    }
    // The reference must be pulled from the host Harbor named, not from wherever docker's
    // rules would take a name like `myreg/app` (Docker Hub).
    if parsed.registry != crate::source::registry::egress::canonical_registry(&host)
        || parsed.repository != repository
    {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            &format!(
                "registry.url host `{host}` is not a registry host (docker would pull `{reference}` from {})",
                parsed.registry
            ),
        );
    }
    // Plain HTTP only where the operator said so: otherwise TLS, whatever the URL says.
    if plain && !state.insecure(&parsed.registry) {
        eprintln!(
            "{}",
            json!({"msg": "harbor asked for plain HTTP; using TLS (not an --insecure-registry host)", "registry": parsed.registry})
        );
    }
    // Harbor's per-request authorization is for this request's registry only, and in memory.
    let creds = req
        .pointer("/registry/authorization")
        .and_then(Value::as_str)
        .and_then(creds);
    let wanted = Wanted {
        reference: parsed.with_digest(digest),
        digest: digest.to_string(),
        creds,
    };
    match blocking(&state, move |s| s.queue.submit(wanted, Lane::General)).await {
        Ok((id, _)) => (
            StatusCode::ACCEPTED,
            [("content-type", SCAN_RESPONSE_MIME)],
            json!({"id": id}).to_string(),
        )
            .into_response(),
        Err(SubmitError::Full | SubmitError::Closed) => (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "10")],
            "scan queue is full\n",
        )
            .into_response(),
        Err(SubmitError::Store(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.one_line()),
    }
}

pub(crate) async fn report(
    State(state): State<Arc<AppState>>,
    UrlPath(id): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    let accept = headers
        .get("accept")
        .and_then(|a| a.to_str().ok())
        .unwrap_or(VULN_REPORT_MIME)
        .to_string();
    if id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return error(StatusCode::NOT_FOUND, "unknown scan id");
    }
    let job_id = id.clone();
    let job = match blocking(&state, move |s| s.queue.store.job(&job_id)).await {
        Ok(Some(job)) => job,
        Ok(None) => return error(StatusCode::NOT_FOUND, "unknown scan id"),
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &e.one_line()),
    };
    match job.status {
        JobStatus::Queued | JobStatus::Running => (
            StatusCode::FOUND,
            [
                ("refresh-after", "5"),
                ("location", format!("/api/v1/scan/{id}/report").as_str()),
            ],
            "",
        )
            .into_response(),
        JobStatus::Failed => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            job.error.as_deref().unwrap_or("the scan failed"),
        ),
        JobStatus::Done => match blocking(&state, move |s| s.queue.result(&job.digest)).await {
            Ok(Some(stored)) => match super::judged(&state, &stored) {
                Ok(doc) if accept.contains(RAW_REPORT_MIME) => {
                    ([("content-type", RAW_REPORT_MIME)], doc.render()).into_response()
                }
                Ok(doc) => (
                    [("content-type", VULN_REPORT_MIME)],
                    crate::report::harbor::vulnerability_report(
                        &doc,
                        &stored.digest,
                        &stored.repository,
                    ),
                )
                    .into_response(),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e),
            },
            Ok(None) => error(
                StatusCode::NOT_FOUND,
                "the result is no longer stored; scan again",
            ),
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.one_line()),
        },
    }
}
