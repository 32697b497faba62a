//! The scan queue behind every door: durable (jobs live in the store and resume at start),
//! bounded per lane (full → the caller answers 503 with Retry-After), one scan per digest at a
//! time (a second request for a digest being scanned joins it), and two lanes — admission has
//! workers of its own, so a flood of push events cannot starve a pod waiting to be admitted.
//! Each scan ends at its deadline, body streaming included. Credentials a request brought
//! (Harbor's) stay in memory with their task and are never written to the store.

use super::pull::scan_image;
use super::store::{Job, JobStatus, Lane, Store, Stored, now};
use crate::engine::Policy;
use crate::error::Error;
use crate::source::credentials::Credentials;
use crate::source::registry::RegistryOptions;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Attempts a job gets before it fails as interrupted (a scan that kills the process every time
/// must not loop forever).
pub(crate) const MAX_ATTEMPTS: u32 = 3;

pub(crate) type Outcome = std::result::Result<Stored, String>;

/// One scan in flight; every request for the same digest waits on it.
pub(crate) struct Flight {
    tx: tokio::sync::watch::Sender<Option<Outcome>>,
}

impl Flight {
    fn new() -> Arc<Flight> {
        Arc::new(Flight {
            tx: tokio::sync::watch::channel(None).0,
        })
    }

    /// The outcome, or `None` when `deadline` comes first.
    pub(crate) async fn wait(&self, deadline: Instant) -> Option<Outcome> {
        let mut rx = self.tx.subscribe();
        let waited = tokio::time::timeout_at(deadline.into(), rx.wait_for(Option::is_some)).await;
        match waited {
            Ok(Ok(v)) => v.clone(),
            _ => None,
        }
    }
}

/// What a submission became.
pub(crate) enum Submitted {
    /// A result for this catalog is stored already.
    Cached(Stored),
    /// A new scan was queued.
    Queued(Arc<Flight>),
    /// A scan of the same digest was queued or running: this request waits on it.
    Joined(Arc<Flight>),
}

impl Submitted {
    pub(crate) fn flight(&self) -> Option<&Arc<Flight>> {
        match self {
            Submitted::Cached(_) => None,
            Submitted::Queued(f) | Submitted::Joined(f) => Some(f),
        }
    }
}

impl From<Error> for SubmitError {
    fn from(e: Error) -> SubmitError {
        SubmitError::Store(e)
    }
}

#[derive(Debug)]
pub(crate) enum SubmitError {
    /// The lane is full: answer 503 with Retry-After.
    Full,
    /// Shutting down: answer 503.
    Closed,
    Store(Error),
}

/// A full scan asked for: `registry/repository@digest`.
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub reference: String,
    pub digest: String,
    pub creds: Option<Credentials>,
}

struct Task {
    /// Durable tasks have job rows and store their result; ephemeral ones (dry runs, config-only
    /// admission verdicts) have neither.
    durable: bool,
    reference: String,
    digest: String,
    config_only: bool,
    deadline: Option<Instant>,
    creds: Option<Credentials>,
    flight: Arc<Flight>,
}

struct Inner {
    admission: VecDeque<Task>,
    general: VecDeque<Task>,
    /// Durable scans queued or running, by digest.
    flights: HashMap<String, Arc<Flight>>,
    closed: bool,
}

