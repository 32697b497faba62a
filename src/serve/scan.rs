//! The bounded scan pool behind every door: a fixed number of worker threads, a bounded queue
//! (full → the caller answers 503), per-scan timeouts, results into the store.

use super::store::{ResultStore, Stored};
use crate::engine::{ImageTarget, Policy, Report, Target};
use crate::error::{Error, Result};
use crate::source::registry::RegistryOptions;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An image to scan, as a registry reference (`host:port/repo@sha256:…` or `:tag`).
#[derive(Debug, Clone)]
pub struct ScanRequest {
    pub reference: String,
    pub registry: RegistryOptions,
    pub config_only: bool,
}

/// The scan queue is full.
#[derive(Debug)]
pub struct QueueFull;

#[derive(Debug, Clone)]
pub enum JobState {
    Queued,
    Running,
    Done(Box<Stored>),
    Failed(String),
}

/// Counters for `/metrics`.
#[derive(Default)]
pub struct Metrics {
    pub scans: AtomicU64,
    pub failures: AtomicU64,
    pub scan_millis: AtomicU64,
    pub cache_hits: AtomicU64,
    pub queue_depth: AtomicI64,
    pub rejected: AtomicU64,
    pub in_flight: AtomicI64,
}

pub struct Scanner {
    tx: Mutex<Option<SyncSender<(String, ScanRequest)>>>,
    jobs: Arc<Mutex<HashMap<String, JobState>>>,
    pub store: Arc<dyn ResultStore>,
    pub metrics: Arc<Metrics>,
    policy: Arc<Policy>,
    timeout: Duration,
}

/// A short random id for a job.
pub fn new_id() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{nanos}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    );
    crate::image::digest::Digest::of_bytes(seed.as_bytes()).hex()[..24].to_string()
}

impl Scanner {
    pub fn start(
        workers: usize,
        queue: usize,
        store: Arc<dyn ResultStore>,
        policy: Arc<Policy>,
        timeout: Duration,
    ) -> Arc<Scanner> {
        let (tx, rx) = sync_channel::<(String, ScanRequest)>(queue.max(1));
        let rx = Arc::new(Mutex::new(rx));
        let scanner = Arc::new(Scanner {
            tx: Mutex::new(Some(tx)),
            jobs: Arc::new(Mutex::new(HashMap::new())),
            store,
            metrics: Arc::new(Metrics::default()),
            policy,
            timeout,
        });
        for _ in 0..workers.max(1) {
            let rx = Arc::clone(&rx);
            let me = Arc::clone(&scanner);
            std::thread::spawn(move || {
                loop {
                    let job = match rx.lock() {
                        Ok(guard) => guard.recv(),
                        Err(_) => break,
                    };
                    let Ok((id, request)) = job else { break };
                    me.metrics.queue_depth.fetch_sub(1, Ordering::Relaxed);
                    me.set(&id, JobState::Running);
                    let state = match me.scan(&request) {
                        Ok(stored) => JobState::Done(Box::new(stored)),
                        Err(e) => JobState::Failed(e.one_line()),
                    };
                    me.set(&id, state);
                }
            });
        }
        scanner
    }

