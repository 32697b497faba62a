//! `stevedore serve`: one engine, three doors — the Harbor Pluggable Scanner Adapter API,
//! registry push events, and Kubernetes admission — over one result store.

pub mod admission;
pub mod harbor;
pub mod scan;
pub mod store;

use crate::engine::Policy;
use crate::error::{Error, Result};
use crate::source::registry::RegistryOptions;
use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderMap, Request, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use scan::Scanner;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How the server runs.
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub api_key: String,
    pub state_dir: PathBuf,
    pub workers: usize,
    pub queue: usize,
    pub scan_timeout: Duration,
    pub body_limit: usize,
    /// Registries (HOST[:PORT]) the server may pull from; anything else is refused.
    pub allow_registry: Vec<String>,
    pub registry: RegistryOptions,
    pub deny_on: crate::catalog::Severity,
    pub fail_open: bool,
    pub admission_full_scan: bool,
    pub admission_deadline: Duration,
    pub tls: Option<TlsFiles>,
}

pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Clients presenting a certificate signed by this CA need no API key (mTLS).
    pub client_ca: Option<PathBuf>,
}

pub struct AppState {
    pub scanner: Arc<Scanner>,
    pub policy: Arc<Policy>,
    pub config: ServeConfig,
}

impl AppState {
    /// Registry options for a pull from `registry`, or why it is refused.
    pub fn registry_for(&self, registry: &str) -> std::result::Result<RegistryOptions, String> {
        if !self.config.allow_registry.iter().any(|r| r == registry) {
            return Err(format!(
                "registry {registry} is not allowed (--allow-registry)"
            ));
        }
        Ok(self.config.registry.clone())
    }
}

/// Marks a connection whose client certificate was verified (mTLS).
#[derive(Clone, Copy)]
pub struct VerifiedClient(pub bool);

async fn require_key(
    State(state): State<Arc<AppState>>,
    request: Request<Body>,
    next: Next,
) -> Response {
    let verified = request
        .extensions()
        .get::<VerifiedClient>()
        .is_some_and(|v| v.0);
    let headers = request.headers();
    let bearer = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let harbor = headers
        .get("x-scanneradapter-api-key")
        .and_then(|v| v.to_str().ok());
    let key = state.config.api_key.as_str();
    let ok = verified
        || [bearer, harbor]
            .into_iter()
            .flatten()
            .any(|k| constant_time_eq(k.as_bytes(), key.as_bytes()));
    if !ok {
        return (
            StatusCode::UNAUTHORIZED,
            [("www-authenticate", "Bearer")],
            "missing or wrong API key\n",
        )
            .into_response();
    }
    next.run(request).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl IntoResponse {
    let m = &state.scanner.metrics;
    let body = format!(
        "# TYPE stevedore_scans_total counter\nstevedore_scans_total {}\n\
         # TYPE stevedore_scan_failures_total counter\nstevedore_scan_failures_total {}\n\
         # TYPE stevedore_scan_seconds_sum counter\nstevedore_scan_seconds_sum {:.3}\n\
         # TYPE stevedore_cache_hits_total counter\nstevedore_cache_hits_total {}\n\
         # TYPE stevedore_queue_depth gauge\nstevedore_queue_depth {}\n\
         # TYPE stevedore_scans_in_flight gauge\nstevedore_scans_in_flight {}\n\
         # TYPE stevedore_rejected_total counter\nstevedore_rejected_total {}\n",
        m.scans.load(Ordering::Relaxed),
        m.failures.load(Ordering::Relaxed),
        m.scan_millis.load(Ordering::Relaxed) as f64 / 1000.0,
        m.cache_hits.load(Ordering::Relaxed),
        m.queue_depth.load(Ordering::Relaxed),
        m.in_flight.load(Ordering::Relaxed),
        m.rejected.load(Ordering::Relaxed),
    );
    ([("content-type", "text/plain; version=0.0.4")], body)
}

/// `GET /api/v1/reports/{digest}`: the stored JSON report, or SARIF when asked for.
async fn report(
    State(state): State<Arc<AppState>>,
    UrlPath(digest): UrlPath<String>,
    headers: HeaderMap,
) -> Response {
    match state.scanner.store.get(&digest) {
        Ok(Some(stored)) => {
            let wants_sarif = headers
                .get("accept")
                .and_then(|a| a.to_str().ok())
                .is_some_and(|a| a.contains("sarif"));
            if wants_sarif {
                match sarif_of(&stored.report) {
                    Some(s) => ([("content-type", "application/sarif+json")], s).into_response(),
                    None => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "stored report unreadable\n",
                    )
                        .into_response(),
                }
            } else {
                ([("content-type", "application/json")], stored.report).into_response()
            }
        }
        Ok(None) => (StatusCode::NOT_FOUND, "no report for that digest\n").into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("{}\n", e.one_line()),
        )
            .into_response(),
    }
}

