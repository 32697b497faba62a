//! The result store and job table on PostgreSQL, for several replicas sharing one database. The
//! same [`Store`] as the embedded SQLite one, passing the same test suite.
//!
//! The client is async (tokio-postgres with a deadpool pool) and runs on a small runtime of its
//! own, so the store's callers — scan worker threads and request handlers alike — call it
//! synchronously, as they call SQLite. Connections to anything but a Unix socket or loopback
//! need `sslmode=verify-full`: TLS with the server's certificate checked against `sslrootcert`
//! (or the system's roots) and its name.
//!
//! The schema is versioned in `migrations/postgres/`; [`migrate`] applies what is missing in one
//! transaction under an advisory lock, so replicas starting together apply it once.

use super::store::{
    CLAIMABLE, Claim, JOB_TTL_SECS, Job, JobStatus, Lane, NODE_REPORTS, NodeReport, ScanState,
    Store, Stored, TAKE, catalog_version, claim_of, group_by_node, now, settled_of,
};
use crate::error::{Error, Result};
use std::sync::Arc;
use tokio_postgres::config::{Host, SslMode};

/// The migrations, in order: (version, name, SQL).
const MIGRATIONS: [(i32, &str, &str); 3] = [
    (
        1,
        "results and jobs",
        include_str!("../../migrations/postgres/0001_results_and_jobs.sql"),
    ),
    (
        2,
        "job leases",
        include_str!("../../migrations/postgres/0002_job_leases.sql"),
    ),
    (
        3,
        "node reports",
        include_str!("../../migrations/postgres/0003_node_reports.sql"),
    ),
];

/// The advisory lock migrations are applied under (any constant both sides agree on).
const MIGRATION_LOCK: i64 = 0x7374_6576_6564_6f72; // "stevedor"

/// Connections the pool keeps at most: workers and request handlers share them.
const POOL_SIZE: usize = 16;

/// An error with its causes (a pool error's own text hides why the connection failed).
fn db_error(e: impl std::fmt::Display) -> Error {
    Error::input("database", e.to_string())
}

fn pool_error(e: &deadpool_postgres::PoolError) -> Error {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text = format!("{text}: {more}");
        }
        cause = c.source();
    }
    Error::input("database", text)
}

/// A database URL as given, with the TLS settings tokio-postgres does not take taken out.
#[derive(Debug)]
pub(crate) struct DatabaseUrl {
    config: tokio_postgres::Config,
    /// `sslmode=verify-full` was asked for.
    verify_full: bool,
    /// `sslrootcert=FILE`: the CA the server's certificate must chain to.
    root_cert: Option<std::path::PathBuf>,
}

