//! Scan results, keyed by manifest digest and catalog version, in an embedded SQLite database
//! so they survive restarts. The store is a trait: several replicas can share a database server
//! behind the same interface later.

use crate::error::{Error, Result};
use std::path::Path;
use std::sync::Mutex;

/// One stored scan: the JSON report and what a verdict needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Stored {
    pub digest: String,
    pub repository: String,
    /// The JSON report (`--format json`).
    pub report: String,
    /// The most severe unsuppressed finding, if any (`critical`…`info`).
    pub worst: Option<String>,
    pub rule_ids: Vec<String>,
}

pub trait ResultStore: Send + Sync {
    fn get(&self, digest: &str) -> Result<Option<Stored>>;
    fn put(&self, stored: &Stored) -> Result<()>;
}

/// The catalog a result was produced with: a result from another catalog is not reused.
pub fn catalog_version() -> String {
    let ids: Vec<&str> = crate::checks::CATALOG.iter().map(|c| c.id).collect();
    let hash = crate::image::digest::Digest::of_bytes(ids.join(",").as_bytes());
    format!("{}+{}", crate::VERSION, &hash.hex()[..12])
}

pub struct SqliteStore {
    conn: Mutex<rusqlite::Connection>,
    catalog: String,
}

impl SqliteStore {
    pub fn open(dir: &Path) -> Result<SqliteStore> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let path = dir.join("results.sqlite");
        let conn = rusqlite::Connection::open(&path)
            .map_err(|e| Error::input(path.display().to_string(), e.to_string()))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS results (
                digest TEXT NOT NULL, catalog TEXT NOT NULL, repository TEXT NOT NULL,
                report TEXT NOT NULL, worst TEXT, rules TEXT NOT NULL,
                stored_at INTEGER NOT NULL, PRIMARY KEY (digest, catalog))",
        )
        .map_err(|e| Error::input(path.display().to_string(), e.to_string()))?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
            catalog: catalog_version(),
        })
    }
}

impl ResultStore for SqliteStore {
    fn get(&self, digest: &str) -> Result<Option<Stored>> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| Error::input("result store", "lock poisoned"))?;
        let mut stmt = conn
            .prepare_cached("SELECT repository, report, worst, rules FROM results WHERE digest = ?1 AND catalog = ?2")
            .map_err(|e| Error::input("result store", e.to_string()))?;
        let row = stmt.query_row([digest, &self.catalog], |r| {
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
        });
        match row {
            Ok(s) => Ok(Some(s)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(Error::input("result store", e.to_string())),
        }
    }

    fn put(&self, s: &Stored) -> Result<()> {
        let conn = self
            .conn
            .lock()
            .map_err(|_| Error::input("result store", "lock poisoned"))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        conn.execute(
            "INSERT OR REPLACE INTO results (digest, catalog, repository, report, worst, rules, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![s.digest, self.catalog, s.repository, s.report, s.worst, s.rule_ids.join(","), now],
        )
        .map_err(|e| Error::input("result store", e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let s = Stored {
            digest: "sha256:ab".into(),
            repository: "app".into(),
            report: "{}".into(),
            worst: Some("high".into()),
            rule_ids: vec!["CTR001".into()],
        };
        SqliteStore::open(dir.path()).unwrap().put(&s).unwrap();
        let again = SqliteStore::open(dir.path()).unwrap();
        assert_eq!(again.get("sha256:ab").unwrap(), Some(s));
        assert_eq!(again.get("sha256:cd").unwrap(), None);
    }
}
