//! The server's connection loop, written out so every wait has a bound: a TLS handshake, a
//! request header, a request body and an idle keep-alive connection each have a timeout, and the
//! number of connections has a cap below the process's file limit. At the cap, or when accept
//! runs out of descriptors, the connection idle the longest is closed, so a crowd of silent
//! sockets cannot keep `/healthz` or an admission review from being answered. On shutdown the
//! loop stops accepting, closes idle connections at once and lets requests in progress finish.

use super::auth::Peer;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use axum::response::IntoResponse;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::TcpListener;

/// Timeouts and the connection cap.
#[derive(Debug, Clone)]
pub(crate) struct HttpLimits {
    pub max_connections: usize,
    pub tls_handshake: Duration,
    pub header: Duration,
    pub body: Duration,
    pub idle: Duration,
    pub body_limit: usize,
}

/// Descriptors kept free of connections: the store, registry pulls, the listeners.
const FD_RESERVE: usize = 64;

/// The connection cap: the configured one, or less when the file limit is lower.
pub(crate) fn connection_cap(configured: usize) -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3))
                .and_then(|v| v.parse::<usize>().ok())
        });
    match soft {
        Some(limit) => configured.min(limit.saturating_sub(FD_RESERVE)).max(8),
        None => configured,
    }
}

struct Conn {
    busy: AtomicUsize,
    /// Chosen for eviction (not chosen twice).
    evicting: std::sync::atomic::AtomicBool,
    /// Milliseconds since the tracker started, at the last request start or end.
    last_active: AtomicU64,
    close: tokio::sync::Notify,
}

/// Every open connection, to cap, evict and shut down.
pub(crate) struct Tracker {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next: AtomicU64,
    epoch: Instant,
    limits: HttpLimits,
    pub evicted: AtomicU64,
    pub refused: AtomicU64,
}

impl Tracker {
    pub(crate) fn new(limits: HttpLimits) -> Arc<Tracker> {
        Arc::new(Tracker {
            conns: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            epoch: Instant::now(),
            limits,
            evicted: AtomicU64::new(0),
            refused: AtomicU64::new(0),
        })
    }

