//! The scan queue behind every door, shared by every replica through the store: durable (jobs
//! live in the store), bounded per lane (full → the caller answers 503 with Retry-After), one
//! scan per digest across replicas at a time (a second request for a digest being scanned, here
//! or elsewhere, joins it), and two lanes — admission has workers of its own, so a flood of push
//! events cannot starve a pod waiting to be admitted.
//!
//! Workers claim a digest's jobs from the store under a lease that a heartbeat keeps extending;
//! when a replica dies its leases run out and another replica claims the jobs (the attempt
//! counted, [`MAX_ATTEMPTS`] at most). Requests waiting on a scan another replica runs learn its
//! end by polling the store. Each scan ends at its deadline, body streaming included.
//! Credentials a request brought (Harbor's) stay in memory with the replica that took the
//! request: only it may claim those jobs, and they fail with that cause if it goes away.

use super::pull::scan_image;
use super::store::{Claim, Job, JobStatus, Lane, ScanState, Store, Stored, now};
use crate::engine::Policy;
use crate::error::Error;
use crate::source::credentials::Credentials;
use crate::source::registry::RegistryOptions;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Reports kept in each replica's memory, in bytes.
const RESULT_CACHE_BYTES: usize = 64 << 20;

/// Attempts a job gets before it fails as interrupted (a scan that kills the process every time
/// must not loop forever).
pub(crate) const MAX_ATTEMPTS: u32 = 3;

pub(crate) type Outcome = std::result::Result<Stored, String>;

/// One scan waited on in this replica; every request here for the same digest waits on it.
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
    /// A scan of the same digest was queued or running (on any replica): this request waits on
    /// it.
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

/// A scan that leaves nothing behind (a dry run's, a config-only verdict): in memory only.
struct Task {
    reference: String,
    digest: String,
    config_only: bool,
    deadline: Instant,
    flight: Arc<Flight>,
}

struct Inner {
    /// Ephemeral admission scans, run by admission workers before any claimed job.
    ephemeral: VecDeque<Task>,
    /// Scans requests here wait on, by digest (run here or on another replica).
    flights: HashMap<String, Arc<Flight>>,
    /// Credentials of jobs this replica took, by digest; never written to the store.
    creds: HashMap<String, Credentials>,
    /// Digests a worker of this replica is scanning now.
    scanning: HashSet<String>,
    closed: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct QueueConfig {
    pub workers: usize,
    pub admission_workers: usize,
    /// Tasks waiting per lane at most.
    pub capacity: usize,
    pub scan_timeout: Duration,
    /// How long a claim holds without a heartbeat: a replica that dies loses its jobs to
    /// another after this.
    pub lease: Duration,
    /// How often idle workers look for jobs other replicas queued, and waiters for scans other
    /// replicas finished.
    pub poll: Duration,
}

impl QueueConfig {
    pub(crate) const DEFAULT_POLL: Duration = Duration::from_millis(250);
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
    /// Jobs claimed that an earlier process or another replica had taken (it stopped, or died
    /// and its lease ran out).
    pub resumed: AtomicU64,
    pub deadline_exceeded: AtomicU64,
    /// Claims of jobs whose holder's lease ran out.
    pub leases_expired: AtomicU64,
    /// Node reports stored, and refused (bad token, another node's name, malformed).
    pub node_reports: AtomicU64,
    pub node_reports_refused: AtomicU64,
    pub admission_reviews: AtomicU64,
    pub admission_denied: AtomicU64,
    /// Queued jobs, per lane, as the store said at the last poll.
    pub depth_admission: AtomicUsize,
    pub depth_general: AtomicUsize,
}

pub(crate) struct Queue {
    pub store: Arc<dyn Store>,
    /// Results this replica has read or written, in front of the shared store.
    pub results: super::cache::ResultCache,
    policy: Arc<Policy>,
    registry: RegistryOptions,
    config: QueueConfig,
    /// This replica's name in the store's leases.
    owner: String,
    inner: Mutex<Inner>,
    wake: Condvar,
    running: AtomicUsize,
    /// Ids of jobs running now, to put back in the queue on shutdown.
    running_jobs: Mutex<Vec<String>>,
    last_expiry: AtomicI64,
    /// When this replica started (Unix seconds): older jobs it claims are resumed ones.
    started: i64,
    /// The store's recoveries when the result cache was last known good.
    seen_recoveries: AtomicU64,
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

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX).max(1)
}

