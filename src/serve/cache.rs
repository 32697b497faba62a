//! Each replica's memory of stored results, in front of the shared store: a result for a digest
//! under this catalog never changes once stored (a rescan writes the same), so a hit is kept
//! until evicted, oldest first, within a byte budget; a miss is never kept, so a result another
//! replica stores is found on the next look.

use super::store::Stored;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

pub(crate) struct ResultCache {
    inner: Mutex<Entries>,
    budget: usize,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
}

#[derive(Default)]
struct Entries {
    by_digest: HashMap<String, Arc<Stored>>,
    order: VecDeque<String>,
    bytes: usize,
}

fn size(s: &Stored) -> usize {
    s.report.len() + s.digest.len() + s.repository.len() + 64
}

impl ResultCache {
    /// A cache holding at most `budget` bytes of reports.
    pub(crate) fn new(budget: usize) -> ResultCache {
        ResultCache {
            inner: Mutex::new(Entries::default()),
            budget,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    pub(crate) fn get(&self, digest: &str) -> Option<Arc<Stored>> {
        let found = self
            .inner
            .lock()
            .ok()
            .and_then(|e| e.by_digest.get(digest).cloned());
        match &found {
            Some(_) => self.hits.fetch_add(1, Ordering::Relaxed),
            None => self.misses.fetch_add(1, Ordering::Relaxed),
        };
        found
    }

    /// Forgets everything (the store was recreated: what it held is gone).
    pub(crate) fn clear(&self) {
        if let Ok(mut e) = self.inner.lock() {
            *e = Entries::default();
        }
    }

    pub(crate) fn put(&self, stored: &Stored) {
        let n = size(stored);
        if n > self.budget {
            return;
        }
        let Ok(mut e) = self.inner.lock() else {
            return;
        };
        if let Some(old) = e
            .by_digest
            .insert(stored.digest.clone(), Arc::new(stored.clone()))
        {
            e.bytes -= size(&old);
        } else {
            e.order.push_back(stored.digest.clone());
        }
        e.bytes += n;
        while e.bytes > self.budget {
            let Some(oldest) = e.order.pop_front() else {
                break;
            };
            if let Some(gone) = e.by_digest.remove(&oldest) {
                e.bytes -= size(&gone);
            }
        }
    }
}

/// The unsuppressed findings (rule, severity) of stored results as this server's policy judges
/// them, by digest and report: admission answers from them without parsing the report again.
/// Bounded: emptied when full.
#[derive(Default)]
pub(crate) struct Verdicts {
    inner: Mutex<HashMap<(String, u64), Arc<ActiveFindings>>>,
}

/// (rule id, severity) of each unsuppressed finding.
pub(crate) type ActiveFindings = Vec<(String, crate::finding::Severity)>;

/// Entries [`Verdicts`] holds at most.
const VERDICTS: usize = 4096;

impl Verdicts {
    pub(crate) fn active_findings(
        &self,
        stored: &Stored,
        policy: &crate::engine::Policy,
    ) -> Result<Arc<ActiveFindings>, String> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        stored.report.hash(&mut h);
        let key = (stored.digest.clone(), h.finish());
        if let Some(hit) = self.inner.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(hit);
        }
        let doc = crate::report::json::JsonReport::parse(&stored.report)?.judged_by(policy);
        let found: Arc<ActiveFindings> = Arc::new(
            doc.findings
                .iter()
                .filter(|f| f.is_active())
                .map(|f| (f.rule_id.clone(), f.severity))
                .collect(),
        );
        if let Ok(mut m) = self.inner.lock() {
            if m.len() >= VERDICTS {
                m.clear();
            }
            m.insert(key, Arc::clone(&found));
        }
        Ok(found)
    }
}

/// A map from text to what was computed from it, emptied when it reaches `limit` entries: the
/// inputs are attacker-chosen, so it may not grow without bound.
pub(crate) struct Bounded<V> {
    inner: Mutex<HashMap<String, V>>,
    limit: usize,
}

impl<V: Clone> Bounded<V> {
    pub(crate) fn new(limit: usize) -> Bounded<V> {
        Bounded {
            inner: Mutex::new(HashMap::new()),
            limit,
        }
    }

    /// The value for `key`, computed by `make` (outside the lock) the first time.
    pub(crate) fn get_or_insert_with(&self, key: &str, make: impl FnOnce() -> V) -> V {
        if let Some(hit) = self.inner.lock().ok().and_then(|m| m.get(key).cloned()) {
            return hit;
        }
        let value = make();
        if let Ok(mut m) = self.inner.lock() {
            if m.len() >= self.limit {
                m.clear();
            }
            m.insert(key.to_string(), value.clone());
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(d: &str, bytes: usize) -> Stored {
        Stored {
            digest: d.into(),
            repository: "app".into(),
            report: "x".repeat(bytes),
            worst: None,
            rule_ids: Vec::new(),
        }
    }

    #[test]
    fn hits_are_kept_within_the_budget_oldest_evicted_first() {
        let cache = ResultCache::new(3 * (1000 + 64 + 3 + 8));
        assert!(cache.get("d1").is_none());
        for d in ["d1", "d2", "d3"] {
            cache.put(&stored(d, 1000));
        }
        assert!(cache.get("d1").is_some());
        cache.put(&stored("d4", 1000));
        assert!(cache.get("d1").is_none(), "the oldest went");
        assert!(cache.get("d4").is_some() && cache.get("d2").is_some());
        // Replacing an entry keeps the count right.
        cache.put(&stored("d4", 10));
        cache.put(&stored("d5", 1000));
        assert!(cache.get("d3").is_some());
        // Larger than the whole budget: not kept.
        cache.put(&stored("huge", 1 << 20));
        assert!(cache.get("huge").is_none());
        assert_eq!(cache.hits.load(Ordering::Relaxed), 4);
    }

    #[test]
    fn bounded_computes_once_and_never_holds_more_than_its_limit() {
        let cache = Bounded::new(2);
        let calls = AtomicU64::new(0);
        let make = |v: u64| {
            calls.fetch_add(1, Ordering::Relaxed);
            v
        };
        assert_eq!(cache.get_or_insert_with("a", || make(1)), 1);
        assert_eq!(cache.get_or_insert_with("a", || make(9)), 1);
        assert_eq!(calls.load(Ordering::Relaxed), 1);
        cache.get_or_insert_with("b", || make(2));
        cache.get_or_insert_with("c", || make(3));
        assert!(cache.inner.lock().unwrap().len() <= 2);
        assert_eq!(cache.get_or_insert_with("c", || make(0)), 3);
    }
}
