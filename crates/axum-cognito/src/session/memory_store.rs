//! `SESSION_STORE=memory`: sessions in this process's memory.
//!
//! Written here rather than taken from `tower-sessions-memory-store` for two rules that crate
//! does not keep: a save never brings back a session that was deleted (its save is an upsert, so
//! a request still in flight during sign-out would restore the session when it ends), and
//! expired sessions are swept, not kept until the process restarts. And one of its own:
//! records are kept encoded (MessagePack, as the Redis store keeps them), about half the
//! memory of the decoded JSON tree, since a signed-in session is mostly token strings (see
//! docs/benchmarks.md). A load decodes one record, which costs about what cloning the
//! tree did.

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};

/// The `memory` session store (see the module notes); clones share the same records.
#[derive(Clone, Debug, Default)]
pub struct SessionMemoryStore {
    records: Arc<Mutex<HashMap<Id, Stored>>>,
}

/// A record as kept: its data encoded, its expiry beside it so sweeping decodes nothing.
#[derive(Debug)]
struct Stored {
    encoded: Box<[u8]>,
    expiry_date: OffsetDateTime,
}

impl Stored {
    fn encode(record: &Record) -> session_store::Result<Stored> {
        let encoded = rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        Ok(Stored { encoded: encoded.into_boxed_slice(), expiry_date: record.expiry_date })
    }
}

fn decode(encoded: &[u8]) -> session_store::Result<Record> {
    rmp_serde::from_slice(encoded).map_err(|e| session_store::Error::Decode(e.to_string()))
}

impl SessionMemoryStore {
    /// Drops every expired session; returns how many are left.
    pub fn sweep_expired(&self) -> usize {
        let now = OffsetDateTime::now_utc();
        let mut records = self.lock();
        records.retain(|_, record| record.expiry_date > now);
        records.len()
    }

    /// How many records are held, expired ones included.
    #[cfg(test)]
    pub(crate) fn held(&self) -> usize {
        self.lock().len()
    }

    /// Whether a live session has this id (no copy of its data is made).
    pub fn contains(&self, id: &Id) -> bool {
        let now = OffsetDateTime::now_utc();
        self.lock().get(id).is_some_and(|record| record.expiry_date > now)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Stored>> {
        // Every critical section is a single map operation: a panic cannot leave it half done.
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[async_trait]
impl SessionStore for SessionMemoryStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let mut records = self.lock();
        while records.contains_key(&record.id) {
            record.id = Id::default();
        }
        records.insert(record.id, Stored::encode(record)?);
        Ok(())
    }

    /// Updates a session that exists; a deleted (signed-out) one stays deleted.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // Encoded outside the lock: the lock guards map operations only.
        let encoded = Stored::encode(record)?;
        if let Some(stored) = self.lock().get_mut(&record.id) {
            *stored = encoded;
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        // Copied out under the lock, decoded outside it.
        let encoded =
            self.lock().get(id).filter(|stored| stored.expiry_date > now).map(|stored| stored.encoded.clone());
        encoded.as_deref().map(decode).transpose()
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.lock().remove(id);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(expires_in: time::Duration) -> Record {
        Record { id: Id::default(), data: HashMap::new(), expiry_date: OffsetDateTime::now_utc() + expires_in }
    }

    #[tokio::test]
    async fn expired_sessions_are_swept() {
        let store = SessionMemoryStore::default();
        let mut live = record(time::Duration::hours(1));
        let mut expired = record(-time::Duration::seconds(1));
        store.create(&mut live).await.unwrap();
        store.create(&mut expired).await.unwrap();
        assert_eq!(store.sweep_expired(), 1);
        assert!(store.contains(&live.id));
        assert!(!store.contains(&expired.id));
    }

    #[tokio::test]
    async fn records_come_back_as_they_were_saved() {
        let store = SessionMemoryStore::default();
        let mut saved = record(time::Duration::hours(1));
        saved.data.insert("auth".into(), serde_json::json!({ "sub": "abc", "groups": ["admin"], "n": 1, "ok": true }));
        store.create(&mut saved).await.unwrap();
        assert_eq!(store.load(&saved.id).await.unwrap(), Some(saved.clone()));
        saved.data.insert("seen".into(), serde_json::json!(1_795_000_000));
        store.save(&saved).await.unwrap();
        assert_eq!(store.load(&saved.id).await.unwrap(), Some(saved));
    }
}
