//! The fleet's node drift: the node-scan DaemonSet posts each node's report, proving which node
//! it runs on with its projected ServiceAccount token; `GET /api/v1/nodes` answers each node's
//! latest verdict and what changed since its previous report.
//!
//! The node's name comes from the verified token (`kubernetes.io.node.name`, which the API
//! server binds to the pod's node), never from the URL alone: a compromised node cannot write
//! another's drift. Only the configured service account's tokens are accepted, and only for the
//! configured audience.

use super::AppState;
use super::jwt::{Jwks, verify};
use super::store::NodeReport;
use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// A node report is a JSON report of one node: far below this.
const MAX_REPORT: usize = 4 << 20;

/// Whose tokens may post node reports.
#[derive(Debug, Clone)]
pub(crate) struct NodeTokens {
    pub jwks: Jwks,
    pub audience: String,
    /// The `iss` tokens must carry, when the operator names one.
    pub issuer: Option<String>,
    /// The DaemonSet's service account: `namespace`, `name`.
    pub service_account: (String, String),
    /// Reports kept per node.
    pub keep: usize,
    /// Nodes unseen for this long are forgotten.
    pub expiry_days: i64,
}

/// A DNS-1123 subdomain, as Kubernetes names nodes.
fn node_name_ok(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 253
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

fn refuse(state: &AppState, status: StatusCode, why: &str) -> Response {
    state
        .queue
        .metrics
        .node_reports_refused
        .fetch_add(1, Ordering::Relaxed);
    (status, format!("{why}\n")).into_response()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// `POST /api/v1/nodes/{name}/reports`, authorised by the node's own token.
pub(crate) async fn receive(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let Some(tokens) = state.config.node_tokens.clone() else {
        return refuse(
            &state,
            StatusCode::NOT_FOUND,
            "node reports are not configured (--node-token-jwks)",
        );
    };
    if !node_name_ok(&name) {
        return refuse(
            &state,
            StatusCode::BAD_REQUEST,
            "not a node name (DNS-1123)",
        );
    }
    if body.len() > MAX_REPORT {
        return refuse(&state, StatusCode::PAYLOAD_TOO_LARGE, "report too large");
    }
    let Some(token) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return refuse(
            &state,
            StatusCode::UNAUTHORIZED,
            "a node's ServiceAccount token is required",
        );
    };
    let claims = match verify(
        token.trim(),
        &tokens.jwks,
        &tokens.audience,
        super::store::now(),
    ) {
        Ok(c) => c,
        Err(why) => return refuse(&state, StatusCode::UNAUTHORIZED, &why),
    };
    if let Some(issuer) = &tokens.issuer
        && claims["iss"].as_str() != Some(issuer.as_str())
    {
        return refuse(
            &state,
            StatusCode::UNAUTHORIZED,
            &format!("the token was not issued by `{issuer}`"),
        );
    }
    let k8s = &claims["kubernetes.io"];
    let (ns, sa) = &tokens.service_account;
    if k8s["namespace"].as_str() != Some(ns) || k8s["serviceaccount"]["name"].as_str() != Some(sa) {
        return refuse(
            &state,
            StatusCode::FORBIDDEN,
            "the token is not the node-scan service account's",
        );
    }
    if k8s["node"]["name"].as_str() != Some(name.as_str()) {
        return refuse(
            &state,
            StatusCode::FORBIDDEN,
            "the token is bound to another node: a node reports only for itself",
        );
    }
    let doc = match crate::report::json::JsonReport::parse(&body) {
        Ok(d) => d,
        Err(e) => return refuse(&state, StatusCode::BAD_REQUEST, &e),
    };
    let active: Vec<&crate::report::json::JsonFinding> =
        doc.findings.iter().filter(|f| f.is_active()).collect();
    let worst = active
        .iter()
        .map(|f| f.severity)
        .max()
        .map(|s| s.name().to_string());
    let findings: Vec<Value> = active
        .iter()
        .map(|f| {
            json!({"rule": f.rule_id, "fingerprint": f.fingerprint,
                "severity": f.severity.name(), "message": f.message})
        })
        .collect();
    let report = NodeReport {
        node: name.clone(),
        received: now_ms(),
        worst,
        findings: Value::Array(findings).to_string(),
        report: body,
    };
    let keep = tokens.keep.max(2);
    let expire_before = now_ms() - tokens.expiry_days.max(1) * 86_400_000;
    let stored = super::blocking(&state, move |s| {
        s.queue.store.put_node_report(&report, keep)?;
        s.queue.store.expire_nodes(expire_before).map(|_| ())
    })
    .await;
    match stored {
        Ok(()) => {
            state
                .queue
                .metrics
                .node_reports
                .fetch_add(1, Ordering::Relaxed);
            (StatusCode::ACCEPTED, "stored\n").into_response()
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}\n", e.one_line()),
        )
            .into_response(),
    }
}

