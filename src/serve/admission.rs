//! Kubernetes admission (`AdmissionReview` v1). The pod spec goes through the `CTR` rules and
//! every image through the image rules — judged by the manifest digest its reference resolves to
//! now (a tag is never trusted), every platform of an index (the node is not known before
//! scheduling; the worst wins). Images without a full result are scanned within the admission
//! deadline; a scan that cannot finish in time denies (fail closed, unless `--fail-open`) and
//! keeps running, so the retry finds the result. Nothing the reviewed object says about itself
//! suppresses a rule unless the operator trusts it: exceptions come from the server's policy file.

use super::queue::{Flight, Outcome, SubmitError, Submitted, Wanted};
use super::store::{Lane, Stored};
use super::{AppState, blocking};
use crate::catalog::Severity;
use crate::engine::{Models, Scope};
use crate::report::admission::{MAX_IMAGES, cut};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

/// What admission does with workload objects (Deployment, StatefulSet, …): pods are always
/// judged; a workload can be denied at once (the person applying it sees why) or only warned
/// (its pods are denied later, where only events show it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WorkloadVerdict {
    Deny,
    Warn,
}

const WORKLOAD_KINDS: [&str; 7] = [
    "Deployment",
    "ReplicaSet",
    "StatefulSet",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicationController",
];

/// Objects judged by their own rules only (exposure, Pod Security labels): no images.
const OBJECT_KINDS: [&str; 3] = ["Service", "Ingress", "Namespace"];

fn bad_request(why: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("{why}\n")).into_response()
}

fn answer(uid: &str, allowed: bool, message: Option<String>, warnings: Vec<String>) -> Response {
    (
        [("content-type", "application/json")],
        crate::report::admission::review(uid, allowed, message.as_deref(), warnings),
    )
        .into_response()
}

/// One reason to deny (or to warn, below `--deny-on`).
struct Reason {
    rule: String,
    severity: Severity,
    text: String,
}

/// Everything known about one review.
#[derive(Default)]
struct Judgement {
    reasons: Vec<Reason>,
    /// Policy refusals that `--fail-open` does not lift (`--require-digest`).
    refusals: Vec<String>,
    /// What could not be judged: denies unless `--fail-open`.
    errors: Vec<String>,
    /// Scans still running at the deadline.
    pending: Vec<String>,
    warnings: Vec<String>,
    /// `image@digest (platform)` of every manifest judged.
    judged: Vec<String>,
}