    fn set(&self, id: &str, state: JobState) {
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.insert(id.to_string(), state);
        }
    }

    pub fn state(&self, id: &str) -> Option<JobState> {
        self.jobs.lock().ok()?.get(id).cloned()
    }

    /// Queues a scan; `Err(QueueFull)` when the queue is full (answer 503 with Retry-After).
    pub fn submit(&self, request: ScanRequest) -> std::result::Result<String, QueueFull> {
        let id = new_id();
        self.set(&id, JobState::Queued);
        let sent = match self.tx.lock().ok().and_then(|g| g.clone()) {
            Some(tx) => tx.try_send((id.clone(), request)),
            None => Err(TrySendError::Disconnected((id.clone(), request))),
        };
        match sent {
            Ok(()) => {
                self.metrics.queue_depth.fetch_add(1, Ordering::Relaxed);
                Ok(id)
            }
            Err(_) => {
                self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
                if let Ok(mut jobs) = self.jobs.lock() {
                    jobs.remove(&id);
                }
                Err(QueueFull)
            }
        }
    }

    /// Stops taking jobs; workers finish the ones they hold.
    pub fn close(&self) {
        if let Ok(mut tx) = self.tx.lock() {
            tx.take();
        }
    }

    /// Scans now on a thread of its own, waiting at most `deadline` (admission).
    pub fn scan_within(
        self: &Arc<Self>,
        request: ScanRequest,
        deadline: Duration,
    ) -> Result<Stored> {
        let (tx, rx) = std::sync::mpsc::channel();
        let me = Arc::clone(self);
        std::thread::spawn(move || {
            let _ = tx.send(me.scan(&request));
        });
        rx.recv_timeout(deadline).map_err(|_| {
            Error::input(
                "admission scan",
                format!("no result within {}s", deadline.as_secs()),
            )
        })?
    }

    /// One scan: from the store when the digest is known, else from the registry.
    pub fn scan(&self, request: &ScanRequest) -> Result<Stored> {
        if let Some(digest) = request.reference.split_once('@').map(|(_, d)| d) {
            if let Some(stored) = self.store.get(digest)? {
                self.metrics.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(stored);
            }
        }
        self.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let result = self.scan_registry(request);
        self.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.metrics.scans.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .scan_millis
            .fetch_add(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        if result.is_err() {
            self.metrics.failures.fetch_add(1, Ordering::Relaxed);
        }
        result
    }

    fn scan_registry(&self, request: &ScanRequest) -> Result<Stored> {
        let mut registry = request.registry.clone();
        registry.timeout = self.timeout;
        let options = crate::source::OpenOptions {
            platform: None,
            limits: crate::limits::Limits::default(),
            docker_host: None,
            timeout: self.timeout,
            registry,
        };
        let input = format!("docker://{}", request.reference);
        let resolved = crate::source::open(&input, &options)?;
        let tick = |_: u64| {};
        let scan_options = crate::image::ScanOptions {
            limits: crate::limits::Limits::default(),
            wants: self.policy.wants(),
            input: input.clone(),
            progress: &tick,
            threads: 1,
            minimal_max_packages: self.policy.minimal_max_packages(),
            as_of: self.policy.as_of(None)?,
            inventory: !request.config_only,
            config_only: request.config_only,
        };
        let image = crate::image::scan(resolved, &scan_options)?;
        let findings = self.policy.check_image(&image);
        let report = Report {
            target: Target::Image(Box::new(ImageTarget::of(&image))),
            checks: self
                .policy
                .checks()
                .iter()
                .copied()
                .filter(|c| c.reads_images())
                .collect(),
            findings,
            fail_on: self.policy.fail_on(),
        };
        let worst = report
            .active()
            .map(|f| f.severity)
            .max()
            .map(|s| s.name().to_string());
        let mut rule_ids: Vec<String> = report.active().map(|f| f.check.id.to_string()).collect();
        rule_ids.sort();
        rule_ids.dedup();
        let stored = Stored {
            digest: image
                .manifest_digest
                .as_ref()
                .map(|d| d.to_string())
                .unwrap_or_else(|| image.config_digest.to_string()),
            repository: image.repository_path(),
            report: crate::report::json::render(&report),
            worst,
            rule_ids,
        };
        // Config-only verdicts are not full results: never cached as such.
        if !request.config_only {
            self.store.put(&stored)?;
            if let Some(asked) = request.reference.split_once('@').map(|(_, d)| d) {
                if asked != stored.digest {
                    self.store.put(&Stored {
                        digest: asked.to_string(),
                        ..stored.clone()
                    })?;
                }
            }
        }
        Ok(stored)
    }
}