impl Inner {
    fn lane(&mut self, lane: Lane) -> &mut VecDeque<Task> {
        match lane {
            Lane::Admission => &mut self.admission,
            Lane::General => &mut self.general,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct QueueConfig {
    pub workers: usize,
    pub admission_workers: usize,
    /// Tasks waiting per lane at most.
    pub capacity: usize,
    pub scan_timeout: Duration,
}

/// Counters for `/metrics`.
#[derive(Default)]
pub(crate) struct Metrics {
    pub scans: AtomicU64,
    pub failures: AtomicU64,
    pub scan_millis: AtomicU64,
    pub cache_hits: AtomicU64,
    pub joined: AtomicU64,
    pub rejected: AtomicU64,
    pub in_flight: AtomicI64,
    pub resumed: AtomicU64,
    pub deadline_exceeded: AtomicU64,
    pub admission_reviews: AtomicU64,
    pub admission_denied: AtomicU64,
}

pub(crate) struct Queue {
    pub store: Arc<dyn Store>,
    policy: Arc<Policy>,
    registry: RegistryOptions,
    config: QueueConfig,
    inner: Mutex<Inner>,
    wake: Condvar,
    running: AtomicUsize,
    /// Ids of durable jobs running now, to put back in the queue on shutdown.
    running_jobs: Mutex<Vec<String>>,
    last_expiry: AtomicI64,
    pub metrics: Metrics,
}

/// A short random id for a job.
pub(crate) fn new_id() -> String {
    use std::sync::atomic::AtomicU64;
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let seed = format!(
        "{nanos}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    crate::oci::digest::Digest::of_bytes(seed.as_bytes()).hex()[..24].to_string()
}

impl Queue {
    /// Starts the workers and resumes the jobs a previous run left unfinished.
    pub(crate) fn start(
        store: Arc<dyn Store>,
        policy: Arc<Policy>,
        registry: RegistryOptions,
        config: QueueConfig,
    ) -> crate::error::Result<Arc<Queue>> {
        let queue = Arc::new(Queue {
            store,
            policy,
            registry,
            config: config.clone(),
            inner: Mutex::new(Inner {
                admission: VecDeque::new(),
                general: VecDeque::new(),
                flights: HashMap::new(),
                closed: false,
            }),
            wake: Condvar::new(),
            running: AtomicUsize::new(0),
            running_jobs: Mutex::new(Vec::new()),
            last_expiry: AtomicI64::new(0),
            metrics: Metrics::default(),
        });
        queue.resume()?;
        for i in 0..config.admission_workers.max(1) + config.workers.max(1) {
            let me = Arc::clone(&queue);
            // The first workers take admission only; the rest take admission first, then the rest.
            let lanes: &'static [Lane] = if i < config.admission_workers.max(1) {
                &[Lane::Admission]
            } else {
                &[Lane::Admission, Lane::General]
            };
            std::thread::Builder::new()
                .name(format!("stevedore-scan-{i}"))
                .spawn(move || me.work(lanes))
                .map_err(|e| Error::input("scan workers", e.to_string()))?;
        }
        Ok(queue)
    }

    /// Jobs left queued or running by the previous process: queued again, or failed with the
    /// cause when they cannot run (credentials gone, interrupted too often).
    fn resume(&self) -> crate::error::Result<()> {
        let jobs = self.store.unfinished()?;
        let mut by_digest: Vec<(String, Vec<Job>)> = Vec::new();
        for job in jobs {
            match by_digest.iter_mut().find(|(d, _)| *d == job.digest) {
                Some((_, v)) => v.push(job),
                None => by_digest.push((job.digest.clone(), vec![job])),
            }
        }
        let Ok(mut inner) = self.inner.lock() else {
            return Err(Error::input("scan queue", "lock poisoned"));
        };
        for (digest, jobs) in by_digest {
            let attempts = jobs.iter().map(|j| j.attempts).max().unwrap_or(0);
            if attempts >= MAX_ATTEMPTS {
                self.store.finish_digest(
                    &digest,
                    JobStatus::Failed,
                    Some(&format!("interrupted {attempts} times; not retried")),
                )?;
                continue;
            }
            if jobs.iter().all(|j| j.needs_auth) {
                self.store.finish_digest(
                    &digest,
                    JobStatus::Failed,
                    Some("the registry credentials this scan was given are kept in memory only and were lost in a restart; ask for the scan again"),
                )?;
                continue;
            }
            let lane = if jobs.iter().any(|j| j.lane == Lane::Admission) {
                Lane::Admission
            } else {
                Lane::General
            };
            let flight = Flight::new();
            inner.flights.insert(digest.clone(), Arc::clone(&flight));
            inner.lane(lane).push_back(Task {
                durable: true,
                reference: jobs[0].reference.clone(),
                digest,
                config_only: false,
                deadline: None,
                creds: None,
                flight,
            });
            self.metrics.resumed.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn expire_now_and_then(&self) {
        let t = now();
        if t - self.last_expiry.load(Ordering::Relaxed) > 60 {
            self.last_expiry.store(t, Ordering::Relaxed);
            let _ = self.store.expire_jobs();
        }
    }

    /// Queues full scans, all or none: each gets a job id (returned in order) that answers until
    /// [`super::store::JOB_TTL_SECS`] after it finishes.
    pub(crate) fn submit_all(
        &self,
        wanted: &[Wanted],
        lane: Lane,
    ) -> std::result::Result<Vec<(String, Submitted)>, SubmitError> {
        self.expire_now_and_then();
        let mut inner = self.inner.lock().map_err(|_| SubmitError::Closed)?;
        if inner.closed {
            return Err(SubmitError::Closed);
        }
        // Decide every request before touching anything.
        let mut plans = Vec::new();
        let mut new_flights: HashMap<String, Arc<Flight>> = HashMap::new();
        for w in wanted {
            let plan = if let Some(f) = inner
                .flights
                .get(&w.digest)
                .or_else(|| new_flights.get(&w.digest))
            {
                Submitted::Joined(Arc::clone(f))
            } else if let Some(stored) = self.store.get(&w.digest).map_err(SubmitError::Store)? {
                Submitted::Cached(stored)
            } else {
                let f = Flight::new();
                new_flights.insert(w.digest.clone(), Arc::clone(&f));
                Submitted::Queued(f)
            };
            plans.push(plan);
        }
        let new = plans
            .iter()
            .filter(|p| matches!(p, Submitted::Queued(_)))
            .count();
        if new > 0 && inner.lane(lane).len() + new > self.config.capacity {
            self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(SubmitError::Full);
        }
        let created = now();
        let ids: Vec<String> = wanted.iter().map(|_| new_id()).collect();
        let jobs: Vec<Job> = wanted
            .iter()
            .zip(&plans)
            .zip(&ids)
            .map(|((w, plan), id)| Job {
                id: id.clone(),
                reference: w.reference.clone(),
                digest: w.digest.clone(),
                lane,
                status: if matches!(plan, Submitted::Cached(_)) {
                    JobStatus::Done
                } else {
                    JobStatus::Queued
                },
                error: None,
                attempts: 0,
                needs_auth: w.creds.is_some(),
                created,
            })
            .collect();
        self.store.add_jobs(&jobs).map_err(SubmitError::Store)?;
        for (w, plan) in wanted.iter().zip(&plans) {
            match plan {
                Submitted::Queued(f) => {
                    inner.flights.insert(w.digest.clone(), Arc::clone(f));
                    inner.lane(lane).push_back(Task {
                        durable: true,
                        reference: w.reference.clone(),
                        digest: w.digest.clone(),
                        config_only: false,
                        deadline: None,
                        creds: w.creds.clone(),
                        flight: Arc::clone(f),
                    });
                }
                Submitted::Joined(_) => {
                    self.metrics.joined.fetch_add(1, Ordering::Relaxed);
                }
                Submitted::Cached(_) => {
                    self.metrics.cache_hits.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        drop(inner);
        self.wake.notify_all();
        Ok(ids.into_iter().zip(plans).collect())
    }

    /// One full scan; see [`Queue::submit_all`].
    pub(crate) fn submit(
        &self,
        wanted: Wanted,
        lane: Lane,
    ) -> std::result::Result<(String, Submitted), SubmitError> {
        self.submit_all(std::slice::from_ref(&wanted), lane)?
            .pop()
            .ok_or(SubmitError::Closed)
    }

    /// A scan that leaves nothing behind (no job, no stored result): a dry run's full scan or a
    /// config-only verdict, in the admission lane, ending at `deadline`.
    pub(crate) fn ephemeral(
        &self,
        reference: &str,
        digest: &str,
        config_only: bool,
        deadline: Instant,
    ) -> std::result::Result<Arc<Flight>, SubmitError> {
        let mut inner = self.inner.lock().map_err(|_| SubmitError::Closed)?;
        if inner.closed {
            return Err(SubmitError::Closed);
        }
        if inner.admission.len() >= self.config.capacity {
            self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(SubmitError::Full);
        }
        let flight = Flight::new();
        inner.admission.push_back(Task {
            durable: false,
            reference: reference.to_string(),
            digest: digest.to_string(),
            config_only,
            deadline: Some(deadline),
            creds: None,
            flight: Arc::clone(&flight),
        });
        drop(inner);
        self.wake.notify_all();
        Ok(flight)
    }

    /// Tasks waiting, per lane.
    pub(crate) fn depth(&self) -> (usize, usize) {
        self.inner
            .lock()
            .map(|i| (i.admission.len(), i.general.len()))
            .unwrap_or((0, 0))
    }

    pub(crate) fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    fn work(&self, lanes: &[Lane]) {
        loop {
            let task = {
                let Ok(mut inner) = self.inner.lock() else {
                    return;
                };
                loop {
                    if inner.closed {
                        return;
                    }
                    let picked = lanes.iter().find_map(|l| inner.lane(*l).pop_front());
                    if let Some(t) = picked {
                        break t;
                    }
                    inner = match self.wake.wait(inner) {
                        Ok(g) => g,
                        Err(_) => return,
                    };
                }
            };
            self.running.fetch_add(1, Ordering::Relaxed);
            self.run(task);
            self.running.fetch_sub(1, Ordering::Relaxed);
        }
    }

    fn run(&self, task: Task) {
        // A task whose deadline passed while it waited is not started.
        if task.deadline.is_some_and(|d| Instant::now() >= d) {
            self.metrics
                .deadline_exceeded
                .fetch_add(1, Ordering::Relaxed);
            task.flight
                .tx
                .send_replace(Some(Err("deadline reached before the scan started".into())));
            return;
        }
        let ids: Vec<String> = if task.durable {
            self.store.start_digest(&task.digest).unwrap_or_default()
        } else {
            Vec::new()
        };
        if let Ok(mut r) = self.running_jobs.lock() {
            r.extend(ids.iter().cloned());
        }
        let deadline = Instant::now() + self.config.scan_timeout;
        let mut registry = self.registry.clone();
        registry.creds = task.creds.clone();
        registry.timeout = self.config.scan_timeout;
        registry.deadline = Some(task.deadline.map_or(deadline, |d| d.min(deadline)));
        self.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let mut outcome = scan_image(&task.reference, &registry, &self.policy, task.config_only)
            .map_err(|e| e.one_line());
        self.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.metrics.scans.fetch_add(1, Ordering::Relaxed);
        self.metrics
            .scan_millis
            .fetch_add(started.elapsed().as_millis() as u64, Ordering::Relaxed);
        if let Err(e) = &outcome {
            self.metrics.failures.fetch_add(1, Ordering::Relaxed);
            if e.contains("deadline reached") {
                self.metrics
                    .deadline_exceeded
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
        if task.durable {
            if let Ok(stored) = &outcome {
                if let Err(e) = self.store.put(stored) {
                    outcome = Err(format!("the result could not be stored: {}", e.one_line()));
                }
            }
            let _ = match &outcome {
                Ok(_) => self
                    .store
                    .finish_digest(&task.digest, JobStatus::Done, None),
                Err(e) => self
                    .store
                    .finish_digest(&task.digest, JobStatus::Failed, Some(e)),
            };
            if let Ok(mut inner) = self.inner.lock() {
                inner.flights.remove(&task.digest);
            }
        }
        if let Ok(mut r) = self.running_jobs.lock() {
            r.retain(|id| !ids.contains(id));
        }
        task.flight.tx.send_replace(Some(outcome));
    }

    /// Stops taking tasks; workers finish the ones they hold. Queued jobs stay in the store.
    pub(crate) fn close(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.closed = true;
        }
        self.wake.notify_all();
    }

    /// Waits until no scan runs or `deadline`; jobs still running then are put back in the queue
    /// for the next start (their attempt not counted). Returns how many were put back.
    pub(crate) fn drain(&self, deadline: Instant) -> usize {
        while self.running() > 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        let ids = self
            .running_jobs
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        for id in &ids {
            let _ = self.store.requeue(id);
        }
        ids.len()
    }
}
