//! What the server keeps: scan results keyed by manifest digest and catalog version, and the
//! durable job queue (so an accepted scan survives a restart). Embedded SQLite behind one trait,
//! so several replicas can share a database server behind the same interface later.
//!
//! The database is checked at start (`PRAGMA quick_check`) and on every `/readyz`: a file that
//! was deleted or replaced under the server is reopened (a fresh one created), a corrupted one is
//! moved aside as `results.sqlite.corrupt-<time>` and recreated. Results lost that way are
//! rescanned on demand; the move is logged and counted.

use crate::error::{Error, Result};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// One stored scan: the JSON report and what a verdict needs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored {
    pub digest: String,
    pub repository: String,
    /// The JSON report (`--format json`).
    pub report: String,
    /// The most severe unsuppressed finding, if any (`critical`…`info`).
    pub worst: Option<String>,
    pub rule_ids: Vec<String>,
}

/// Which workers a job waits for: admission has workers of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lane {
    Admission,
    General,
}

impl Lane {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Lane::Admission => "admission",
            Lane::General => "general",
        }
    }
    pub(crate) fn parse(s: &str) -> Lane {
        if s == "admission" {
            Lane::Admission
        } else {
            Lane::General
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JobStatus {
    Queued,
    Running,
    Done,
    Failed,
}

impl JobStatus {
    pub(crate) fn name(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }
    pub(crate) fn parse(s: &str) -> JobStatus {
        match s {
            "running" => JobStatus::Running,
            "done" => JobStatus::Done,
            "failed" => JobStatus::Failed,
            _ => JobStatus::Queued,
        }
    }
}

/// A scan job as the queue keeps it. Credentials are never stored: `needs_auth` says the job was
/// given some (kept in memory only), so a job resumed after a restart without them fails with
/// that cause instead of pulling anonymously.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Job {
    pub id: String,
    /// `registry/repository@digest`.
    pub reference: String,
    pub digest: String,
    pub lane: Lane,
    pub status: JobStatus,
    pub error: Option<String>,
    pub attempts: u32,
    pub needs_auth: bool,
    /// Unix seconds.
    pub created: i64,
    /// The replica holding the job (running it, or keeping its credentials), while its lease
    /// lasts.
    pub owner: Option<String>,
    /// Unix seconds; 0: no lease (a queued job anyone may claim).
    pub lease_until: i64,
}

/// A node's report as kept: when it came (Unix milliseconds), its worst unsuppressed severity,
/// and its unsuppressed findings as a JSON list of `{rule, fingerprint, severity, message}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NodeReport {
    pub node: String,
    pub received: i64,
    pub worst: Option<String>,
    pub findings: String,
    /// The whole JSON report (left out when listing).
    pub report: String,
}

/// One digest's unfinished jobs, claimed by a replica: it scans once for all of them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Claim {
    pub digest: String,
    pub reference: String,
    pub lane: Lane,
    pub ids: Vec<String>,
    /// The most attempts any of them has had, this one counted.
    pub attempts: u32,
    /// Every job was given credentials (kept in the memory of the replica that took it).
    pub needs_auth: bool,
    /// The jobs were held by a replica whose lease ran out (it died, or a restart).
    pub expired: bool,
    /// When the oldest of them was asked for (Unix seconds).
    pub created: i64,
}

/// How long a finished job's id keeps answering (Harbor polls for up to 30 minutes).
pub(crate) const JOB_TTL_SECS: i64 = 24 * 3600;