pub(crate) async fn review(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let started = Instant::now();
    state
        .queue
        .metrics
        .admission_reviews
        .fetch_add(1, Ordering::Relaxed);
    if super::media_type(&headers) != "application/json" {
        return (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "expected Content-Type application/json\n",
        )
            .into_response();
    }
    let Ok(review) = serde_json::from_str::<Value>(&body) else {
        return bad_request("not JSON");
    };
    if review["apiVersion"] != "admission.k8s.io/v1" || review["kind"] != "AdmissionReview" {
        return bad_request("expected apiVersion admission.k8s.io/v1, kind AdmissionReview");
    }
    let Some(request) = review.get("request").filter(|r| r.is_object()) else {
        return bad_request("the review has no request");
    };
    let Some(uid) = request["uid"]
        .as_str()
        .filter(|u| !u.is_empty() && u.len() <= 128)
    else {
        return bad_request("the request has no uid");
    };
    match request["operation"].as_str() {
        Some("CREATE" | "UPDATE") => {}
        // Removing or attaching to a workload is not what stevedore judges.
        Some("DELETE" | "CONNECT") => return answer(uid, true, None, Vec::new()),
        _ => return bad_request("unknown operation"),
    }
    let Some(object) = request.get("object").filter(|o| o.is_object()) else {
        return bad_request("the request has no object");
    };
    let kind = request
        .pointer("/kind/kind")
        .and_then(Value::as_str)
        .unwrap_or("");
    let sub = request["subResource"].as_str().unwrap_or("");
    let is_pod = kind == "Pod" && (sub.is_empty() || sub == "ephemeralcontainers");
    let is_workload = WORKLOAD_KINDS.contains(&kind) && sub.is_empty();
    let is_object = OBJECT_KINDS.contains(&kind) && sub.is_empty();
    if !is_pod && !is_workload && !is_object {
        return answer(uid, true, None, Vec::new());
    }
    let namespace = request["namespace"].as_str().unwrap_or("").to_string();
    if state.config.exempt_namespaces.contains(&namespace) {
        return answer(
            uid,
            true,
            None,
            vec![format!(
                "stevedore: namespace {namespace} is exempt (--exempt-namespace)"
            )],
        );
    }
    let dry_run = request["dryRun"].as_bool() == Some(true);
    let deadline = started + state.config.admission_deadline;
    let j = judge(&state, object, &namespace, dry_run, deadline).await;
    let name = object
        .pointer("/metadata/name")
        .or_else(|| object.pointer("/metadata/generateName"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    let what = if namespace.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {namespace}/{name}")
    };
    verdict(&state, uid, j, is_workload, dry_run, what)
}

fn verdict(
    state: &AppState,
    uid: &str,
    j: Judgement,
    is_workload: bool,
    dry_run: bool,
    what: String,
) -> Response {
    let deny_on = state.config.deny_on;
    let mut deny: Vec<String> = j.refusals.clone();
    let mut warnings = j.warnings;
    for r in &j.reasons {
        if r.severity >= deny_on {
            deny.push(r.text.clone());
        } else {
            warnings.push(r.text.clone());
        }
    }
    if !j.errors.is_empty() {
        if state.config.fail_open {
            warnings.extend(
                j.errors
                    .iter()
                    .map(|e| format!("stevedore could not judge (allowed by --fail-open): {e}")),
            );
        } else {
            deny.push(format!(
                "stevedore could not judge: {}",
                j.errors.join("; ")
            ));
        }
    }
    if !j.pending.is_empty() {
        let what = j.pending.join(", ");
        let text = if dry_run {
            format!(
                "no stored result for {what} and the scan did not finish in time (a dry run queues no scan)"
            )
        } else {
            format!(
                "stevedore is scanning {what}; retry in a minute (controllers retry on their own; rerun kubectl apply)"
            )
        };
        if state.config.fail_open {
            warnings.push(format!("{text} (allowed by --fail-open)"));
        } else {
            deny.push(text);
        }
    }
    deny.dedup();
    if deny.is_empty() {
        return answer(uid, true, None, warnings);
    }
    if is_workload && state.config.workload_verdict == WorkloadVerdict::Warn {
        warnings.insert(
            0,
            "stevedore would deny this workload's pods (--workload-verdict warn)".into(),
        );
        warnings.extend(deny);
        return answer(uid, true, None, warnings);
    }
    state
        .queue
        .metrics
        .admission_denied
        .fetch_add(1, Ordering::Relaxed);
    state.ui.record_denial(what, &deny);
    answer(
        uid,
        false,
        Some(crate::report::admission::deny_message(&deny, &j.judged)),
        warnings,
    )
}

/// The object's containers and images, judged.
async fn judge(
    state: &Arc<AppState>,
    object: &Value,
    namespace: &str,
    dry_run: bool,
    deadline: Instant,
) -> Judgement {
    let mut j = Judgement::default();
    let doc = crate::inputs::doc::Node::from_json(object);
    let file: Arc<str> = Arc::from("admission");
    let mut specs = crate::inputs::kubernetes::containers(&file, &doc);
    for s in &mut specs {
        if s.namespace.is_none() && !namespace.is_empty() {
            s.namespace = Some(namespace.to_string());
        }
    }
    if !state.policy.trusts_inline_ignores() && specs.iter().any(|s| !s.ignores.is_empty()) {
        j.warnings.push(format!(
            "stevedore: the {} annotation was ignored: a reviewed object cannot exempt itself (operator exceptions belong in the server's policy file)",
            crate::suppress::ANNOTATION
        ));
    }
    let mut cluster = crate::model::kube::Cluster::default();
    crate::inputs::kubernetes_objects::collect(&file, &doc, &mut cluster);
    for o in cluster
        .pods
        .iter_mut()
        .map(|p| &mut p.object)
        .chain(cluster.services.iter_mut().map(|s| &mut s.object))
        .chain(cluster.ingresses.iter_mut().map(|i| &mut i.object))
    {
        if o.namespace.is_none() && !namespace.is_empty() {
            o.namespace = Some(namespace.to_string());
        }
    }
    if let Some(level) = state.config.deny_pod_security {
        for pod in &cluster.pods {
            let e = crate::pss::evaluate(pod, crate::pss::Version::LATEST);
            if e.level < level {
                let controls: Vec<String> = e
                    .failing(level)
                    .map(|f| format!("{} ({})", f.control, f.detail))
                    .collect();
                j.refusals.push(format!(
                    "Pod Security {} ({}): {}",
                    level.name(),
                    e.version,
                    controls.join("; ")
                ));
            }
        }
    }
    // One request is a partial view: rules that count across objects stay silent.
    cluster.whole = false;
    let models = Models {
        containers: &specs,
        cluster: Some(&cluster),
        ..Default::default()
    };
    for f in state
        .policy
        .check(&models, &Default::default())
        .into_iter()
        .filter(|f| f.suppression.is_none())
    {
        j.reasons.push(Reason {
            rule: f.check.id.to_string(),
            severity: f.severity,
            text: crate::report::admission::object_reason(&f),
        });
    }
    let mut images: Vec<String> = specs
        .iter()
        .filter_map(|s| s.image.as_ref().map(|i| i.value.clone()))
        .collect();
    images.sort();
    images.dedup();
    if images.len() > MAX_IMAGES {
        j.errors.push(format!(
            "{} distinct images; stevedore judges at most {MAX_IMAGES} per object",
            images.len()
        ));
        return j;
    }
    let scope_workloads = specs
        .first()
        .map(|s| s.workloads.clone())
        .unwrap_or_default();
    let scope_namespace = (!namespace.is_empty()).then(|| namespace.to_string());
    let mut tasks = tokio::task::JoinSet::new();
    for image in images {
        let state = Arc::clone(state);
        tasks.spawn(async move {
            let mut part = Judgement::default();
            judge_image(&state, &image, dry_run, deadline, &mut part).await;
            (image, part)
        });
    }
    let mut parts = Vec::new();
    while let Some(done) = tasks.join_next().await {
        match done {
            Ok(p) => parts.push(p),
            Err(e) => j.errors.push(format!("internal error: {e}")),
        }
    }
    parts.sort_by(|a, b| a.0.cmp(&b.0));
    let scope = Scope {
        namespace: scope_namespace.as_deref(),
        workloads: &scope_workloads,
    };
    for (_, part) in parts {
        j.refusals.extend(part.refusals);
        j.errors.extend(part.errors);
        j.pending.extend(part.pending);
        j.warnings.extend(part.warnings);
        j.judged.extend(part.judged);
        for r in part.reasons {
            // The operator's exceptions apply by rule.
            let check = crate::checks::CATALOG.iter().find(|c| c.id == r.rule);
            if let Some(check) = check {
                let (suppressed, expired) = state.policy.scoped_suppression(check, &scope);
                if suppressed.is_some() {
                    continue;
                }
                if let Some(note) = expired {
                    j.warnings.push(format!("stevedore: {note}"));
                }
            }
            j.reasons.push(r);
        }
    }
    j
}

/// Findings of a stored image result, as reasons.
fn reasons_of(state: &AppState, stored: &Stored, image: &str, into: &mut Judgement) {
    match state.verdicts.active_findings(stored, &state.policy) {
        Ok(found) => {
            for (rule, severity) in found.iter() {
                into.reasons.push(Reason {
                    rule: rule.clone(),
                    severity: *severity,
                    text: crate::report::admission::image_reason(rule, *severity, image),
                });
            }
        }
        Err(e) => into
            .errors
            .push(format!("image {}: stored result: {e}", cut(image, 96))),
    }
}

/// `sha256:` and the first 12 hex digits: enough to find the digest, short enough to list.
fn short_digest(digest: &str) -> String {
    let short: String = digest.chars().take(19).collect();
    if short.len() < digest.len() {
        format!("{short}…")
    } else {
        short
    }
}

async fn judge_image(
    state: &Arc<AppState>,
    image: &str,
    dry_run: bool,
    deadline: Instant,
    j: &mut Judgement,
) {
    let short = cut(image, 96);
    let parsed = match state.parse_allowed(image) {
        Ok(p) => p,
        Err(why) => {
            j.errors.push(format!("image {short}: {why}"));
            return;
        }
    };
    if parsed.digest.is_none() && state.config.require_digest {
        j.refusals.push(format!("image {short} is named by tag; this cluster requires @sha256: digests (--require-digest)"));
        return;
    }
    // A digest with a current result needs no network; anything else is resolved now.
    let mut manifests: Vec<(String, String)> = Vec::new(); // (digest, platform)
    let cached = match &parsed.digest {
        // A result this replica holds in memory needs no thread of the blocking pool: the
        // common case, a pod whose image was judged before.
        Some(d) => match state.queue.results.get(d) {
            Some(hit) => Some(hit),
            None => {
                let d = d.clone();
                blocking(state, move |s| s.queue.result(&d))
                    .await
                    .ok()
                    .flatten()
            }
        },
        None => None,
    };
    if let (Some(_), Some(stored)) = (&parsed.digest, &cached) {
        reasons_of(state, stored, image, j);
        j.judged.push(short.clone());
        return;
    } else {
        let mut options = state.config.registry.clone();
        options.deadline = Some(deadline);
        options.timeout = state.config.admission_deadline;
        match crate::source::registry::resolve(image, &crate::limits::Limits::default(), &options)
            .await
        {
            Ok(r) if r.platforms.is_empty() => manifests.push((r.digest, String::new())),
            Ok(r) => manifests.extend(r.platforms.into_iter().map(|(p, d)| (d, p))),
            Err(e) => {
                j.errors.push(format!("image {short}: {}", e.one_line()));
                return;
            }
        }
    }
    let mut waiting: Vec<(String, String, Arc<Flight>)> = Vec::new();
    for (digest, platform) in manifests {
        // What was judged: the digest a tag or an index resolved to, and its platform.
        let label = match (
            parsed.digest.as_deref() == Some(digest.as_str()),
            platform.is_empty(),
        ) {
            (true, true) => short.clone(),
            (_, true) => format!("{short} → {}", short_digest(&digest)),
            (_, false) => format!("{short} → {} ({platform})", short_digest(&digest)),
        };
        let reference = parsed.with_digest(&digest);
        let key = digest.clone();
        match blocking(state, move |s| s.queue.result(&key)).await {
            Ok(Some(stored)) => {
                reasons_of(state, &stored, image, j);
                j.judged.push(label);
                continue;
            }
            Ok(None) => {}
            Err(e) => {
                j.errors.push(format!("image {short}: {}", e.one_line()));
                continue;
            }
        }
        let key = digest.clone();
        if let Ok(Some((stored, catalog))) =
            blocking(state, move |s| s.queue.store.latest(&key)).await
        {
            reasons_of(state, &stored, image, j);
            j.judged.push(format!("{label} (stale)"));
            j.warnings.push(format!("stevedore: {label} judged from a result of an earlier catalog ({catalog}); a rescan is queued"));
            if !dry_run {
                let wanted = Wanted {
                    reference,
                    digest,
                    creds: None,
                };
                let _ = blocking(state, move |s| s.queue.submit(wanted, Lane::General)).await;
            }
            continue;
        }
        if state.config.admission_config_only {
            j.warnings.push(format!("stevedore: {label}: layers not judged yet (--admission-config-only: manifest and config only); a full scan is queued"));
            if !dry_run {
                let wanted = Wanted {
                    reference: reference.clone(),
                    digest: digest.clone(),
                    creds: None,
                };
                let _ = blocking(state, move |s| s.queue.submit(wanted, Lane::General)).await;
            }
            match state.queue.ephemeral(&reference, &digest, true, deadline) {
                Ok(f) => waiting.push((label, digest, f)),
                Err(_) => j.errors.push(format!("{label}: the scan queue is full")),
            }
            continue;
        }
        let flight = if dry_run {
            state.queue.ephemeral(&reference, &digest, false, deadline)
        } else {
            let wanted = Wanted {
                reference,
                digest: digest.clone(),
                creds: None,
            };
            match blocking(state, move |s| s.queue.submit(wanted, Lane::Admission)).await {
                Ok((_, Submitted::Cached(stored))) => {
                    reasons_of(state, &stored, image, j);
                    j.judged.push(label);
                    continue;
                }
                Ok((_, submitted)) => submitted.flight().cloned().ok_or(SubmitError::Closed),
                Err(e) => Err(e),
            }
        };
        match flight {
            Ok(f) => waiting.push((label, digest, f)),
            Err(SubmitError::Store(e)) => j.errors.push(format!("{label}: {}", e.one_line())),
            Err(_) => j.errors.push(format!("{label}: the scan queue is full")),
        }
    }
    for (label, _digest, flight) in waiting {
        let outcome: Option<Outcome> = flight.wait(deadline).await;
        match outcome {
            Some(Ok(stored)) => {
                reasons_of(state, &stored, image, j);
                j.judged.push(label);
            }
            Some(Err(e)) if e.contains("deadline reached") => j.pending.push(label),
            Some(Err(e)) => j.errors.push(format!("{label}: {e}")),
            None => j.pending.push(label),
        }
    }
}
