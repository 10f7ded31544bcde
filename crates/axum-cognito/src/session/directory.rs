//! Each person's active sessions, so that the dashboard can list them ("Your sessions") and
//! "sign out everywhere" can find and end every one of them, on every instance.
//!
//! Kept beside the sessions, in the same backend: in this process for `memory`, a table of the
//! session database for `sqlite://`, a Redis hash per person for `redis://`. An entry names the
//! session's store id (to delete it) and its refresh-lock key (to revoke its newest refresh
//! token); it never holds a token.
//!
//! Sessions that end by idling out leave their entry behind; entries older than the idle
//! timeout or the maximum age are not listed and are pruned when seen. Whoever prunes the
//! entry of a session that idled out counts it (`lc_sessions_ended_total{reason="idle"}`):
//! nothing else sees such a session end, since its record simply expires in the store.

use std::{collections::HashMap, sync::Arc, sync::Mutex, time::Duration};

#[cfg(feature = "redis")]
use fred::prelude::{HashesInterface, LuaInterface, Pool};
use serde::{Deserialize, Serialize};
#[cfg(feature = "sqlite")]
use tower_sessions_sqlx_store::sqlx::{self, SqlitePool};

use super::auth_session::SessionStoreError;

/// One signed-in session of a person, as the directory knows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionEntry {
    /// The refresh-lock key of the session (`AuthSession::session_key`); also how the dashboard
    /// names a session, since the store id is as good as the cookie.
    pub session_key: String,
    /// The session store's id of the session.
    pub session_id: String,
    /// "Firefox on Linux": what the person signed in with, from the User-Agent.
    pub device: String,
    /// When the session began (Unix seconds).
    pub signed_in_at: i64,
    /// When the session was last used (Unix seconds), to within a minute.
    pub last_active: i64,
    /// The app client the session was signed in to (`AuthSession::client_id`): two apps of one
    /// pool that share the store and key prefix share a person's list, and each sees and ends
    /// only its own entries. Empty in entries written before it was kept.
    #[serde(default)]
    pub client_id: String,
}

impl SessionEntry {
    /// Whether the entry is of a session of the app client `client_id` (an entry that names no
    /// client is taken to be).
    pub fn belongs_to(&self, client_id: &str) -> bool {
        self.client_id.is_empty() || self.client_id == client_id
    }
}

/// When entries stop counting as active.
#[derive(Clone, Copy, Debug)]
pub struct Lifetimes {
    /// An entry unused for longer than this is not live.
    pub idle_secs: i64,
    /// An entry signed in longer ago than this is not live.
    pub max_age_secs: i64,
}

impl Lifetimes {
    fn is_live(&self, entry: &SessionEntry, now: i64) -> bool {
        now - entry.last_active <= self.idle_secs && now - entry.signed_in_at <= self.max_age_secs
    }

    /// Whether a dead entry's session idled out, rather than reaching its maximum age while in
    /// use: which of the two limits it passed first.
    fn idled_out(&self, entry: &SessionEntry) -> bool {
        entry.last_active.saturating_add(self.idle_secs) < entry.signed_in_at.saturating_add(self.max_age_secs)
    }
}

/// Counts the end of a session whose entry was just pruned, if it idled out. A session that
/// reached its maximum age was counted by the request that found it so (`auth_session::load`).
fn count_pruned(lifetimes: Lifetimes, entry: &SessionEntry) {
    if lifetimes.idled_out(entry) {
        crate::metrics::session_ended("idle");
    }
}

/// Each person's list of sessions, in the backend that holds the sessions (see the module notes).
#[derive(Clone)]
pub enum SessionDirectory {
    /// Each person's sessions by `sub`, in a list: a person has a handful, so a scan is
    /// cheaper than a map per person, and a tenth of the memory (see docs/benchmarks.md).
    InProcess(Arc<Mutex<HashMap<String, Vec<SessionEntry>>>>),
    /// A table of the session database, `lc_user_sessions`.
    #[cfg(feature = "sqlite")]
    Sqlite(SqlitePool),
    /// A Redis hash per person, `{prefix}{sub}:sessions`, by session key.
    #[cfg(feature = "redis")]
    Redis {
        /// The Redis connections.
        pool: Pool,
        /// The start of every key, ending in `user:`.
        prefix: String,
    },
}