/// `GET /api/v1/nodes`: each node's latest verdict, and the findings new or fixed since its
/// previous report.
pub(crate) async fn list(State(state): State<Arc<AppState>>) -> Response {
    let days = state
        .config
        .node_tokens
        .as_ref()
        .map_or(14, |t| t.expiry_days.max(1));
    let since = now_ms() - days * 86_400_000;
    match super::blocking(&state, move |s| s.queue.store.node_reports(since)).await {
        Ok(groups) => {
            let nodes: Vec<Value> = groups.iter().map(|g| node_view(g)).collect();
            (
                [("content-type", "application/json")],
                json!({"nodes": nodes}).to_string(),
            )
                .into_response()
        }
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}\n", e.one_line()),
        )
            .into_response(),
    }
}

/// One node: its newest report against the one before.
pub(crate) fn node_view(reports: &[NodeReport]) -> Value {
    let parse = |r: &NodeReport| -> Vec<Value> {
        serde_json::from_str::<Vec<Value>>(&r.findings).unwrap_or_default()
    };
    let Some(latest) = reports.first() else {
        return Value::Null;
    };
    let now = parse(latest);
    let before = reports.get(1).map(parse);
    let key = |f: &Value| format!("{}#{}", f["rule"], f["fingerprint"]);
    // Sets of keys: a report may hold thousands of findings.
    let keys = |list: &[Value]| {
        list.iter()
            .map(key)
            .collect::<std::collections::HashSet<_>>()
    };
    let only_in = |list: &[Value], other: &std::collections::HashSet<String>| -> Vec<Value> {
        list.iter()
            .filter(|f| !other.contains(&key(f)))
            .cloned()
            .collect()
    };
    let (new, fixed): (Vec<Value>, Vec<Value>) = match &before {
        Some(b) => (only_in(&now, &keys(b)), only_in(b, &keys(&now))),
        None => (Vec::new(), Vec::new()),
    };
    json!({
        "name": latest.node,
        "last_seen_ms": latest.received,
        "worst": latest.worst,
        "findings": now.len(),
        "previous_seen_ms": reports.get(1).map(|r| r.received),
        "new": new,
        "fixed": fixed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_names_are_dns_1123() {
        for ok in ["node-1", "ip-10-0-0-1.ec2.internal", "a"] {
            assert!(node_name_ok(ok), "{ok}");
        }
        for bad in ["", "Node", "-a", "a-", "a/b", "<img>", &"a".repeat(254)] {
            assert!(!node_name_ok(bad), "{bad}");
        }
    }

    #[test]
    fn drift_is_new_and_fixed_against_the_previous_report() {
        let r = |at: i64, f: Value| NodeReport {
            node: "n".into(),
            received: at,
            worst: None,
            findings: f.to_string(),
            report: String::new(),
        };
        let a = json!({"rule": "DMN002", "fingerprint": "1"});
        let b = json!({"rule": "NODE003", "fingerprint": "2"});
        let c = json!({"rule": "KLT001", "fingerprint": "3"});
        let view = node_view(&[r(2, json!([a, c])), r(1, json!([a, b]))]);
        assert_eq!(view["new"], json!([c]));
        assert_eq!(view["fixed"], json!([b]));
        assert_eq!(view["findings"], 2);
        assert_eq!(node_view(&[r(1, json!([a]))])["new"], json!([]));
    }
}