pub(crate) trait Store: Send + Sync {
    /// The result for `digest` from this catalog.
    fn get(&self, digest: &str) -> Result<Option<Stored>>;
    /// The newest result for `digest` from any catalog, with the catalog it came from.
    fn latest(&self, digest: &str) -> Result<Option<(Stored, String)>>;
    fn put(&self, stored: &Stored) -> Result<()>;
    /// Adds jobs in one transaction: all or none.
    fn add_jobs(&self, jobs: &[Job]) -> Result<()>;
    fn job(&self, id: &str) -> Result<Option<Job>>;
    /// Claims for `owner` the oldest digest (admission lane first) whose jobs are queued, or held
    /// under a lease that ran out, and that no live lease covers: one replica scans a digest at
    /// a time. Queued jobs with credentials are claimed only by the replica holding them, until
    /// its lease runs out. Every unfinished job of the digest becomes running under `owner`
    /// until `lease_secs` from now, its attempt counted.
    fn claim(&self, owner: &str, lanes: &[Lane], lease_secs: i64) -> Result<Option<Claim>>;
    /// Extends every lease `owner` holds by `lease_secs` from now; how many jobs it holds.
    fn heartbeat(&self, owner: &str, lease_secs: i64) -> Result<usize>;
    /// What became of a digest's scan, by its jobs.
    fn settled(&self, digest: &str) -> Result<ScanState>;
    /// Jobs waiting to be claimed, per lane (admission, general).
    fn depth(&self) -> Result<(usize, usize)>;
    /// The newest results of this catalog, newest first, at most `limit`.
    fn recent_results(&self, limit: usize) -> Result<Vec<Stored>>;
    /// Keeps a node's report, and only its `keep` newest.
    fn put_node_report(&self, report: &NodeReport, keep: usize) -> Result<()>;
    /// Every node seen since `since` (Unix milliseconds) with its two newest reports, newest
    /// first, without their full text.
    fn node_reports(&self, since: i64) -> Result<Vec<Vec<NodeReport>>>;
    /// Forgets nodes not seen since `before` (Unix milliseconds); how many reports went.
    fn expire_nodes(&self, before: i64) -> Result<usize>;
    /// Sets the status of every unfinished job for `digest` (joined jobs share one scan).
    fn finish_digest(&self, digest: &str, status: JobStatus, error: Option<&str>) -> Result<()>;
    /// Puts a running job back in the queue without counting the attempt (a graceful stop).
    fn requeue(&self, id: &str) -> Result<()>;
    /// Forgets finished jobs older than [`JOB_TTL_SECS`].
    fn expire_jobs(&self) -> Result<usize>;
    /// Checks the database, reopening or recreating it when it was deleted, replaced or
    /// corrupted; `Ok` with a note when it had to.
    fn health(&self) -> Result<Option<String>>;
    /// Databases moved aside or reopened since start.
    fn recoveries(&self) -> u64;
}

/// A digest's scan as its jobs tell it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScanState {
    /// No job for it (never asked, or expired).
    Unknown,
    /// A job is queued or running, here or on another replica.
    Pending,
    Done,
    Failed(String),
}

/// Each node's two newest reports (`?1`: seen since), newest first; the same text serves SQLite
/// and PostgreSQL.
pub(crate) const NODE_REPORTS: &str = "SELECT node, received, worst, findings FROM ( \
     SELECT node, received, worst, findings, \
            row_number() OVER (PARTITION BY node ORDER BY received DESC) AS n, \
            max(received) OVER (PARTITION BY node) AS last \
     FROM node_reports) t WHERE n <= 2 AND last >= ?1 ORDER BY node, received DESC";

/// Rows ordered by node, newest first, as one list per node.
pub(crate) fn group_by_node(rows: Vec<NodeReport>) -> Vec<Vec<NodeReport>> {
    let mut out: Vec<Vec<NodeReport>> = Vec::new();
    for r in rows {
        match out.last_mut() {
            Some(group) if group[0].node == r.node => group.push(r),
            _ => out.push(vec![r]),
        }
    }
    out
}

/// A claim from the rows an update returned: (id, attempts, needs_auth, created) each.
pub(crate) fn claim_of(
    digest: String,
    reference: String,
    lane: &str,
    expired: bool,
    rows: Vec<(String, u32, bool, i64)>,
) -> Option<Claim> {
    if rows.is_empty() {
        return None; // another replica took it between the pick and the update
    }
    Some(Claim {
        digest,
        reference,
        lane: Lane::parse(lane),
        attempts: rows.iter().map(|r| r.1).max().unwrap_or(0),
        needs_auth: rows.iter().all(|r| r.2),
        created: rows.iter().map(|r| r.3).min().unwrap_or(0),
        ids: rows.into_iter().map(|r| r.0).collect(),
        expired,
    })
}

/// A digest's latest job (unfinished ones first), as [`Store::settled`] says it.
pub(crate) fn settled_of(status: &str, error: Option<String>) -> ScanState {
    match JobStatus::parse(status) {
        JobStatus::Queued | JobStatus::Running => ScanState::Pending,
        JobStatus::Done => ScanState::Done,
        JobStatus::Failed => ScanState::Failed(error.unwrap_or_else(|| "the scan failed".into())),
    }
}

/// The catalog a result was produced with: a result from another catalog is not reused as
/// current (admission may still answer from it, marked stale, while a rescan runs).
pub(crate) fn catalog_version() -> String {
    let ids: Vec<&str> = crate::checks::CATALOG.iter().map(|c| c.id).collect();
    let hash = crate::oci::digest::Digest::of_bytes(ids.join(",").as_bytes());
    format!("{}+{}", crate::VERSION, &hash.hex()[..12])
}

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

const SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS results (
        digest TEXT NOT NULL, catalog TEXT NOT NULL, repository TEXT NOT NULL,
        report TEXT NOT NULL, worst TEXT, rules TEXT NOT NULL,
        stored_at INTEGER NOT NULL, PRIMARY KEY (digest, catalog));
    CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, reference TEXT NOT NULL, digest TEXT NOT NULL, lane TEXT NOT NULL,
        status TEXT NOT NULL, error TEXT, attempts INTEGER NOT NULL DEFAULT 0,
        needs_auth INTEGER NOT NULL DEFAULT 0, created INTEGER NOT NULL, updated INTEGER NOT NULL,
        owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE IF NOT EXISTS node_reports (
        node TEXT NOT NULL, received INTEGER NOT NULL, worst TEXT, findings TEXT NOT NULL,
        report TEXT NOT NULL, PRIMARY KEY (node, received));
    CREATE INDEX IF NOT EXISTS jobs_digest ON jobs (digest, status);
    CREATE INDEX IF NOT EXISTS jobs_status ON jobs (status, created);
";

struct Open {
    conn: rusqlite::Connection,
    /// (device, inode) of the file opened: a different one on disk means it was replaced.
    identity: (u64, u64),
}

pub(crate) struct SqliteStore {
    path: PathBuf,
    open: Mutex<Option<Open>>,
    catalog: String,
    recoveries: AtomicU64,
}

fn db_error(e: impl std::fmt::Display) -> Error {
    Error::input("result store", e.to_string())
}

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

fn log(msg: &str, path: &Path) {
    eprintln!(
        "{}",
        serde_json::json!({"msg": msg, "path": path.display().to_string()})
    );
}

impl SqliteStore {
    pub(crate) fn open(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let store = SqliteStore {
            path: dir.join("results.sqlite"),
            open: Mutex::new(None),
            catalog: catalog_version(),
            recoveries: AtomicU64::new(0),
        };
        let opened = store.connect()?;
        *store.open.lock().map_err(|_| db_error("lock poisoned"))? = Some(opened);
        Ok(store)
    }

    /// Opens the file, moving a corrupted one aside, and applies the schema.
    fn connect(&self) -> Result<Open> {
        match self.try_connect() {
            Ok(o) => Ok(o),
            Err(e) if e.1 => {
                let aside = self
                    .path
                    .with_extension(format!("sqlite.corrupt-{}", now()));
                std::fs::rename(&self.path, &aside).map_err(|e| Error::io(&self.path, e))?;
                for ext in ["sqlite-wal", "sqlite-shm"] {
                    let _ = std::fs::remove_file(self.path.with_extension(ext));
                }
                log(
                    "result store corrupted: moved aside, starting empty",
                    &aside,
                );
                self.recoveries.fetch_add(1, Ordering::Relaxed);
                self.try_connect().map_err(|e| e.0)
            }
            Err(e) => Err(e.0),
        }
    }