/// SARIF from a stored JSON report: results keyed by the catalog's rules.
fn sarif_of(report_json: &str) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_str(report_json).ok()?;
    let repository = doc.pointer("/target/repository")?.as_str()?.to_string();
    let checks: Vec<&'static crate::catalog::Check> = crate::checks::CATALOG
        .iter()
        .copied()
        .filter(|c| c.reads_images())
        .collect();
    let results: Vec<serde_json::Value> = doc["findings"]
        .as_array()?
        .iter()
        .map(|f| {
            serde_json::json!({
                "ruleId": f["rule_id"], "level": crate::catalog::Severity::ALL.iter()
                    .find(|s| s.name() == f["severity"].as_str().unwrap_or("")).map_or("note", |s| s.sarif_level()),
                "message": {"text": f["message"]},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": repository}, "region": {"startLine": 1}}}],
                "partialFingerprints": {"stevedore/v1": f["fingerprint"]},
            })
        })
        .collect();
    let rules: Vec<serde_json::Value> = checks
        .iter()
        .map(|c| {
            serde_json::json!({"id": c.id, "name": c.name, "shortDescription": {"text": c.title},
                "fullDescription": {"text": c.rationale}, "help": {"text": c.remediation},
                "properties": {"security-severity": c.severity.security_severity()}})
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
        "runs": [{"tool": {"driver": {"name": "stevedore", "version": crate::VERSION, "rules": rules}}, "results": results}],
    }))
    .ok()
}

pub fn router(state: Arc<AppState>) -> Router {
    let protected = Router::new()
        .route("/api/v1/metadata", get(harbor::metadata))
        .route("/api/v1/scan", post(harbor::scan))
        .route("/api/v1/scan/{id}/report", get(harbor::report))
        .route("/api/v1/registry-events", post(harbor::registry_events))
        .route("/api/v1/admission", post(admission::review))
        .route("/api/v1/reports/{digest}", get(report))
        .layer(middleware::from_fn_with_state(
            Arc::clone(&state),
            require_key,
        ));
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(|| async { "ready\n" }))
        .route("/metrics", get(metrics))
        .merge(protected)
        .layer(DefaultBodyLimit::max(state.config.body_limit))
        .with_state(state)
}

/// Runs until SIGINT/SIGTERM, then stops taking work and lets running scans finish.
pub fn run(config: ServeConfig, policy: Policy) -> Result<()> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let store: Arc<dyn store::ResultStore> = Arc::new(store::SqliteStore::open(&config.state_dir)?);
    let policy = Arc::new(policy);
    let scanner = Scanner::start(
        config.workers,
        config.queue,
        store,
        Arc::clone(&policy),
        config.scan_timeout,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::input("tokio runtime", e.to_string()))?;
    let listen = config.listen;
    let tls = config.tls.as_ref().map(tls_config).transpose()?;
    let state = Arc::new(AppState {
        scanner: Arc::clone(&scanner),
        policy,
        config,
    });
    let app = router(state);
    runtime.block_on(async move {
        let listener = bind(listen).map_err(|e| Error::io(listen.to_string(), e))?;
        eprintln!(
            "{{\"msg\":\"listening\",\"addr\":\"{listen}\",\"tls\":{}}}",
            tls.is_some()
        );
        match tls {
            None => axum::serve(listener, app.layer(axum::Extension(VerifiedClient(false))))
                .with_graceful_shutdown(shutdown_signal())
                .await
                .map_err(|e| Error::io(listen.to_string(), e))?,
            Some(tls) => serve_tls(listener, app, tls).await,
        }
        Ok::<(), Error>(())
    })?;
    scanner.close();
    // Let running scans finish (bounded by the scan timeout).
    let deadline = std::time::Instant::now() + scanner_timeout(&scanner);
    while scanner.metrics.in_flight.load(Ordering::Relaxed) > 0
        && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn scanner_timeout(_: &Scanner) -> Duration {
    Duration::from_secs(60)
}

/// A listening socket with a deep accept queue. The standard 128 overflows when an admission
/// burst arrives (a rollout creates hundreds of pods at once): dropped SYNs are retried after a
/// second, which showed as a one-second p99 under 200 concurrent reviews.
fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    const BACKLOG: u32 = 1024;
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    eprintln!("{{\"msg\":\"shutting down\"}}");
}

fn tls_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|e| Error::input(files.cert.display().to_string(), e.to_string()))?
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| Error::input(files.cert.display().to_string(), e.to_string()))?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| Error::input(files.key.display().to_string(), e.to_string()))?;
    let builder = rustls::ServerConfig::builder();
    let config = match &files.client_ca {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_file_iter(ca)
                .map_err(|e| Error::input(ca.display().to_string(), e.to_string()))?
            {
                let cert =
                    cert.map_err(|e| Error::input(ca.display().to_string(), e.to_string()))?;
                roots
                    .add(cert)
                    .map_err(|e| Error::input(ca.display().to_string(), e.to_string()))?;
            }
            // A client certificate is optional: without one, the API key is required.
            let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
                .allow_unauthenticated()
                .build()
                .map_err(|e| Error::input(ca.display().to_string(), e.to_string()))?;
            builder
                .with_client_cert_verifier(verifier)
                .with_single_cert(certs, key)
        }
        None => builder.with_no_client_auth().with_single_cert(certs, key),
    }
    .map_err(|e| Error::input(files.cert.display().to_string(), e.to_string()))?;
    Ok(Arc::new(config))
}

async fn serve_tls(listener: tokio::net::TcpListener, app: Router, tls: Arc<rustls::ServerConfig>) {
    use hyper_util::rt::{TokioExecutor, TokioIo};
    use hyper_util::service::TowerToHyperService;
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let shutdown = shutdown_signal();
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = &mut shutdown => break,
        };
        let Ok((tcp, _)) = accepted else { continue };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let Ok(stream) = acceptor.accept(tcp).await else {
                return;
            };
            let verified = stream
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|c| !c.is_empty());
            let service =
                TowerToHyperService::new(app.layer(axum::Extension(VerifiedClient(verified))));
            let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