    fn now_ms(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    /// The connection cap in force.
    pub(crate) fn cap(&self) -> usize {
        self.limits.max_connections
    }

    pub(crate) fn open(&self) -> usize {
        self.conns.lock().map(|c| c.len()).unwrap_or(0)
    }

    /// Closes the connection idle the longest; false when every connection is busy.
    fn evict_one(&self) -> bool {
        let Ok(conns) = self.conns.lock() else {
            return false;
        };
        let oldest = conns
            .values()
            .filter(|c| c.busy.load(Ordering::Relaxed) == 0 && !c.evicting.load(Ordering::Relaxed))
            .min_by_key(|c| c.last_active.load(Ordering::Relaxed))
            .cloned();
        drop(conns);
        match oldest {
            Some(c) => {
                c.evicting.store(true, Ordering::Relaxed);
                c.close.notify_one();
                self.evicted.fetch_add(1, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }

    /// Registers a new connection, making room at the cap; `None` when every connection is busy.
    fn admit(&self) -> Option<(u64, Arc<Conn>)> {
        if self.open() >= self.limits.max_connections && !self.evict_one() {
            self.refused.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let conn = Arc::new(Conn {
            busy: AtomicUsize::new(0),
            evicting: std::sync::atomic::AtomicBool::new(false),
            last_active: AtomicU64::new(self.now_ms()),
            close: tokio::sync::Notify::new(),
        });
        self.conns.lock().ok()?.insert(id, Arc::clone(&conn));
        Some((id, conn))
    }

    fn forget(&self, id: u64) {
        if let Ok(mut c) = self.conns.lock() {
            c.remove(&id);
        }
    }

    /// Asks every connection to close: idle ones at once, busy ones after their request.
    pub(crate) fn close_all(&self) {
        if let Ok(conns) = self.conns.lock() {
            for c in conns.values() {
                c.close.notify_one();
            }
        }
    }

    /// Connections with a request in progress.
    pub(crate) fn busy(&self) -> usize {
        self.conns
            .lock()
            .map(|c| {
                c.values()
                    .filter(|c| c.busy.load(Ordering::Relaxed) > 0)
                    .count()
            })
            .unwrap_or(0)
    }
}

/// The router as a hyper service that counts requests in progress on its connection and hands
/// the handlers the client certificate.
#[derive(Clone)]
struct Counted {
    router: Router,
    conn: Arc<Conn>,
    tracker: Arc<Tracker>,
    peer: Peer,
}

impl hyper::service::Service<Request<Incoming>> for Counted {
    type Response = Response<Body>;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response<Body>, Self::Error>> + Send>>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(self.peer.clone());
        let mut router = self.router.clone();
        let conn = Arc::clone(&self.conn);
        let tracker = Arc::clone(&self.tracker);
        let body_limit = self.tracker.limits.body_limit;
        let body_timeout = self.tracker.limits.body;
        Box::pin(async move {
            conn.busy.fetch_add(1, Ordering::Relaxed);
            conn.last_active.store(tracker.now_ms(), Ordering::Relaxed);
            let response = match read_body(request, body_limit, body_timeout).await {
                Ok(request) => tower_service::Service::call(&mut router, request)
                    .await
                    .unwrap_or_else(|e| match e {}),
                Err(response) => response,
            };
            conn.last_active.store(tracker.now_ms(), Ordering::Relaxed);
            conn.busy.fetch_sub(1, Ordering::Relaxed);
            Ok(response)
        })
    }
}

/// Reads the whole body within `timeout` and `limit`: a client trickling a body holds no handler.
async fn read_body(
    request: Request<Body>,
    limit: usize,
    timeout: Duration,
) -> Result<Request<Body>, Response<Body>> {
    let (parts, body) = request.into_parts();
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Ok(Err(_)) => Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body larger than {limit} bytes\n"),
        )
            .into_response()),
        Err(_) => Err((
            StatusCode::REQUEST_TIMEOUT,
            format!("request body not received within {}s\n", timeout.as_secs()),
        )
            .into_response()),
    }
}

/// Serves `router` on `listener` until `shutdown` resolves; TLS when `tls` is given.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    tracker: Arc<Tracker>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait_for(|stop| *stop) => break,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                // Out of descriptors (EMFILE/ENFILE) or a transient error: make room, breathe.
                if matches!(e.raw_os_error(), Some(23 | 24)) {
                    tracker.evict_one();
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let Some((id, conn)) = tracker.admit() else {
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let router = router.clone();
        let tracker = Arc::clone(&tracker);
        let acceptor = acceptor.clone();
        tokio::spawn(async move {
            match acceptor {
                None => {
                    let service = Counted {
                        router,
                        conn: Arc::clone(&conn),
                        tracker: Arc::clone(&tracker),
                        peer: Peer::default(),
                    };
                    drive(tcp, service, &conn, &tracker).await;
                }
                Some(acceptor) => {
                    let handshake = tokio::select! {
                        h = tokio::time::timeout(tracker.limits.tls_handshake, acceptor.accept(tcp)) => {
                            h.ok().and_then(Result::ok)
                        }
                        _ = conn.close.notified() => None,
                    };
                    if let Some(stream) = handshake {
                        let peer = Peer(
                            stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|c| c.first())
                                .map(|c| Arc::new(c.clone().into_owned())),
                        );
                        let service = Counted {
                            router,
                            conn: Arc::clone(&conn),
                            tracker: Arc::clone(&tracker),
                            peer,
                        };
                        drive(stream, service, &conn, &tracker).await;
                    }
                }
            }
            tracker.forget(id);
        });
    }
}

/// Runs one HTTP/1.1 connection until it ends, idles out, or is asked to close.
async fn drive<S>(io: S, service: Counted, conn: &Arc<Conn>, tracker: &Arc<Tracker>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(tracker.limits.header);
    let connection = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(connection);
    let mut closing = false;
    let tick = Duration::from_millis(250);
    loop {
        tokio::select! {
            _ = connection.as_mut() => return,
            _ = conn.close.notified(), if !closing => {
                // Nothing in progress (a half-sent header counts as nothing): close now.
                if conn.busy.load(Ordering::Relaxed) == 0 {
                    return;
                }
                closing = true;
                connection.as_mut().graceful_shutdown();
            }
            _ = tokio::time::sleep(tick) => {
                let requests = conn.busy.load(Ordering::Relaxed);
                if closing && requests == 0 {
                    return;
                }
                let quiet = tracker.now_ms().saturating_sub(conn.last_active.load(Ordering::Relaxed));
                if requests == 0 && Duration::from_millis(quiet) > tracker.limits.idle {
                    return;
                }
            }
        }
    }
}