    /// (error, whether the file is corrupted)
    fn try_connect(&self) -> std::result::Result<Open, (Error, bool)> {
        let what = self.path.display().to_string();
        let fail = |e: rusqlite::Error| {
            let corrupt = is_corruption(&e);
            (Error::input(&what, e.to_string()), corrupt)
        };
        let conn = rusqlite::Connection::open(&self.path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(fail)?;
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(fail)?;
        if check != "ok" {
            return Err((Error::input(&what, format!("quick_check: {check}")), true));
        }
        conn.execute_batch(SCHEMA).map_err(fail)?;
        // Files written before leases: add the columns.
        let has_lease: bool = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('jobs') WHERE name = 'lease_until'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .map_err(fail)?
            > 0;
        if !has_lease {
            conn.execute_batch(
                "ALTER TABLE jobs ADD COLUMN owner TEXT; ALTER TABLE jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;",
            )
            .map_err(fail)?;
        }
        // One process owns the file: whatever an earlier process held is free to claim now.
        conn.execute(
            "UPDATE jobs SET lease_until = 1 WHERE (status = 'queued' AND lease_until > 0) OR status = 'running'",
            [],
        )
        .map_err(fail)?;
        let meta = std::fs::metadata(&self.path).map_err(|e| (Error::io(&self.path, e), false))?;
        Ok(Open {
            conn,
            identity: (meta.dev(), meta.ino()),
        })
    }

    /// Runs `f` on the connection; a corrupted database is recovered once and `f` retried.
    fn with<T>(&self, f: impl Fn(&rusqlite::Connection) -> rusqlite::Result<T>) -> Result<T> {
        let mut guard = self.open.lock().map_err(|_| db_error("lock poisoned"))?;
        if guard.is_none() {
            *guard = Some(self.connect()?);
        }
        let Some(open) = guard.as_ref() else {
            return Err(db_error("not open"));
        };
        match f(&open.conn) {
            Ok(v) => Ok(v),
            Err(e) if is_corruption(&e) => {
                *guard = None;
                let reopened = self.connect()?;
                let v = f(&reopened.conn).map_err(db_error);
                *guard = Some(reopened);
                v
            }
            Err(e) => Err(db_error(e)),
        }
    }

    fn row_job(r: &rusqlite::Row) -> rusqlite::Result<Job> {
        Ok(Job {
            id: r.get(0)?,
            reference: r.get(1)?,
            digest: r.get(2)?,
            lane: Lane::parse(&r.get::<_, String>(3)?),
            status: JobStatus::parse(&r.get::<_, String>(4)?),
            error: r.get(5)?,
            attempts: r.get(6)?,
            needs_auth: r.get::<_, i64>(7)? != 0,
            created: r.get(8)?,
            owner: r.get(9)?,
            lease_until: r.get(10)?,
        })
    }

    fn row_stored(digest: &str, r: &rusqlite::Row) -> rusqlite::Result<Stored> {
        Ok(Stored {
            digest: digest.to_string(),
            repository: r.get(0)?,
            report: r.get(1)?,
            worst: r.get(2)?,
            rule_ids: r
                .get::<_, String>(3)?
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
        })
    }
}

const JOB_COLUMNS: &str =
    "id, reference, digest, lane, status, error, attempts, needs_auth, created, owner, lease_until";

/// Which jobs a replica may claim (`?1` owner, `?2` now): queued ones (those with credentials
/// only by their holder), and any whose lease ran out; never a digest a live lease covers, the
/// claimer's own included (a job joining a scan in progress waits for it, it is not a second
/// scan).
/// The same text serves SQLite (`?N`) and PostgreSQL (`$N`).
pub(crate) const CLAIMABLE: &str = "((j.status = 'queued' AND (j.needs_auth = FALSE OR j.owner = ?1)) \
     OR (j.status IN ('queued', 'running') AND j.lease_until > 0 AND j.lease_until < ?2)) \
     AND NOT EXISTS (SELECT 1 FROM jobs r WHERE r.digest = j.digest AND r.status = 'running' \
                     AND r.lease_until >= ?2)";

/// The update that takes a picked digest's unfinished jobs (`?1` digest, `?2` owner, `?3` lease
/// end, `?4` now), re-checked against the rows as they are now: a digest another replica took
/// in between yields nothing.
pub(crate) const TAKE: &str = "UPDATE jobs SET status = 'running', owner = ?2, lease_until = ?3, attempts = attempts + 1, updated = ?4 \
     WHERE digest = ?1 AND status IN ('queued', 'running') \
     AND NOT (status = 'running' AND lease_until >= ?4 AND COALESCE(owner, '') <> ?2) \
     RETURNING id, attempts, needs_auth, created";

impl Store for SqliteStore {
    fn get(&self, digest: &str) -> Result<Option<Stored>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT repository, report, worst, rules FROM results WHERE digest = ?1 AND catalog = ?2",
            )?;
            match stmt.query_row([digest, &self.catalog], |r| Self::row_stored(digest, r)) {
                Ok(s) => Ok(Some(s)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn latest(&self, digest: &str) -> Result<Option<(Stored, String)>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT repository, report, worst, rules, catalog FROM results WHERE digest = ?1 ORDER BY stored_at DESC LIMIT 1",
            )?;
            match stmt.query_row([digest], |r| Ok((Self::row_stored(digest, r)?, r.get(4)?))) {
                Ok(s) => Ok(Some(s)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn put(&self, s: &Stored) -> Result<()> {
        self.with(|c| {
            c.execute(
                "INSERT OR REPLACE INTO results (digest, catalog, repository, report, worst, rules, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                rusqlite::params![s.digest, self.catalog, s.repository, s.report, s.worst, s.rule_ids.join(","), now()],
            )
            .map(|_| ())
        })
    }

    fn add_jobs(&self, jobs: &[Job]) -> Result<()> {
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            for j in jobs {
                tx.execute(
                    "INSERT INTO jobs (id, reference, digest, lane, status, error, attempts, needs_auth, created, updated, owner, lease_until) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11)",
                    rusqlite::params![j.id, j.reference, j.digest, j.lane.name(), j.status.name(), j.error, j.attempts, j.needs_auth as i64, j.created, j.owner, j.lease_until],
                )?;
            }
            tx.commit()
        })
    }

    fn job(&self, id: &str) -> Result<Option<Job>> {
        self.with(|c| {
            let mut stmt =
                c.prepare_cached(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"))?;
            match stmt.query_row([id], Self::row_job) {
                Ok(j) => Ok(Some(j)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
                Err(e) => Err(e),
            }
        })
    }

    fn claim(&self, owner: &str, lanes: &[Lane], lease_secs: i64) -> Result<Option<Claim>> {
        let lanes: Vec<&str> = lanes.iter().map(|l| l.name()).collect();
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            let t = now();
            let in_lanes = lanes
                .iter()
                .map(|l| format!("'{l}'"))
                .collect::<Vec<_>>()
                .join(", ");
            let picked = tx.query_row(
                &format!(
                    "SELECT j.digest, j.reference, j.lane, (j.lease_until > 0 AND j.lease_until < ?2) FROM jobs j \
                     WHERE j.lane IN ({in_lanes}) AND {CLAIMABLE} \
                     ORDER BY (j.lane = 'admission') DESC, j.created, j.id LIMIT 1"
                ),
                rusqlite::params![owner, t],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, bool>(3)?,
                    ))
                },
            );
            let (digest, reference, lane, expired) = match picked {
                Ok(p) => p,
                Err(rusqlite::Error::QueryReturnedNoRows) => return Ok(None),
                Err(e) => return Err(e),
            };
            let claimed: Vec<(String, u32, bool, i64)> = {
                let mut stmt = tx.prepare(TAKE)?;
                stmt.query_map(rusqlite::params![digest, owner, t + lease_secs, t], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get::<_, i64>(2)? != 0, r.get(3)?))
                })?
                .collect::<rusqlite::Result<_>>()?
            };
            tx.commit()?;
            Ok(claim_of(digest, reference, &lane, expired, claimed))
        })
    }

    fn heartbeat(&self, owner: &str, lease_secs: i64) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET lease_until = ?2 WHERE owner = ?1 AND status IN ('queued', 'running')",
                rusqlite::params![owner, now() + lease_secs],
            )
        })
    }

    fn settled(&self, digest: &str) -> Result<ScanState> {
        self.with(|c| {
            let row = c.query_row(
                "SELECT status, error FROM jobs WHERE digest = ?1 \
                 ORDER BY (status IN ('queued', 'running')) DESC, updated DESC LIMIT 1",
                [digest],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)),
            );
            match row {
                Ok((status, error)) => Ok(settled_of(&status, error)),
                Err(rusqlite::Error::QueryReturnedNoRows) => Ok(ScanState::Unknown),
                Err(e) => Err(e),
            }
        })
    }

    fn depth(&self) -> Result<(usize, usize)> {
        self.with(|c| {
            c.query_row(
                "SELECT count(*) FILTER (WHERE lane = 'admission'), count(*) FILTER (WHERE lane <> 'admission') FROM jobs WHERE status = 'queued'",
                [],
                |r| Ok((r.get::<_, i64>(0)? as usize, r.get::<_, i64>(1)? as usize)),
            )
        })
    }

    fn recent_results(&self, limit: usize) -> Result<Vec<Stored>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.with(|c| {
            let mut stmt = c.prepare_cached(
                "SELECT repository, report, worst, rules, digest FROM results WHERE catalog = ?1 ORDER BY stored_at DESC, digest LIMIT ?2",
            )?;
            stmt.query_map(rusqlite::params![self.catalog, limit], |r| {
                let digest: String = r.get(4)?;
                Self::row_stored(&digest, r)
            })?
            .collect()
        })
    }

    fn put_node_report(&self, r: &NodeReport, keep: usize) -> Result<()> {
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        self.with(|c| {
            let tx = c.unchecked_transaction()?;
            tx.execute(
                "INSERT OR REPLACE INTO node_reports (node, received, worst, findings, report) VALUES (?1, ?2, ?3, ?4, ?5)",
                rusqlite::params![r.node, r.received, r.worst, r.findings, r.report],
            )?;
            tx.execute(
                "DELETE FROM node_reports WHERE node = ?1 AND received NOT IN \
                 (SELECT received FROM node_reports WHERE node = ?1 ORDER BY received DESC LIMIT ?2)",
                rusqlite::params![r.node, keep],
            )?;
            tx.commit()
        })
    }

    fn node_reports(&self, since: i64) -> Result<Vec<Vec<NodeReport>>> {
        self.with(|c| {
            let mut stmt = c.prepare_cached(NODE_REPORTS)?;
            let rows = stmt
                .query_map([since], |r| {
                    Ok(NodeReport {
                        node: r.get(0)?,
                        received: r.get(1)?,
                        worst: r.get(2)?,
                        findings: r.get(3)?,
                        report: String::new(),
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(group_by_node(rows))
        })
    }

    fn expire_nodes(&self, before: i64) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "DELETE FROM node_reports WHERE node IN \
                 (SELECT node FROM node_reports GROUP BY node HAVING max(received) < ?1)",
                [before],
            )
        })
    }

    fn finish_digest(&self, digest: &str, status: JobStatus, error: Option<&str>) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET status = ?2, error = ?3, updated = ?4 WHERE digest = ?1 AND status IN ('queued', 'running')",
                rusqlite::params![digest, status.name(), error, now()],
            )
            .map(|_| ())
        })
    }

    fn requeue(&self, id: &str) -> Result<()> {
        self.with(|c| {
            c.execute(
                "UPDATE jobs SET status = 'queued', attempts = max(attempts - 1, 0), owner = NULL, lease_until = CASE WHEN needs_auth THEN 1 ELSE 0 END, updated = ?2 WHERE id = ?1 AND status = 'running'",
                rusqlite::params![id, now()],
            )
            .map(|_| ())
        })
    }

    fn expire_jobs(&self) -> Result<usize> {
        self.with(|c| {
            c.execute(
                "DELETE FROM jobs WHERE status IN ('done', 'failed') AND updated < ?1",
                [now() - JOB_TTL_SECS],
            )
        })
    }

    fn health(&self) -> Result<Option<String>> {
        let mut guard = self.open.lock().map_err(|_| db_error("lock poisoned"))?;
        let on_disk = std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.dev(), m.ino()));
        let note = match guard.as_ref() {
            None => Some("result store reopened".to_string()),
            Some(open) if on_disk != Some(open.identity) => {
                log(
                    "result store file deleted or replaced: reopening",
                    &self.path,
                );
                Some("result store file was deleted or replaced: reopened (earlier results are gone)".to_string())
            }
            Some(open) => match open
                .conn
                .query_row("SELECT count(*) FROM jobs WHERE 0", [], |r| {
                    r.get::<_, i64>(0)
                }) {
                Ok(_) => return Ok(None),
                Err(e) if is_corruption(&e) => {
                    Some("result store was corrupted: moved aside and recreated".to_string())
                }
                Err(e) => return Err(db_error(e)),
            },
        };
        *guard = None;
        let reopened = self.connect()?;
        *guard = Some(reopened);
        self.recoveries.fetch_add(1, Ordering::Relaxed);
        Ok(note)
    }

    fn recoveries(&self) -> u64 {
        self.recoveries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What every [`Store`] must do, whatever keeps it: run on an empty store.
    pub(crate) fn suite(store: &dyn Store) {
        let s = stored("sha256:ab");
        assert_eq!(store.get("sha256:ab").unwrap(), None);
        store.put(&s).unwrap();
        assert_eq!(store.get("sha256:ab").unwrap(), Some(s.clone()));
        // A second put replaces the first.
        let mut newer = s.clone();
        newer.worst = Some("critical".into());
        store.put(&newer).unwrap();
        assert_eq!(store.get("sha256:ab").unwrap(), Some(newer.clone()));
        let (latest, catalog) = store.latest("sha256:ab").unwrap().unwrap();
        assert_eq!((latest, catalog), (newer, catalog_version()));
        store
            .add_jobs(&[
                job("j1", "sha256:ab"),
                job("j2", "sha256:ab"),
                job("j3", "sha256:cd"),
            ])
            .unwrap();
        // A duplicate id fails the whole batch.
        assert!(
            store
                .add_jobs(&[job("j9", "sha256:ef"), job("j1", "sha256:ef")])
                .is_err()
        );
        assert_eq!(store.job("j9").unwrap(), None);
        // Joined jobs are claimed, and finish, together; one owner at a time.
        let c = store.claim("a", &[Lane::General], 30).unwrap().unwrap();
        let mut ids = c.ids.clone();
        ids.sort();
        assert_eq!(
            (c.digest.as_str(), ids, c.attempts, c.expired),
            (
                "sha256:ab",
                vec!["j1".to_string(), "j2".to_string()],
                1,
                false
            )
        );
        // Another replica gets the next digest, never the one held.
        let d = store.claim("b", &[Lane::General], 30).unwrap().unwrap();
        assert_eq!(d.digest, "sha256:cd");
        assert_eq!(store.claim("c", &[Lane::General], 30).unwrap(), None);
        // A job added for a digest being scanned waits with it, unclaimable, even by the
        // replica scanning it.
        store.add_jobs(&[job("j4", "sha256:ab")]).unwrap();
        assert_eq!(store.claim("c", &[Lane::General], 30).unwrap(), None);
        assert_eq!(store.claim("a", &[Lane::General], 30).unwrap(), None);
        assert_eq!(store.settled("sha256:ab").unwrap(), ScanState::Pending);
        assert_eq!(store.heartbeat("a", 30).unwrap(), 2);
        store.requeue("j2").unwrap();
        let j2 = store.job("j2").unwrap().unwrap();
        assert_eq!(
            (j2.status, j2.attempts, j2.owner),
            (JobStatus::Queued, 0, None)
        );
        store
            .finish_digest("sha256:ab", JobStatus::Failed, Some("no such manifest"))
            .unwrap();
        let j1 = store.job("j1").unwrap().unwrap();
        assert_eq!(
            (j1.status, j1.error.as_deref(), j1.attempts),
            (JobStatus::Failed, Some("no such manifest"), 1)
        );
        assert_eq!(store.job("j4").unwrap().unwrap().status, JobStatus::Failed);
        assert_eq!(
            store.settled("sha256:ab").unwrap(),
            ScanState::Failed("no such manifest".into())
        );
        assert_eq!(store.settled("sha256:zz").unwrap(), ScanState::Unknown);
        // A lease that runs out lets another replica claim the jobs, the attempt counted.
        assert_eq!(store.heartbeat("b", -5).unwrap(), 1);
        let e = store.claim("c", &[Lane::General], 30).unwrap().unwrap();
        assert_eq!(
            (e.digest.as_str(), e.attempts, e.expired),
            ("sha256:cd", 2, true)
        );
        store
            .finish_digest("sha256:cd", JobStatus::Done, None)
            .unwrap();
        assert_eq!(store.settled("sha256:cd").unwrap(), ScanState::Done);
        // Credentials are with the replica that took them: only it claims the job.
        let mut held = job("j5", "sha256:ef");
        held.needs_auth = true;
        held.owner = Some("a".into());
        held.lease_until = now() + 30;
        store.add_jobs(&[held]).unwrap();
        assert_eq!(store.claim("b", &[Lane::General], 30).unwrap(), None);
        assert_eq!(store.depth().unwrap(), (0, 1));
        let f = store.claim("a", &[Lane::General], 30).unwrap().unwrap();
        assert!(f.needs_auth);
        store
            .finish_digest("sha256:ef", JobStatus::Done, None)
            .unwrap();
        // The admission lane goes first.
        let mut slow = job("j6", "sha256:01");
        slow.created -= 10;
        let mut urgent = job("j7", "sha256:02");
        urgent.lane = Lane::Admission;
        store.add_jobs(&[slow, urgent]).unwrap();
        assert_eq!(store.depth().unwrap(), (1, 1));
        let g = store
            .claim("a", &[Lane::Admission, Lane::General], 30)
            .unwrap()
            .unwrap();
        assert_eq!(g.digest, "sha256:02");
        assert_eq!(store.claim("b", &[Lane::Admission], 30).unwrap(), None);
        // Node reports: the newest `keep` per node; listing gives each node's two newest.
        for (node, at, worst) in [
            ("node-a", 1_000, Some("high")),
            ("node-a", 2_000, Some("medium")),
            ("node-a", 3_000, None),
            ("node-b", 1_500, Some("low")),
        ] {
            store
                .put_node_report(
                    &NodeReport {
                        node: node.into(),
                        received: at,
                        worst: worst.map(str::to_string),
                        findings: "[]".into(),
                        report: "{}".into(),
                    },
                    2,
                )
                .unwrap();
        }
        let nodes = store.node_reports(0).unwrap();
        let seen: Vec<(String, Vec<i64>)> = nodes
            .iter()
            .map(|g| (g[0].node.clone(), g.iter().map(|r| r.received).collect()))
            .collect();
        assert_eq!(
            seen,
            [
                ("node-a".to_string(), vec![3_000, 2_000]),
                ("node-b".to_string(), vec![1_500])
            ]
        );
        assert_eq!(store.node_reports(2_500).unwrap().len(), 1);
        // node-b, unseen since before 2000, expires; node-a keeps only two reports.
        assert_eq!(store.expire_nodes(2_000).unwrap(), 1);
        assert_eq!(store.node_reports(0).unwrap().len(), 1);
        let recent = store.recent_results(10).unwrap();
        assert_eq!(recent.len(), 1);
        assert_eq!(recent[0].digest, "sha256:ab");
        // Nothing finished long enough ago to expire.
        assert_eq!(store.expire_jobs().unwrap(), 0);
        assert_eq!(store.health().unwrap(), None);
    }

    #[test]
    fn sqlite_passes_the_store_suite() {
        let dir = tempfile::tempdir().unwrap();
        suite(&SqliteStore::open(dir.path()).unwrap());
    }

    fn stored(d: &str) -> Stored {
        Stored {
            digest: d.into(),
            repository: "app".into(),
            report: "{}".into(),
            worst: Some("high".into()),
            rule_ids: vec!["CTR001".into()],
        }
    }

    fn job(id: &str, digest: &str) -> Job {
        Job {
            id: id.into(),
            reference: format!("r.example/app@{digest}"),
            digest: digest.into(),
            lane: Lane::General,
            status: JobStatus::Queued,
            error: None,
            attempts: 0,
            needs_auth: false,
            created: now(),
            owner: None,
            lease_until: 0,
        }
    }

    #[test]
    fn results_and_jobs_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let s = stored("sha256:ab");
        let store = SqliteStore::open(dir.path()).unwrap();
        store.put(&s).unwrap();
        store
            .add_jobs(&[
                job("j1", "sha256:ab"),
                job("j2", "sha256:ab"),
                job("j3", "sha256:cd"),
            ])
            .unwrap();
        let claimed = store.claim("old", &[Lane::General], 3600).unwrap().unwrap();
        assert_eq!(claimed.digest, "sha256:ab");
        store
            .finish_digest("sha256:ab", JobStatus::Done, None)
            .unwrap();
        let claimed = store.claim("old", &[Lane::General], 3600).unwrap().unwrap();
        assert_eq!(claimed.ids, ["j3"]);
        drop(store);
        // The process that held j3 is gone: its lease is over at once for the next one.
        let again = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(again.get("sha256:ab").unwrap(), Some(s));
        assert_eq!(again.get("sha256:cd").unwrap(), None);
        assert_eq!(again.job("j2").unwrap().unwrap().status, JobStatus::Done);
        let resumed = again.claim("new", &[Lane::General], 30).unwrap().unwrap();
        assert_eq!(
            (resumed.ids, resumed.attempts, resumed.expired),
            (vec!["j3".to_string()], 2, true)
        );
        // A duplicate id fails the whole batch.
        assert!(
            again
                .add_jobs(&[job("j9", "sha256:ef"), job("j1", "sha256:ef")])
                .is_err()
        );
        assert_eq!(again.job("j9").unwrap(), None);
    }

    #[test]
    fn results_of_another_catalog_are_stale_not_current() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store
            .with(|c| {
                c.execute(
                    "INSERT INTO results VALUES ('sha256:ab', 'old+1', 'app', '{}', NULL, '', 1)",
                    [],
                )
            })
            .unwrap();
        assert_eq!(store.get("sha256:ab").unwrap(), None);
        let (s, catalog) = store.latest("sha256:ab").unwrap().unwrap();
        assert_eq!((s.repository.as_str(), catalog.as_str()), ("app", "old+1"));
    }

    #[test]
    fn a_deleted_database_is_reopened_and_a_corrupted_one_moved_aside() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).unwrap();
        store.put(&stored("sha256:ab")).unwrap();
        assert_eq!(store.health().unwrap(), None);
        std::fs::remove_file(dir.path().join("results.sqlite")).unwrap();
        let note = store.health().unwrap().unwrap();
        assert!(note.contains("deleted or replaced"), "{note}");
        store.put(&stored("sha256:cd")).unwrap();
        // The new file holds what is written after the reopen.
        assert!(dir.path().join("results.sqlite").exists());
        assert!(
            SqliteStore::open(dir.path())
                .unwrap()
                .get("sha256:cd")
                .unwrap()
                .is_some()
        );
        drop(store);
        // Garbage where the database was: moved aside at open, a fresh one created.
        std::fs::write(dir.path().join("results.sqlite"), vec![0x5a; 8192]).unwrap();
        for ext in ["sqlite-wal", "sqlite-shm"] {
            let _ = std::fs::remove_file(dir.path().join("results").with_extension(ext));
        }
        let store = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(store.recoveries(), 1);
        assert!(std::fs::read_dir(dir.path()).unwrap().any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".corrupt-")
        }));
        store.put(&stored("sha256:ab")).unwrap();
    }
}
