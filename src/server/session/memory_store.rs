//! `SESSION_STORE=memory`: sessions in this process's memory.
//!
//! Written here rather than taken from `tower-sessions-memory-store` for two rules that crate
//! does not keep: a save never brings back a session that was deleted (its save is an upsert, so
//! a request still in flight during sign-out would restore the session when it ends), and
//! expired sessions are swept, not kept until the process restarts.

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use async_trait::async_trait;
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};

#[derive(Clone, Debug, Default)]
pub struct SessionMemoryStore {
    records: Arc<Mutex<HashMap<Id, Record>>>,
}

impl SessionMemoryStore {
    /// Drops every expired session; returns how many are left.
    pub fn sweep_expired(&self) -> usize {
        let now = OffsetDateTime::now_utc();
        let mut records = self.lock();
        records.retain(|_, record| record.expiry_date > now);
        records.len()
    }

    /// Whether a live session has this id (no copy of its data is made).
    pub fn contains(&self, id: &Id) -> bool {
        let now = OffsetDateTime::now_utc();
        self.lock().get(id).is_some_and(|record| record.expiry_date > now)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Id, Record>> {
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
        records.insert(record.id, record.clone());
        Ok(())
    }

    /// Updates a session that exists; a deleted (signed-out) one stays deleted.
    async fn save(&self, record: &Record) -> session_store::Result<()> {
        if let Some(stored) = self.lock().get_mut(&record.id) {
            *stored = record.clone();
        }
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let now = OffsetDateTime::now_utc();
        Ok(self.lock().get(id).filter(|record| record.expiry_date > now).cloned())
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
}