impl DatabaseUrl {
    /// Parses `postgres://…?sslmode=verify-full&sslrootcert=…` or `host=… sslmode=…`, and refuses
    /// a connection over the network without verified TLS.
    pub(crate) fn parse(text: &str) -> Result<DatabaseUrl> {
        let text = text.trim();
        let mut verify_full = false;
        let mut root_cert = None;
        let mut take = |key: &str, value: &str| -> std::result::Result<bool, Error> {
            match key {
                "sslmode" => {
                    match value {
                        "verify-full" => verify_full = true,
                        "disable" | "prefer" | "allow" => {}
                        other => {
                            return Err(Error::usage(format!(
                                "database URL: sslmode={other} is not supported: use verify-full (or none on a Unix socket or loopback)"
                            )));
                        }
                    }
                    Ok(true)
                }
                "sslrootcert" => {
                    root_cert = Some(std::path::PathBuf::from(value));
                    Ok(true)
                }
                _ => Ok(false),
            }
        };
        let rest = if let Some((base, query)) = text
            .split_once('?')
            .filter(|_| text.starts_with("postgres://") || text.starts_with("postgresql://"))
        {
            let mut kept = Vec::new();
            for pair in query.split('&').filter(|p| !p.is_empty()) {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                if !take(k, v)? {
                    kept.push(pair);
                }
            }
            if kept.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{}", kept.join("&"))
            }
        } else if text.contains('=') && !text.contains("://") {
            let mut kept = Vec::new();
            for word in text.split_whitespace() {
                let (k, v) = word.split_once('=').unwrap_or((word, ""));
                if !take(k, v)? {
                    kept.push(word);
                }
            }
            kept.join(" ")
        } else {
            text.to_string()
        };
        let mut config: tokio_postgres::Config = rest
            .parse()
            .map_err(|e| Error::usage(format!("database URL: {e}")))?;
        config.ssl_mode(if verify_full {
            SslMode::Require
        } else {
            SslMode::Disable
        });
        let url = DatabaseUrl {
            config,
            verify_full,
            root_cert,
        };
        if !url.verify_full {
            if let Some(host) = url.remote_host() {
                return Err(Error::usage(format!(
                    "database URL: {host} is reached over the network: add sslmode=verify-full (and sslrootcert=CA.pem for a private CA); only a Unix socket or loopback may go without TLS"
                )));
            }
        }
        Ok(url)
    }

    /// The first host that is neither a Unix socket nor loopback.
    fn remote_host(&self) -> Option<String> {
        let hosts = self.config.get_hosts();
        if hosts.is_empty() {
            return None; // libpq's default: the local socket
        }
        hosts.iter().find_map(|h| match h {
            Host::Unix(_) => None,
            Host::Tcp(name) => {
                (!crate::source::registry::egress::is_loopback_host(name)).then(|| name.clone())
            }
        })
    }

    fn pool(&self) -> Result<deadpool_postgres::Pool> {
        use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
        let manager_config = ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        };
        let manager = if self.verify_full {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls_config()?);
            Manager::from_config(self.config.clone(), tls, manager_config)
        } else {
            Manager::from_config(self.config.clone(), tokio_postgres::NoTls, manager_config)
        };
        Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(10)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(db_error)
    }

    /// rustls with the server's name and chain checked: `sslrootcert`, else the system's roots.
    fn tls_config(&self) -> Result<rustls::ClientConfig> {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let mut roots = rustls::RootCertStore::empty();
        match &self.root_cert {
            Some(path) => {
                let what = path.display().to_string();
                for cert in CertificateDer::pem_file_iter(path)
                    .map_err(|e| Error::input(&what, e.to_string()))?
                {
                    let cert = cert.map_err(|e| Error::input(&what, e.to_string()))?;
                    roots
                        .add(cert)
                        .map_err(|e| Error::input(&what, e.to_string()))?;
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
        }
        Ok(rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth())
    }
}

pub(crate) struct PgStore {
    runtime: Option<tokio::runtime::Runtime>,
    pool: deadpool_postgres::Pool,
    catalog: String,
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Dropped from async code too: never block there.
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

type Client = deadpool_postgres::Object;

impl PgStore {
    /// Connects and checks the schema is current (`stevedore migrate` makes it so; a replica
    /// applies missing migrations itself when its role may).
    pub(crate) fn connect(url: &DatabaseUrl) -> Result<PgStore> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("stevedore-db")
            .enable_all()
            .build()
            .map_err(|e| Error::input("database runtime", e.to_string()))?;
        let pool = {
            let _guard = runtime.enter();
            url.pool()?
        };
        let store = PgStore {
            runtime: Some(runtime),
            pool,
            catalog: catalog_version(),
        };
        store.call(|client| async move { apply_migrations(client).await })?;
        Ok(store)
    }

    /// Runs `f` with a pooled connection on the store's runtime and waits for it, from any
    /// thread (a request handler's too: it does not need the caller's runtime).
    fn call<T, F, Fut>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(Client) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Result<T>> + Send + 'static,
    {
        let Some(rt) = self.runtime.as_ref() else {
            return Err(db_error("closed"));
        };
        let pool = self.pool.clone();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        rt.spawn(async move {
            let result = match pool.get().await {
                Ok(client) => f(client).await,
                Err(e) => Err(pool_error(&e)),
            };
            let _ = tx.send(result);
        });
        rx.recv().map_err(|_| db_error("the database task ended"))?
    }
}

/// Applies the migrations a database lacks, in one transaction, under an advisory lock.
async fn apply_migrations(mut client: Client) -> Result<()> {
    let tx = client.transaction().await.map_err(db_error)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db_error)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await
    .map_err(|e| {
        Error::input(
            "database",
            format!("{e}: the schema is missing and this role cannot create it; run `stevedore migrate` with a role that may"),
        )
    })?;
    let applied: Vec<i32> = tx
        .query("SELECT version FROM schema_migrations", &[])
        .await
        .map_err(db_error)?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let newest_known = MIGRATIONS.last().map_or(0, |m| m.0);
    if let Some(v) = applied.iter().find(|v| **v > newest_known) {
        return Err(Error::input(
            "database",
            format!(
                "schema version {v} is newer than this stevedore knows ({newest_known}): upgrade stevedore"
            ),
        ));
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| !applied.contains(&m.0)) {
        tx.batch_execute(sql).await.map_err(|e| {
            Error::input(
                "database",
                format!("migration {version} ({name}): {e} (run `stevedore migrate` with a role that may change the schema)"),
            )
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
            &[version, name, &now()],
        )
        .await
        .map_err(db_error)?;
    }
    tx.commit().await.map_err(db_error)
}

/// `stevedore migrate`: brings the schema up to date; the versions applied now.
pub(crate) fn migrate(url: &DatabaseUrl) -> Result<Vec<i32>> {
    let store = PgStore::connect(url)?;
    store.call(|client| async move {
        let rows = client
            .query(
                "SELECT version FROM schema_migrations ORDER BY version",
                &[],
            )
            .await
            .map_err(db_error)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    })
}

fn row_job(r: &tokio_postgres::Row) -> Job {
    Job {
        id: r.get(0),
        reference: r.get(1),
        digest: r.get(2),
        lane: Lane::parse(r.get(3)),
        status: JobStatus::parse(r.get(4)),
        error: r.get(5),
        attempts: u32::try_from(r.get::<_, i32>(6)).unwrap_or(0),
        needs_auth: r.get(7),
        created: r.get(8),
        owner: r.get(9),
        lease_until: r.get(10),
    }
}

fn row_stored(digest: &str, r: &tokio_postgres::Row) -> Stored {
    Stored {
        digest: digest.to_string(),
        repository: r.get(0),
        report: r.get(1),
        worst: r.get(2),
        rule_ids: r
            .get::<_, String>(3)
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
    }
}

const JOB_COLUMNS: &str =
    "id, reference, digest, lane, status, error, attempts, needs_auth, created, owner, lease_until";

/// SQLite's `?N` placeholders as PostgreSQL's `$N`.
fn dollars(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

impl Store for PgStore {
    fn get(&self, digest: &str) -> Result<Option<Stored>> {
        let (digest, catalog) = (digest.to_string(), self.catalog.clone());
        self.call(move |c| async move {
            let row = c
                .query_opt(
                    "SELECT repository, report, worst, rules FROM results WHERE digest = $1 AND catalog = $2",
                    &[&digest, &catalog],
                )
                .await
                .map_err(db_error)?;
            Ok(row.map(|r| row_stored(&digest, &r)))
        })
    }

    fn latest(&self, digest: &str) -> Result<Option<(Stored, String)>> {
        let digest = digest.to_string();
        self.call(move |c| async move {
            let row = c
                .query_opt(
                    "SELECT repository, report, worst, rules, catalog FROM results WHERE digest = $1 ORDER BY stored_at DESC LIMIT 1",
                    &[&digest],
                )
                .await
                .map_err(db_error)?;
            Ok(row.map(|r| (row_stored(&digest, &r), r.get(4))))
        })
    }

    fn put(&self, s: &Stored) -> Result<()> {
        let (s, catalog) = (s.clone(), self.catalog.clone());
        self.call(move |c| async move {
            c.execute(
                "INSERT INTO results (digest, catalog, repository, report, worst, rules, stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (digest, catalog) DO UPDATE SET repository = EXCLUDED.repository, report = EXCLUDED.report, worst = EXCLUDED.worst, rules = EXCLUDED.rules, stored_at = EXCLUDED.stored_at",
                &[&s.digest, &catalog, &s.repository, &s.report, &s.worst, &s.rule_ids.join(","), &now()],
            )
            .await
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn add_jobs(&self, jobs: &[Job]) -> Result<()> {
        let jobs = jobs.to_vec();
        self.call(move |mut c| async move {
            let tx = c.transaction().await.map_err(db_error)?;
            for j in &jobs {
                let attempts = i32::try_from(j.attempts).unwrap_or(i32::MAX);
                tx.execute(
                    "INSERT INTO jobs (id, reference, digest, lane, status, error, attempts, needs_auth, created, updated, owner, lease_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11)",
                    &[&j.id, &j.reference, &j.digest, &j.lane.name(), &j.status.name(), &j.error, &attempts, &j.needs_auth, &j.created, &j.owner, &j.lease_until],
                )
                .await
                .map_err(db_error)?;
            }
            tx.commit().await.map_err(db_error)
        })
    }

    fn job(&self, id: &str) -> Result<Option<Job>> {
        let id = id.to_string();
        self.call(move |c| async move {
            let row = c
                .query_opt(
                    &format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"),
                    &[&id],
                )
                .await
                .map_err(db_error)?;
            Ok(row.as_ref().map(row_job))
        })
    }

    fn claim(&self, owner: &str, lanes: &[Lane], lease_secs: i64) -> Result<Option<Claim>> {
        let owner = owner.to_string();
        let lanes: Vec<String> = lanes.iter().map(|l| l.name().to_string()).collect();
        self.call(move |mut c| async move {
            let tx = c.transaction().await.map_err(db_error)?;
            let t = now();
            // One replica per digest: an advisory lock on the digest, tried, skips digests
            // another claim holds at this moment; the update re-checks the rows as committed.
            let pick = format!(
                "SELECT j.digest, j.reference, j.lane, (j.lease_until > 0 AND j.lease_until < $2) FROM jobs j \
                 WHERE j.lane = ANY($3) AND {} AND pg_try_advisory_xact_lock(hashtextextended(j.digest, 0)) \
                 ORDER BY (j.lane = 'admission') DESC, j.created, j.id LIMIT 1",
                dollars(CLAIMABLE)
            );
            let Some(row) = tx
                .query_opt(&pick, &[&owner, &t, &lanes])
                .await
                .map_err(db_error)?
            else {
                return Ok(None);
            };
            let (digest, reference, lane, expired): (String, String, String, bool) =
                (row.get(0), row.get(1), row.get(2), row.get(3));
            let rows = tx
                .query(&dollars(TAKE), &[&digest, &owner, &(t + lease_secs), &t])
                .await
                .map_err(db_error)?;
            tx.commit().await.map_err(db_error)?;
            let taken = rows
                .iter()
                .map(|r| {
                    (
                        r.get::<_, String>(0),
                        u32::try_from(r.get::<_, i32>(1)).unwrap_or(0),
                        r.get::<_, bool>(2),
                        r.get::<_, i64>(3),
                    )
                })
                .collect();
            Ok(claim_of(digest, reference, &lane, expired, taken))
        })
    }

    fn heartbeat(&self, owner: &str, lease_secs: i64) -> Result<usize> {
        let owner = owner.to_string();
        self.call(move |c| async move {
            c.execute(
                "UPDATE jobs SET lease_until = $2 WHERE owner = $1 AND status IN ('queued', 'running')",
                &[&owner, &(now() + lease_secs)],
            )
            .await
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(db_error)
        })
    }

    fn settled(&self, digest: &str) -> Result<ScanState> {
        let digest = digest.to_string();
        self.call(move |c| async move {
            let row = c
                .query_opt(
                    "SELECT status, error FROM jobs WHERE digest = $1 \
                     ORDER BY (status IN ('queued', 'running')) DESC, updated DESC LIMIT 1",
                    &[&digest],
                )
                .await
                .map_err(db_error)?;
            Ok(row.map_or(ScanState::Unknown, |r| settled_of(r.get(0), r.get(1))))
        })
    }

    fn depth(&self) -> Result<(usize, usize)> {
        self.call(|c| async move {
            let r = c
                .query_one(
                    "SELECT count(*) FILTER (WHERE lane = 'admission'), count(*) FILTER (WHERE lane <> 'admission') FROM jobs WHERE status = 'queued'",
                    &[],
                )
                .await
                .map_err(db_error)?;
            let n = |i: usize| usize::try_from(r.get::<_, i64>(i)).unwrap_or(0);
            Ok((n(0), n(1)))
        })
    }

    fn recent_results(&self, limit: usize) -> Result<Vec<Stored>> {
        let (catalog, limit) = (
            self.catalog.clone(),
            i64::try_from(limit).unwrap_or(i64::MAX),
        );
        self.call(move |c| async move {
            let rows = c
                .query(
                    "SELECT repository, report, worst, rules, digest FROM results WHERE catalog = $1 ORDER BY stored_at DESC, digest LIMIT $2",
                    &[&catalog, &limit],
                )
                .await
                .map_err(db_error)?;
            Ok(rows.iter().map(|r| row_stored(r.get(4), r)).collect())
        })
    }

    fn put_node_report(&self, r: &NodeReport, keep: usize) -> Result<()> {
        let r = r.clone();
        let keep = i64::try_from(keep).unwrap_or(i64::MAX);
        self.call(move |mut c| async move {
            let tx = c.transaction().await.map_err(db_error)?;
            tx.execute(
                "INSERT INTO node_reports (node, received, worst, findings, report) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (node, received) DO UPDATE SET worst = EXCLUDED.worst, findings = EXCLUDED.findings, report = EXCLUDED.report",
                &[&r.node, &r.received, &r.worst, &r.findings, &r.report],
            )
            .await
            .map_err(db_error)?;
            tx.execute(
                "DELETE FROM node_reports WHERE node = $1 AND received NOT IN \
                 (SELECT received FROM node_reports WHERE node = $1 ORDER BY received DESC LIMIT $2)",
                &[&r.node, &keep],
            )
            .await
            .map_err(db_error)?;
            tx.commit().await.map_err(db_error)
        })
    }

    fn node_reports(&self, since: i64) -> Result<Vec<Vec<NodeReport>>> {
        self.call(move |c| async move {
            let rows = c
                .query(&dollars(NODE_REPORTS), &[&since])
                .await
                .map_err(db_error)?;
            Ok(group_by_node(
                rows.iter()
                    .map(|r| NodeReport {
                        node: r.get(0),
                        received: r.get(1),
                        worst: r.get(2),
                        findings: r.get(3),
                        report: String::new(),
                    })
                    .collect(),
            ))
        })
    }

    fn expire_nodes(&self, before: i64) -> Result<usize> {
        self.call(move |c| async move {
            c.execute(
                "DELETE FROM node_reports WHERE node IN \
                 (SELECT node FROM node_reports GROUP BY node HAVING max(received) < $1)",
                &[&before],
            )
            .await
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(db_error)
        })
    }

    fn finish_digest(&self, digest: &str, status: JobStatus, error: Option<&str>) -> Result<()> {
        let (digest, error) = (digest.to_string(), error.map(str::to_string));
        self.call(move |c| async move {
            c.execute(
                "UPDATE jobs SET status = $2, error = $3, updated = $4 WHERE digest = $1 AND status IN ('queued', 'running')",
                &[&digest, &status.name(), &error, &now()],
            )
            .await
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn requeue(&self, id: &str) -> Result<()> {
        let id = id.to_string();
        self.call(move |c| async move {
            c.execute(
                "UPDATE jobs SET status = 'queued', attempts = GREATEST(attempts - 1, 0), owner = NULL, lease_until = CASE WHEN needs_auth THEN 1 ELSE 0 END, updated = $2 WHERE id = $1 AND status = 'running'",
                &[&id, &now()],
            )
            .await
            .map(|_| ())
            .map_err(db_error)
        })
    }

    fn expire_jobs(&self) -> Result<usize> {
        self.call(|c| async move {
            c.execute(
                "DELETE FROM jobs WHERE status IN ('done', 'failed') AND updated < $1",
                &[&(now() - JOB_TTL_SECS)],
            )
            .await
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(db_error)
        })
    }

    fn health(&self) -> Result<Option<String>> {
        self.call(|c| async move {
            c.query_one("SELECT 1", &[]).await.map_err(db_error)?;
            Ok(None)
        })
    }

    fn recoveries(&self) -> u64 {
        0
    }
}

/// A shared store handle for the server.
pub(crate) fn open(url: &DatabaseUrl) -> Result<Arc<dyn Store>> {
    Ok(Arc::new(PgStore::connect(url)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test cluster's admin URL (`scripts/test.sh` starts it), or a visible skip.
    fn admin_url() -> Option<String> {
        match std::env::var("STEVEDORE_TEST_DATABASE_URL") {
            Ok(url) => Some(url),
            Err(_) => {
                assert!(
                    std::env::var("STEVEDORE_TEST_SERVICES").is_err(),
                    "STEVEDORE_TEST_DATABASE_URL is unset but the services were started"
                );
                eprintln!("SKIPPED: no PostgreSQL (run ./scripts/test.sh)");
                None
            }
        }
    }

    /// A new, empty database on the test cluster; its URL (the admin URL's, another dbname).
    fn fresh_database(admin: &str, name: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            for sql in [
                format!("DROP DATABASE IF EXISTS {name}"),
                format!("CREATE DATABASE {name}"),
            ] {
                client.batch_execute(&sql).await.unwrap();
            }
        });
        let (base, _) = admin.rsplit_once('/').unwrap();
        format!("{base}/{name}")
    }

    #[test]
    #[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
    fn postgres_passes_the_store_suite_and_migrates_once() {
        let Some(admin) = admin_url() else { return };
        let url = DatabaseUrl::parse(&fresh_database(&admin, "stevedore_store_suite")).unwrap();
        let store = PgStore::connect(&url).unwrap();
        crate::serve::store::tests::suite(&store);
        // Replicas starting together apply the schema once; later starts find it current.
        let starts: Vec<_> = (0..4)
            .map(|_| {
                let text = fresh_url(&admin, "stevedore_store_suite");
                std::thread::spawn(move || {
                    PgStore::connect(&DatabaseUrl::parse(&text).unwrap()).map(|_| ())
                })
            })
            .collect();
        for s in starts {
            s.join().unwrap().unwrap();
        }
        assert_eq!(migrate(&url).unwrap(), [1, 2, 3]);
        // Results stay: the suite's result is still there for a new connection.
        assert!(
            PgStore::connect(&url)
                .unwrap()
                .get("sha256:ab")
                .unwrap()
                .is_some()
        );
    }

    fn fresh_url(admin: &str, name: &str) -> String {
        let (base, _) = admin.rsplit_once('/').unwrap();
        format!("{base}/{name}")
    }

    /// `sslmode=verify-full`: the test CA's certificate for 127.0.0.1 is accepted, a server
    /// certificate that does not chain to the given root is refused.
    #[test]
    #[ignore = "needs the services ./scripts/test.sh starts; it runs ignored tests too"]
    fn verify_full_checks_the_servers_certificate() {
        let Some(admin) = admin_url() else { return };
        let ca = std::env::var("STEVEDORE_TEST_TLS_CA").unwrap();
        let base = fresh_url(&admin, "postgres");
        let verified = format!("{base}?sslmode=verify-full&sslrootcert={ca}");
        let store = PgStore::connect(&DatabaseUrl::parse(&verified).unwrap()).unwrap();
        assert_eq!(store.health().unwrap(), None);
        // The server's own certificate is not a root: its chain cannot be built.
        let server_cert = std::path::Path::new(&ca).with_file_name("server.pem");
        let wrong = format!(
            "{base}?sslmode=verify-full&sslrootcert={}",
            server_cert.display()
        );
        let err = PgStore::connect(&DatabaseUrl::parse(&wrong).unwrap())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("certificate"), "{err}");
    }

    #[test]
    fn tls_is_required_off_the_machine() {
        for ok in [
            "postgres://stevedore@127.0.0.1:5432/stevedore",
            "postgresql://stevedore@localhost/stevedore?application_name=x",
            "host=/run/postgresql dbname=stevedore user=stevedore",
            "postgres://u@db.example.com/s?sslmode=verify-full&sslrootcert=/etc/ca.pem",
            "postgres://u@[::1]:5433/s",
        ] {
            let url = DatabaseUrl::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(url.verify_full, ok.contains("verify-full"), "{ok}");
        }
        for (bad, why) in [
            ("postgres://u:p@db.example.com/s", "sslmode=verify-full"),
            ("postgres://u@10.0.0.5/s?sslmode=require", "not supported"),
            ("host=db.internal dbname=s", "sslmode=verify-full"),
            (
                "postgres://u@db.example.com/s?sslmode=verify-ca",
                "not supported",
            ),
        ] {
            let e = DatabaseUrl::parse(bad).unwrap_err().to_string();
            assert!(e.contains(why), "{bad}: {e}");
        }
        let url = DatabaseUrl::parse(
            "postgres://u@db.example.com/s?sslmode=verify-full&sslrootcert=/tmp/ca.pem&connect_timeout=5",
        )
        .unwrap();
        assert_eq!(
            url.root_cert.as_deref(),
            Some(std::path::Path::new("/tmp/ca.pem"))
        );
        assert_eq!(
            url.config.get_connect_timeout(),
            Some(&std::time::Duration::from_secs(5))
        );
    }
}