impl Queue {
    /// Starts the workers and the heartbeat; jobs a previous run (or a replica that died) left
    /// are claimed like any other once their lease has run out.
    pub(crate) fn start(
        store: Arc<dyn Store>,
        policy: Arc<Policy>,
        registry: RegistryOptions,
        config: QueueConfig,
    ) -> crate::error::Result<Arc<Queue>> {
        let queue = Arc::new(Queue {
            store,
            results: super::cache::ResultCache::new(RESULT_CACHE_BYTES),
            policy,
            registry,
            config: config.clone(),
            owner: format!("{}-{}", std::process::id(), new_id()),
            inner: Mutex::new(Inner {
                ephemeral: VecDeque::new(),
                flights: HashMap::new(),
                creds: HashMap::new(),
                scanning: HashSet::new(),
                closed: false,
            }),
            wake: Condvar::new(),
            running: AtomicUsize::new(0),
            running_jobs: Mutex::new(Vec::new()),
            last_expiry: AtomicI64::new(0),
            started: now(),
            seen_recoveries: AtomicU64::new(0),
            metrics: Metrics::default(),
        });
        let spawn = |name: String, f: Box<dyn FnOnce() + Send>| {
            std::thread::Builder::new()
                .name(name)
                .spawn(f)
                .map(|_| ())
                .map_err(|e| Error::input("scan workers", e.to_string()))
        };
        for i in 0..config.admission_workers.max(1) + config.workers.max(1) {
            let me = Arc::clone(&queue);
            // The first workers take admission only; the rest take admission first, then the rest.
            let lanes: &'static [Lane] = if i < config.admission_workers.max(1) {
                &[Lane::Admission]
            } else {
                &[Lane::Admission, Lane::General]
            };
            spawn(
                format!("stevedore-scan-{i}"),
                Box::new(move || me.work(lanes)),
            )?;
        }
        let me = Arc::clone(&queue);
        spawn("stevedore-lease".into(), Box::new(move || me.tend()))?;
        Ok(queue)
    }

    fn expire_now_and_then(&self) {
        let t = now();
        if t - self.last_expiry.load(Ordering::Relaxed) > 60 {
            self.last_expiry.store(t, Ordering::Relaxed);
            let _ = self.store.expire_jobs();
        }
    }

    /// Queues full scans, all or none: each gets a job id (returned in order) that answers until
    /// [`super::store::JOB_TTL_SECS`] after it finishes, on every replica.
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
            } else if let Some(stored) = self.result(&w.digest).map_err(SubmitError::Store)? {
                Submitted::Cached(Stored::clone(&stored))
            } else {
                let f = Flight::new();
                new_flights.insert(w.digest.clone(), Arc::clone(&f));
                // Queued or running on another replica: join it (this request's job rides
                // along, finished with the others).
                match self.store.settled(&w.digest).map_err(SubmitError::Store)? {
                    ScanState::Pending => Submitted::Joined(f),
                    _ => Submitted::Queued(f),
                }
            };
            plans.push(plan);
        }
        let new = plans
            .iter()
            .filter(|p| matches!(p, Submitted::Queued(_)))
            .count();
        let waiting = match lane {
            Lane::Admission => self.metrics.depth_admission.load(Ordering::Relaxed),
            Lane::General => self.metrics.depth_general.load(Ordering::Relaxed),
        };
        if new > 0 && waiting + new > self.config.capacity {
            self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(SubmitError::Full);
        }
        let created = now();
        let lease_until = created + secs(self.config.lease);
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
                // Jobs with credentials are held by this replica, which alone has them.
                owner: w.creds.as_ref().map(|_| self.owner.clone()),
                lease_until: if w.creds.is_some() { lease_until } else { 0 },
            })
            .collect();
        self.store.add_jobs(&jobs).map_err(SubmitError::Store)?;
        for (w, plan) in wanted.iter().zip(&plans) {
            match plan {
                Submitted::Queued(f) => {
                    inner.flights.insert(w.digest.clone(), Arc::clone(f));
                    if let Some(c) = &w.creds {
                        inner.creds.insert(w.digest.clone(), c.clone());
                    }
                    match lane {
                        Lane::Admission => &self.metrics.depth_admission,
                        Lane::General => &self.metrics.depth_general,
                    }
                    .fetch_add(1, Ordering::Relaxed);
                }
                Submitted::Joined(f) => {
                    inner
                        .flights
                        .entry(w.digest.clone())
                        .or_insert_with(|| Arc::clone(f));
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
        if inner.ephemeral.len() >= self.config.capacity {
            self.metrics.rejected.fetch_add(1, Ordering::Relaxed);
            return Err(SubmitError::Full);
        }
        let flight = Flight::new();
        inner.ephemeral.push_back(Task {
            reference: reference.to_string(),
            digest: digest.to_string(),
            config_only,
            deadline,
            flight: Arc::clone(&flight),
        });
        drop(inner);
        self.wake.notify_all();
        Ok(flight)
    }

    /// The stored result for `digest` under this catalog: from memory, else from the store (and
    /// then kept).
    pub(crate) fn result(&self, digest: &str) -> crate::error::Result<Option<Arc<Stored>>> {
        // A store recreated since (deleted or corrupted under the server) lost what this memory
        // still holds: forget it, so results are written again.
        let recoveries = self.store.recoveries();
        if self.seen_recoveries.swap(recoveries, Ordering::Relaxed) != recoveries {
            self.results.clear();
        }
        if let Some(hit) = self.results.get(digest) {
            return Ok(Some(hit));
        }
        let stored = self.store.get(digest)?;
        if let Some(s) = &stored {
            self.results.put(s);
        }
        Ok(stored.map(Arc::new))
    }

    /// Jobs waiting, per lane (the store's count at the last poll, ephemeral scans added).
    pub(crate) fn depth(&self) -> (usize, usize) {
        let ephemeral = self.inner.lock().map(|i| i.ephemeral.len()).unwrap_or(0);
        (
            self.metrics.depth_admission.load(Ordering::Relaxed) + ephemeral,
            self.metrics.depth_general.load(Ordering::Relaxed),
        )
    }

    pub(crate) fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }

    fn work(&self, lanes: &[Lane]) {
        loop {
            // Ephemeral admission scans first: a pod is waiting on each.
            let task = {
                let Ok(mut inner) = self.inner.lock() else {
                    return;
                };
                if inner.closed {
                    return;
                }
                if lanes.contains(&Lane::Admission) {
                    inner.ephemeral.pop_front()
                } else {
                    None
                }
            };
            if let Some(task) = task {
                self.running.fetch_add(1, Ordering::Relaxed);
                self.run_ephemeral(task);
                self.running.fetch_sub(1, Ordering::Relaxed);
                continue;
            }
            match self
                .store
                .claim(&self.owner, lanes, secs(self.config.lease))
            {
                Ok(Some(claim)) => {
                    self.running.fetch_add(1, Ordering::Relaxed);
                    self.run_claim(claim);
                    self.running.fetch_sub(1, Ordering::Relaxed);
                }
                Ok(None) | Err(_) => {
                    // Nothing to do here: sleep until woken or the next poll (other replicas
                    // queue jobs too).
                    let Ok(inner) = self.inner.lock() else {
                        return;
                    };
                    if inner.closed {
                        return;
                    }
                    if inner.ephemeral.is_empty() || !lanes.contains(&Lane::Admission) {
                        let _ = self.wake.wait_timeout(inner, self.config.poll);
                    }
                }
            }
        }
    }

    /// Scans `reference` within the scan timeout (and `deadline`, when sooner).
    fn scan(
        &self,
        reference: &str,
        creds: Option<Credentials>,
        config_only: bool,
        deadline: Option<Instant>,
    ) -> Outcome {
        let until = Instant::now() + self.config.scan_timeout;
        let mut registry = self.registry.clone();
        registry.creds = creds;
        registry.timeout = self.config.scan_timeout;
        registry.deadline = Some(deadline.map_or(until, |d| d.min(until)));
        self.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let started = Instant::now();
        let outcome =
            scan_image(reference, &registry, &self.policy, config_only).map_err(|e| e.one_line());
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
        outcome
    }

    fn run_ephemeral(&self, task: Task) {
        // A task whose deadline passed while it waited is not started.
        if Instant::now() >= task.deadline {
            self.metrics
                .deadline_exceeded
                .fetch_add(1, Ordering::Relaxed);
            task.flight
                .tx
                .send_replace(Some(Err("deadline reached before the scan started".into())));
            return;
        }
        let _ = &task.digest;
        let outcome = self.scan(&task.reference, None, task.config_only, Some(task.deadline));
        task.flight.tx.send_replace(Some(outcome));
    }

    /// Ends a claimed digest's jobs with `outcome` and tells the requests waiting here.
    fn settle(&self, digest: &str, outcome: Outcome) {
        let _ = match &outcome {
            Ok(_) => self.store.finish_digest(digest, JobStatus::Done, None),
            Err(e) => self.store.finish_digest(digest, JobStatus::Failed, Some(e)),
        };
        let flight = self.inner.lock().ok().and_then(|mut inner| {
            inner.scanning.remove(digest);
            inner.creds.remove(digest);
            inner.flights.remove(digest)
        });
        if let Some(f) = flight {
            f.tx.send_replace(Some(outcome));
        }
    }

    fn run_claim(&self, claim: Claim) {
        let digest = claim.digest.clone();
        if claim.expired || claim.created < self.started {
            self.metrics.resumed.fetch_add(1, Ordering::Relaxed);
        }
        if claim.expired {
            self.metrics.leases_expired.fetch_add(1, Ordering::Relaxed);
        }
        // The attempt just counted is this one: the ones before it were interrupted.
        let before = claim.attempts.saturating_sub(1);
        if claim.expired && before >= MAX_ATTEMPTS {
            self.settle(
                &digest,
                Err(format!("interrupted {before} times; not retried")),
            );
            return;
        }
        // A job that joined a scan just as it finished: the result is there, no second scan.
        if let Ok(Some(stored)) = self.result(&digest) {
            self.metrics.cache_hits.fetch_add(1, Ordering::Relaxed);
            self.settle(&digest, Ok(Stored::clone(&stored)));
            return;
        }
        let creds = match self.inner.lock() {
            Ok(mut inner) => {
                inner.scanning.insert(digest.clone());
                inner.creds.get(&digest).cloned()
            }
            Err(_) => return,
        };
        if claim.needs_auth && creds.is_none() {
            self.settle(
                &digest,
                Err("the registry credentials this scan was given are kept in memory only and were lost in a restart (or with the replica that took the request); ask for the scan again".into()),
            );
            return;
        }
        if let Ok(mut r) = self.running_jobs.lock() {
            r.extend(claim.ids.iter().cloned());
        }
        let mut outcome = self.scan(&claim.reference, creds, false, None);
        if let Ok(stored) = &outcome {
            match self.store.put(stored) {
                Ok(()) => self.results.put(stored),
                Err(e) => {
                    outcome = Err(format!("the result could not be stored: {}", e.one_line()))
                }
            }
        }
        self.settle(&digest, outcome);
        if let Ok(mut r) = self.running_jobs.lock() {
            r.retain(|id| !claim.ids.contains(id));
        }
    }

    /// The replica's heartbeat: extends its leases, tells requests waiting here about scans
    /// other replicas finished, and refreshes the queue depth.
    fn tend(&self) {
        let lease = secs(self.config.lease);
        let beat = (self.config.lease / 3).max(Duration::from_millis(100));
        let mut last_beat = Instant::now();
        loop {
            std::thread::sleep(self.config.poll);
            let waiting: Vec<(String, Arc<Flight>)> = match self.inner.lock() {
                Ok(inner) if inner.closed && inner.flights.is_empty() => return,
                Ok(inner) => inner
                    .flights
                    .iter()
                    .filter(|(d, _)| !inner.scanning.contains(*d))
                    .map(|(d, f)| (d.clone(), Arc::clone(f)))
                    .collect(),
                Err(_) => return,
            };
            if last_beat.elapsed() >= beat {
                last_beat = Instant::now();
                let _ = self.store.heartbeat(&self.owner, lease);
            }
            for (digest, flight) in waiting {
                let outcome = match self.store.settled(&digest) {
                    Ok(ScanState::Done) => match self.result(&digest) {
                        Ok(Some(stored)) => Ok(Stored::clone(&stored)),
                        Ok(None) => continue, // stored under another catalog: a rescan follows
                        Err(e) => Err(e.one_line()),
                    },
                    Ok(ScanState::Failed(e)) => Err(e),
                    Ok(ScanState::Unknown) => Err("the scan's job is gone".into()),
                    Ok(ScanState::Pending) | Err(_) => continue,
                };
                if let Ok(mut inner) = self.inner.lock() {
                    if inner.scanning.contains(&digest) {
                        continue;
                    }
                    inner.flights.remove(&digest);
                    inner.creds.remove(&digest);
                }
                flight.tx.send_replace(Some(outcome));
            }
            if let Ok((a, g)) = self.store.depth() {
                self.metrics.depth_admission.store(a, Ordering::Relaxed);
                self.metrics.depth_general.store(g, Ordering::Relaxed);
            }
        }
    }

    /// Stops taking tasks; workers finish the ones they hold. Queued jobs stay in the store.
    pub(crate) fn close(&self) {
        if let Ok(mut inner) = self.inner.lock() {
            inner.closed = true;
        }
        self.wake.notify_all();
    }

    /// Waits until no scan runs or `deadline`; jobs still running then are put back in the queue
    /// for another replica or the next start (their attempt not counted). Returns how many were
    /// put back.
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