/// Writes the entry only if it is still there: a request in flight while the session is
/// signed out must not bring the entry back.
#[cfg(feature = "redis")]
const TOUCH_IF_PRESENT: &str = "if redis.call('hexists', KEYS[1], ARGV[1]) == 1 then return redis.call('hset', KEYS[1], ARGV[1], ARGV[2]) else return 0 end";
#[cfg(feature = "redis")]
const REGISTER: &str = "redis.call('hset', KEYS[1], ARGV[1], ARGV[2]); return redis.call('pexpire', KEYS[1], ARGV[3])";

impl SessionDirectory {
    /// Lists in this process (the `memory` store).
    pub fn in_process() -> Self {
        SessionDirectory::InProcess(Arc::default())
    }

    /// Lists in the session database, creating the `lc_user_sessions` table if it is missing.
    #[cfg(feature = "sqlite")]
    pub async fn sqlite(pool: SqlitePool) -> Result<Self, SessionStoreError> {
        sqlx::query(
            "create table if not exists lc_user_sessions (
                sub text not null,
                session_key text not null,
                entry text not null,
                primary key (sub, session_key)
            )",
        )
        .execute(&pool)
        .await
        .map_err(store_error)?;
        Ok(SessionDirectory::Sqlite(pool))
    }

    /// Lists in Redis, under keys starting with `{prefix}user:`.
    #[cfg(feature = "redis")]
    pub fn redis(pool: Pool, prefix: &str) -> Self {
        SessionDirectory::Redis { pool, prefix: format!("{prefix}user:") }
    }

    /// Records a new sign-in. `keep_for`: the session's maximum age.
    #[cfg_attr(not(feature = "redis"), allow(unused_variables, reason = "only Redis expires a list"))]
    pub async fn register(&self, sub: &str, entry: &SessionEntry, keep_for: Duration) -> Result<(), SessionStoreError> {
        match self {
            SessionDirectory::InProcess(people) => {
                let mut people = lock(people);
                let sessions = people.entry(sub.to_string()).or_default();
                match sessions.iter_mut().find(|stored| stored.session_key == entry.session_key) {
                    Some(stored) => *stored = entry.clone(),
                    None => sessions.push(entry.clone()),
                }
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            SessionDirectory::Sqlite(pool) => {
                sqlx::query("insert or replace into lc_user_sessions (sub, session_key, entry) values (?, ?, ?)")
                    .bind(sub)
                    .bind(&entry.session_key)
                    .bind(to_json(entry)?)
                    .execute(pool)
                    .await
                    .map_err(store_error)?;
                Ok(())
            }
            #[cfg(feature = "redis")]
            SessionDirectory::Redis { pool, prefix } => {
                let keep_for_ms = keep_for.as_millis().clamp(1, i64::MAX as u128) as i64;
                let args = vec![entry.session_key.clone(), to_json(entry)?, keep_for_ms.to_string()];
                pool.eval::<i64, _, _, _>(REGISTER, vec![person_key(prefix, sub)], args).await.map_err(store_error)?;
                Ok(())
            }
        }
    }

    /// Moves an entry's "last active" forward, if the entry still exists.
    pub async fn touch(&self, sub: &str, session_key: &str, now: i64) -> Result<(), SessionStoreError> {
        let Some(mut entry) = self.get(sub, session_key).await? else { return Ok(()) };
        entry.last_active = now;
        match self {
            SessionDirectory::InProcess(people) => {
                let mut people = lock(people);
                let stored = people
                    .get_mut(sub)
                    .and_then(|sessions| sessions.iter_mut().find(|stored| stored.session_key == session_key));
                if let Some(stored) = stored {
                    stored.last_active = now;
                }
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            SessionDirectory::Sqlite(pool) => {
                sqlx::query("update lc_user_sessions set entry = ? where sub = ? and session_key = ?")
                    .bind(to_json(&entry)?)
                    .bind(sub)
                    .bind(session_key)
                    .execute(pool)
                    .await
                    .map_err(store_error)?;
                Ok(())
            }
            #[cfg(feature = "redis")]
            SessionDirectory::Redis { pool, prefix } => {
                let args = vec![session_key.to_string(), to_json(&entry)?];
                pool.eval::<i64, _, _, _>(TOUCH_IF_PRESENT, vec![person_key(prefix, sub)], args)
                    .await
                    .map_err(store_error)?;
                Ok(())
            }
        }
    }

    /// The person's sessions that are still live, oldest sign-in first; entries that have
    /// outlived the idle timeout or the maximum age are pruned on the way.
    pub async fn list(
        &self,
        sub: &str,
        lifetimes: Lifetimes,
        now: i64,
    ) -> Result<Vec<SessionEntry>, SessionStoreError> {
        // Boxed: see `fresh_session_within`; a page's resource moves this future around.
        let (mut live, dead): (Vec<_>, Vec<_>) =
            Box::pin(self.all(sub)).await?.into_iter().partition(|entry| lifetimes.is_live(entry, now));
        for entry in dead {
            Box::pin(self.prune(sub, &entry, lifetimes)).await?;
        }
        live.sort_by(|a, b| (a.signed_in_at, &a.session_key).cmp(&(b.signed_in_at, &b.session_key)));
        Ok(live)
    }

    /// Every entry of the person, live or not: what "sign out everywhere" ends.
    pub async fn all(&self, sub: &str) -> Result<Vec<SessionEntry>, SessionStoreError> {
        match self {
            SessionDirectory::InProcess(people) => Ok(lock(people).get(sub).cloned().unwrap_or_default()),
            #[cfg(feature = "sqlite")]
            SessionDirectory::Sqlite(pool) => {
                let rows: Vec<(String,)> = sqlx::query_as("select entry from lc_user_sessions where sub = ?")
                    .bind(sub)
                    .fetch_all(pool)
                    .await
                    .map_err(store_error)?;
                Ok(rows.into_iter().filter_map(|(json,)| serde_json::from_str(&json).ok()).collect())
            }
            #[cfg(feature = "redis")]
            SessionDirectory::Redis { pool, prefix } => {
                let stored: HashMap<String, String> =
                    pool.hgetall(person_key(prefix, sub)).await.map_err(store_error)?;
                Ok(stored.into_values().filter_map(|json| serde_json::from_str(&json).ok()).collect())
            }
        }
    }

    /// The person's entry for `session_key`, live or not.
    pub async fn get(&self, sub: &str, session_key: &str) -> Result<Option<SessionEntry>, SessionStoreError> {
        match self {
            SessionDirectory::InProcess(people) => Ok(lock(people)
                .get(sub)
                .and_then(|sessions| sessions.iter().find(|stored| stored.session_key == session_key))
                .cloned()),
            #[cfg(feature = "sqlite")]
            SessionDirectory::Sqlite(pool) => {
                let row: Option<(String,)> =
                    sqlx::query_as("select entry from lc_user_sessions where sub = ? and session_key = ?")
                        .bind(sub)
                        .bind(session_key)
                        .fetch_optional(pool)
                        .await
                        .map_err(store_error)?;
                Ok(row.and_then(|(json,)| serde_json::from_str(&json).ok()))
            }
            #[cfg(feature = "redis")]
            SessionDirectory::Redis { pool, prefix } => {
                let stored: Option<String> =
                    pool.hget(person_key(prefix, sub), session_key).await.map_err(store_error)?;
                Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
            }
        }
    }

    /// Removes the entry of a session that ended without a sign-out (its record is gone or it
    /// is past its lifetimes), counting it if it idled out.
    pub async fn prune(&self, sub: &str, entry: &SessionEntry, lifetimes: Lifetimes) -> Result<(), SessionStoreError> {
        if self.remove(sub, &entry.session_key).await? {
            count_pruned(lifetimes, entry);
        }
        Ok(())
    }

    /// Removes the person's entry for `session_key`, if there is one; whether there was (of
    /// several instances pruning the same entry, exactly one learns that it removed it).
    pub async fn remove(&self, sub: &str, session_key: &str) -> Result<bool, SessionStoreError> {
        match self {
            SessionDirectory::InProcess(people) => {
                let mut people = lock(people);
                let Some(sessions) = people.get_mut(sub) else { return Ok(false) };
                let before = sessions.len();
                sessions.retain(|stored| stored.session_key != session_key);
                let removed = sessions.len() < before;
                if sessions.is_empty() {
                    people.remove(sub);
                }
                Ok(removed)
            }
            #[cfg(feature = "sqlite")]
            SessionDirectory::Sqlite(pool) => {
                let deleted = sqlx::query("delete from lc_user_sessions where sub = ? and session_key = ?")
                    .bind(sub)
                    .bind(session_key)
                    .execute(pool)
                    .await
                    .map_err(store_error)?;
                Ok(deleted.rows_affected() > 0)
            }
            #[cfg(feature = "redis")]
            SessionDirectory::Redis { pool, prefix } => {
                let deleted: i64 = pool.hdel(person_key(prefix, sub), session_key).await.map_err(store_error)?;
                Ok(deleted > 0)
            }
        }
    }

    /// Drops the entries of sessions that idled out or passed their maximum age (the Redis
    /// hash expires on its own, and is pruned whenever it is listed).
    pub async fn sweep(&self, lifetimes: Lifetimes, now: i64) -> Result<(), SessionStoreError> {
        match self {
            SessionDirectory::InProcess(people) => {
                let mut people = lock(people);
                for sessions in people.values_mut() {
                    sessions.retain(|entry| {
                        let live = lifetimes.is_live(entry, now);
                        if !live {
                            count_pruned(lifetimes, entry);
                        }
                        live
                    });
                }
                people.retain(|_, sessions| !sessions.is_empty());
                Ok(())
            }
            #[cfg(feature = "sqlite")]
            SessionDirectory::Sqlite(pool) => {
                let rows: Vec<(String, String, String)> =
                    sqlx::query_as("select sub, session_key, entry from lc_user_sessions")
                        .fetch_all(pool)
                        .await
                        .map_err(store_error)?;
                for (sub, key, json) in rows {
                    let entry = serde_json::from_str::<SessionEntry>(&json).ok();
                    if entry.as_ref().is_some_and(|e| lifetimes.is_live(e, now)) {
                        continue;
                    }
                    match entry {
                        Some(entry) => self.prune(&sub, &entry, lifetimes).await?,
                        None => {
                            self.remove(&sub, &key).await?;
                        }
                    }
                }
                Ok(())
            }
            #[cfg(feature = "redis")]
            SessionDirectory::Redis { .. } => Ok(()),
        }
    }
}

#[cfg(feature = "redis")]
fn person_key(prefix: &str, sub: &str) -> String {
    format!("{prefix}{sub}:sessions")
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Each critical section is one map operation; a panic cannot leave it half done.
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(any(feature = "sqlite", feature = "redis"))]
fn to_json(entry: &SessionEntry) -> Result<String, SessionStoreError> {
    serde_json::to_string(entry).map_err(store_error)
}

#[cfg(any(feature = "sqlite", feature = "redis"))]
fn store_error(error: impl std::fmt::Display) -> SessionStoreError {
    SessionStoreError::new(format!("session directory: {error}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, signed_in_at: i64, last_active: i64) -> SessionEntry {
        SessionEntry {
            session_key: key.into(),
            session_id: format!("id-{key}"),
            device: "Firefox on Linux".into(),
            signed_in_at,
            last_active,
            client_id: "app".into(),
        }
    }

    #[tokio::test]
    async fn lists_live_sessions_and_prunes_the_rest() {
        let directory = SessionDirectory::in_process();
        let lifetimes = Lifetimes { idle_secs: 100, max_age_secs: 1_000 };
        let keep = Duration::from_secs(1_000);
        directory.register("alice", &entry("a", 0, 950), keep).await.unwrap();
        directory.register("alice", &entry("b", 10, 500), keep).await.unwrap();
        directory.register("bob", &entry("c", 0, 990), keep).await.unwrap();
        let listed = directory.list("alice", lifetimes, 1_000).await.unwrap();
        assert_eq!(listed, vec![entry("a", 0, 950)], "b idled out");
        assert!(directory.get("alice", "b").await.unwrap().is_none(), "and was pruned");
        assert_eq!(directory.list("bob", lifetimes, 1_000).await.unwrap().len(), 1, "bob is untouched");
    }

    #[test]
    fn a_dead_entry_idled_out_when_its_idle_limit_came_first() {
        let lifetimes = Lifetimes { idle_secs: 100, max_age_secs: 1_000 };
        assert!(lifetimes.idled_out(&entry("a", 0, 500)), "unused from 500, idle at 600, max age at 1,000");
        assert!(!lifetimes.idled_out(&entry("b", 0, 950)), "in use until 950: max age at 1,000 came first");
        assert!(!lifetimes.idled_out(&entry("c", 0, 900)), "idle at exactly 1,000 too: max age, as load counts it");
        let forever = Lifetimes { idle_secs: i64::MAX, max_age_secs: i64::MAX };
        assert!(!forever.idled_out(&entry("d", 0, 10)), "no overflow");
    }

    #[tokio::test]
    async fn a_sweep_drops_the_entries_past_either_limit_and_keeps_the_rest() {
        sweep_drops_dead_entries(SessionDirectory::in_process()).await;
    }

    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn a_sweep_of_the_sqlite_lists_drops_the_entries_past_either_limit_and_keeps_the_rest() {
        // One connection: each connection to `sqlite::memory:` is a database of its own.
        let pool = sqlx::sqlite::SqlitePoolOptions::new().max_connections(1).connect("sqlite::memory:").await.unwrap();
        sweep_drops_dead_entries(SessionDirectory::sqlite(pool).await.unwrap()).await;
    }

    /// Also counts the session that idled out (`lc_sessions_ended_total{reason="idle"}`), once,
    /// and not the one that reached its maximum age (the request that finds it so counts it).
    async fn sweep_drops_dead_entries(directory: SessionDirectory) {
        // This thread's own recorder: a current-thread runtime runs the sweep here.
        let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
        let metrics = recorder.handle();
        let _on_this_thread = metrics::set_default_local_recorder(&recorder);
        let lifetimes = Lifetimes { idle_secs: 100, max_age_secs: 1_000 };
        let keep = Duration::from_secs(1_000);
        directory.register("alice", &entry("live", 500, 950), keep).await.unwrap();
        directory.register("alice", &entry("idle", 500, 850), keep).await.unwrap();
        directory.register("bob", &entry("old", 0, 990), keep).await.unwrap();
        directory.sweep(lifetimes, 1_001).await.unwrap();
        assert_eq!(directory.all("alice").await.unwrap(), vec![entry("live", 500, 950)]);
        assert!(directory.all("bob").await.unwrap().is_empty(), "past its maximum age");
        directory.sweep(lifetimes, 1_002).await.unwrap();
        let text = metrics.render();
        let ended: Vec<&str> = text.lines().filter(|line| line.starts_with("lc_sessions_ended_total")).collect();
        assert_eq!(ended, [r#"lc_sessions_ended_total{reason="idle"} 1"#], "{text}");
    }

    #[tokio::test]
    async fn only_one_removal_of_an_entry_learns_that_it_removed_it() {
        let directory = SessionDirectory::in_process();
        directory.register("alice", &entry("a", 0, 0), Duration::from_secs(60)).await.unwrap();
        directory.register("alice", &entry("b", 0, 0), Duration::from_secs(60)).await.unwrap();
        assert!(directory.remove("alice", "a").await.unwrap());
        assert!(!directory.remove("alice", "a").await.unwrap(), "already gone");
        assert!(!directory.remove("bob", "a").await.unwrap(), "nobody's");
        assert!(directory.get("alice", "b").await.unwrap().is_some(), "the other entry stays");
    }

    #[tokio::test]
    async fn a_touch_never_brings_back_a_removed_entry() {
        let directory = SessionDirectory::in_process();
        directory.register("alice", &entry("a", 0, 0), Duration::from_secs(60)).await.unwrap();
        directory.touch("alice", "a", 30).await.unwrap();
        assert_eq!(directory.get("alice", "a").await.unwrap().unwrap().last_active, 30);
        directory.remove("alice", "a").await.unwrap();
        directory.touch("alice", "a", 40).await.unwrap();
        assert!(directory.get("alice", "a").await.unwrap().is_none());
    }
}
