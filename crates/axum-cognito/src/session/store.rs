//! The session store chosen by `SESSION_STORE`, behind one type, and the other shared state
//! that lives beside it in the same backend: refresh locks, sign-ins in flight, and each
//! person's list of sessions.
//!
//! | store | sessions | refresh lock, sign-ins in flight | people's session lists |
//! |---|---|---|---|
//! | `memory` | this process | this process | this process |
//! | `sqlite://` | the file | this process (one instance) | the file |
//! | `redis://` | Redis | Redis (any number of instances) | Redis |
//!
//! Every store keeps one rule tower-sessions leaves to the store: a `save` updates a session
//! that exists and never creates one (nor fails when it is gone), so a request still in flight when its session is signed
//! out cannot bring it back when it ends (sessions are created only by `create`, at sign-in).

#[cfg(feature = "sqlite")]
use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
#[cfg(feature = "redis")]
use fred::{
    prelude::{ClientLike, Config, ConnectionConfig, PerformanceConfig, Pool, ReconnectPolicy},
    types::config::{ServerConfig, TlsConnector},
};
#[cfg(feature = "redis")]
use secrecy::ExposeSecret;
#[cfg(feature = "sqlite")]
use tower_sessions::ExpiredDeletion;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store,
};
#[cfg(feature = "sqlite")]
use tower_sessions_sqlx_store::{
    SqliteStore,
    sqlx::{self, SqlitePool, sqlite::SqliteConnectOptions, sqlite::SqlitePoolOptions},
};

#[cfg(feature = "redis")]
use super::redis_store::RedisSessions;
use super::{
    auth_session::SessionStoreError, directory::SessionDirectory, login_transactions::LoginTransactions,
    memory_store::SessionMemoryStore, refresh_lock::RefreshLocks,
};
#[cfg(feature = "redis")]
use crate::config::RedisSetting;
use crate::{config::SessionStoreSetting, metrics};

/// How long a Redis command (and a new connection) may take before the request gives up.
#[cfg(feature = "redis")]
const REDIS_COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);
/// tower-sessions-sqlx-store's table.
#[cfg(feature = "sqlite")]
const SQLITE_TABLE: &str = "tower_sessions";

/// The configured session store cannot be used: shown as `SESSION_STORE: what is wrong`.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("SESSION_STORE: {problem}")]
pub struct StoreOpenError {
    /// What went wrong (which file or server, and why).
    pub problem: String,
}

impl StoreOpenError {
    fn new(problem: impl Into<String>) -> Self {
        StoreOpenError { problem: problem.into() }
    }
}

/// tower-sessions' layer is generic over one store type; this enum lets configuration pick
/// the store at run time.
#[derive(Debug, Clone)]
pub enum AppSessionStore {
    /// Sessions in this process.
    Memory(SessionMemoryStore),
    /// Sessions in a SQLite file.
    #[cfg(feature = "sqlite")]
    Sqlite {
        /// tower-sessions-sqlx-store's store (creates, loads and deletes records).
        store: SqliteStore,
        /// The database, which also holds the session lists.
        pool: SqlitePool,
    },
    /// Sessions in Redis.
    #[cfg(feature = "redis")]
    Redis {
        /// The session records, under the app's key prefix.
        store: RedisSessions,
        /// The Redis connections, shared with refresh locks, sign-ins in flight and session
        /// lists.
        pool: Pool,
    },
}

impl AppSessionStore {
    /// Opens the store `setting` names: a SQLite file (created readable by its owner only, tables
    /// prepared) or a Redis connection pool, which must answer within five seconds.
    pub async fn open(setting: &SessionStoreSetting) -> Result<Self, StoreOpenError> {
        match setting {
            SessionStoreSetting::Memory => Ok(AppSessionStore::Memory(SessionMemoryStore::default())),
            #[cfg(feature = "sqlite")]
            SessionStoreSetting::Sqlite(path) => open_sqlite(path).await,
            #[cfg(not(feature = "sqlite"))]
            SessionStoreSetting::Sqlite(_) => Err(not_built_in("sqlite://", "sqlite")),
            #[cfg(feature = "redis")]
            SessionStoreSetting::Redis(setting) => open_redis(setting).await,
            #[cfg(not(feature = "redis"))]
            SessionStoreSetting::Redis(_) => Err(not_built_in("redis://", "redis")),
        }
    }

    /// The same store with its session records under `key_prefix` in Redis (a prefix of their
    /// own: `{key_prefix}session:{id}`), so that apps with different prefixes on one Redis
    /// never read each other's sessions. [`crate::AuthCore::new`] and
    /// [`crate::session::layer::session_layer`] apply the configured
    /// [`crate::config::Names::redis_key_prefix`]; until then Redis keys use the default one.
    /// Memory and SQLite stores are one app's own and have no prefix.
    #[cfg_attr(not(feature = "redis"), allow(unused_variables, reason = "only Redis keys have a prefix"))]
    pub fn with_key_prefix(self, key_prefix: &str) -> Self {
        match self {
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { pool, .. } => {
                AppSessionStore::Redis { store: RedisSessions::new(pool.clone(), key_prefix), pool }
            }
            other => other,
        }
    }

    /// Where refreshes of one session wait for each other: in Redis when instances share
    /// sessions there. SQLite is for a single instance (see docs/design.md).
    /// Redis keys start with `key_prefix` ([`crate::config::Names::redis_key_prefix`]).
    #[cfg_attr(not(feature = "redis"), allow(unused_variables, reason = "only Redis keys have a prefix"))]
    pub fn refresh_locks(&self, key_prefix: &str) -> RefreshLocks {
        match self {
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { pool, .. } => RefreshLocks::redis(pool.clone(), key_prefix),
            _ => RefreshLocks::in_process(),
        }
    }

    /// Where sign-ins wait for their callback: in Redis when instances share sessions there, so
    /// a sign-in may start on one instance and finish on another.
    /// Redis keys start with `key_prefix`.
    #[cfg_attr(not(feature = "redis"), allow(unused_variables, reason = "only Redis keys have a prefix"))]
    pub fn login_transactions(&self, key_prefix: &str) -> LoginTransactions {
        match self {
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { pool, .. } => LoginTransactions::redis(pool.clone(), key_prefix),
            _ => LoginTransactions::in_process(),
        }
    }

    /// Each person's sessions, kept where the sessions are.
    /// Redis keys start with `key_prefix`.
    #[cfg_attr(not(feature = "redis"), allow(unused_variables, reason = "only Redis keys have a prefix"))]
    pub async fn directory(&self, key_prefix: &str) -> Result<SessionDirectory, StoreOpenError> {
        Ok(match self {
            AppSessionStore::Memory(_) => SessionDirectory::in_process(),
            #[cfg(feature = "sqlite")]
            AppSessionStore::Sqlite { pool, .. } => SessionDirectory::sqlite(pool.clone())
                .await
                .map_err(|e| StoreOpenError::new(format!("cannot prepare the session list table: {e}")))?,
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { pool, .. } => SessionDirectory::redis(pool.clone(), key_prefix),
        })
    }

    /// Whether the store answers, for `/readyz`.
    pub async fn ping(&self) -> Result<(), SessionStoreError> {
        match self {
            AppSessionStore::Memory(_) => Ok(()),
            #[cfg(feature = "sqlite")]
            AppSessionStore::Sqlite { pool, .. } => sqlx::query("select 1")
                .execute(pool)
                .await
                .map(|_| ())
                .map_err(|e| SessionStoreError::new(format!("sqlite: {e}"))),
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { pool, .. } => {
                pool.ping::<String>(None).await.map(|_| ()).map_err(|e| SessionStoreError::new(format!("redis: {e}")))
            }
        }
    }

    /// Deletes expired sessions in the background (Redis expires its keys itself): every
    /// minute in memory, every five minutes in SQLite (a query over the whole table).
    pub fn spawn_expired_deletion(&self) {
        self.spawn_expired_deletion_every(MEMORY_SWEEP_INTERVAL, SQLITE_SWEEP_INTERVAL);
    }

    #[cfg_attr(not(feature = "sqlite"), allow(unused_variables, reason = "the SQLite interval"))]
    fn spawn_expired_deletion_every(&self, memory_interval: Duration, sqlite_interval: Duration) {
        match self {
            #[cfg(feature = "sqlite")]
            AppSessionStore::Sqlite { store, .. } => {
                let store = store.clone();
                tokio::spawn(async move {
                    let _ = store.continuously_delete_expired(sqlite_interval).await;
                });
            }
            AppSessionStore::Memory(store) => {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut every_interval = tokio::time::interval(memory_interval);
                    loop {
                        every_interval.tick().await;
                        store.sweep_expired();
                    }
                });
            }
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { .. } => {}
        }
    }
}

const MEMORY_SWEEP_INTERVAL: Duration = Duration::from_secs(60);
const SQLITE_SWEEP_INTERVAL: Duration = Duration::from_secs(300);

/// The start-up error for a store this build leaves out.
#[cfg(not(all(feature = "sqlite", feature = "redis")))]
fn not_built_in(scheme: &str, feature: &str) -> StoreOpenError {
    StoreOpenError::new(format!("{scheme} needs axum-cognito's `{feature}` cargo feature, which this build leaves out"))
}

#[cfg(feature = "sqlite")]
async fn open_sqlite(path: &Path) -> Result<AppSessionStore, StoreOpenError> {
    let cannot =
        |what: &str, e: &dyn std::fmt::Display| StoreOpenError::new(format!("cannot {what} {}: {e}", path.display()));
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| cannot("create the folder of", &e))?;
    }
    make_private(path).map_err(|e| cannot("make private", &e))?;
    let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
    let pool =
        SqlitePoolOptions::new().max_connections(4).connect_with(options).await.map_err(|e| cannot("open", &e))?;
    let store = SqliteStore::new(pool.clone());
    store.migrate().await.map_err(|e| cannot("prepare", &e))?;
    Ok(AppSessionStore::Sqlite { store, pool })
}

#[cfg(feature = "sqlite")]
/// The session file holds refresh tokens: readable by the app's user only. SQLite gives its
/// `-wal` and `-shm` files the database file's permissions.
fn make_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(feature = "redis")]
async fn open_redis(setting: &RedisSetting) -> Result<AppSessionStore, StoreOpenError> {
    let (host, port) = (&setting.host, setting.port);
    // Names the server (its `Display`), never the password.
    let unreachable = |e: &dyn std::fmt::Display| StoreOpenError::new(format!("cannot use {setting}: {e}"));
    let tls = match setting.tls {
        // The system's trusted roots (rustls-native-certs: `SSL_CERT_FILE` names another
        // bundle), and the host name checked against the certificate.
        true => Some(TlsConnector::default_rustls().map_err(|e| unreachable(&e))?.into()),
        false => None,
    };
    let config = Config {
        server: ServerConfig::new_centralized(host.as_str(), port),
        username: setting.username.clone(),
        password: setting.password.as_ref().map(|password| password.expose_secret().to_owned()),
        database: (setting.database != 0).then_some(setting.database),
        tls,
        ..Config::default()
    };
    // Without a command timeout a Redis that stops answering would hold every request
    // forever; without a reconnect policy a Redis restart would break sessions until the app
    // restarts. With both, an outage costs 503s for its duration, no more.
    let performance = PerformanceConfig { default_command_timeout: REDIS_COMMAND_TIMEOUT, ..Default::default() };
    let connection = ConnectionConfig { connection_timeout: REDIS_COMMAND_TIMEOUT, ..Default::default() };
    let reconnect = ReconnectPolicy::new_exponential(0, 100, 2_000, 2);
    let pool =
        Pool::new(config, Some(performance), Some(connection), Some(reconnect), 4).map_err(|e| unreachable(&e))?;
    // Fail at start-up, with a clear line, rather than on the first sign-in.
    tokio::time::timeout(std::time::Duration::from_secs(5), pool.init())
        .await
        .map_err(|_| unreachable(&"no answer within 5 s"))?
        .map_err(|e| unreachable(&e))?;
    // Redis expires the keys itself, from each session's expiry. Under the default prefix until
    // the core names the app's (`with_key_prefix`).
    let store = RedisSessions::new(pool.clone(), &crate::config::Names::default().redis_key_prefix);
    Ok(AppSessionStore::Redis { store, pool })
}

#[cfg(feature = "sqlite")]
/// SQLite's `save` as an update only (the crate's is an upsert): see the module notes.
async fn sqlite_update(pool: &SqlitePool, record: &Record) -> session_store::Result<()> {
    let data = rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
    sqlx::query(&format!("update {SQLITE_TABLE} set data = ?, expiry_date = ? where id = ?"))
        .bind(data)
        .bind(record.expiry_date)
        .bind(record.id.to_string())
        .execute(pool)
        .await
        .map_err(|e| session_store::Error::Backend(e.to_string()))?;
    Ok(())
}

#[async_trait]
impl SessionStore for AppSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        let started = Instant::now();
        let outcome = self.create_record(record).await;
        metrics::store_operation("create", outcome.is_ok(), started.elapsed());
        outcome
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let started = Instant::now();
        let outcome = self.save_record(record).await;
        metrics::store_operation("save", outcome.is_ok(), started.elapsed());
        outcome
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let started = Instant::now();
        let outcome = self.load_record(id).await;
        metrics::store_operation("load", outcome.is_ok(), started.elapsed());
        outcome
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        let started = Instant::now();
        let outcome = self.delete_record(id).await;
        metrics::store_operation("delete", outcome.is_ok(), started.elapsed());
        outcome
    }
}

/// The stores themselves, one match per operation.
impl AppSessionStore {
    async fn create_record(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            AppSessionStore::Memory(store) => store.create(record).await,
            #[cfg(feature = "sqlite")]
            AppSessionStore::Sqlite { store, .. } => store.create(record).await,
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { store, .. } => store.create(record).await,
        }
    }

    async fn save_record(&self, record: &Record) -> session_store::Result<()> {
        match self {
            AppSessionStore::Memory(store) => store.save(record).await,
            #[cfg(feature = "sqlite")]
            AppSessionStore::Sqlite { pool, .. } => sqlite_update(pool, record).await,
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { store, .. } => store.save(record).await,
        }
    }

    async fn load_record(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            AppSessionStore::Memory(store) => store.load(id).await,
            #[cfg(feature = "sqlite")]
            AppSessionStore::Sqlite { store, .. } => store.load(id).await,
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { store, .. } => store.load(id).await,
        }
    }

    async fn delete_record(&self, id: &Id) -> session_store::Result<()> {
        match self {
            AppSessionStore::Memory(store) => store.delete(id).await,
            #[cfg(feature = "sqlite")]
            AppSessionStore::Sqlite { store, .. } => store.delete(id).await,
            #[cfg(feature = "redis")]
            AppSessionStore::Redis { store, .. } => store.delete(id).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A build without a backend's feature names the feature at start-up instead of failing
    /// later (`scripts/test.sh` runs these tests without default features too).
    #[tokio::test]
    async fn a_store_left_out_of_the_build_is_a_clear_start_up_error() {
        let redis =
            AppSessionStore::open(&SessionStoreSetting::Redis(crate::config::RedisSetting::new("127.0.0.1", 1))).await;
        let sqlite = AppSessionStore::open(&SessionStoreSetting::Sqlite("/nonexistent-dir/\0/x.db".into())).await;
        if !cfg!(feature = "redis") {
            let message = redis.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains("`redis` cargo feature"), "{message}");
        }
        if !cfg!(feature = "sqlite") {
            let message = sqlite.err().map(|e| e.to_string()).unwrap_or_default();
            assert!(message.contains("`sqlite` cargo feature"), "{message}");
        }
        assert!(AppSessionStore::open(&SessionStoreSetting::Memory).await.is_ok());
    }

    #[test]
    fn expired_sessions_are_swept_every_minute_in_memory_and_every_five_in_sqlite() {
        assert_eq!(MEMORY_SWEEP_INTERVAL, Duration::from_secs(60));
        assert_eq!(SQLITE_SWEEP_INTERVAL, Duration::from_secs(300));
    }

    /// Memory keeps no expiry of its own: without the minute's sweep an expired session's
    /// tokens would stay in memory until a restart.
    #[tokio::test(start_paused = true)]
    async fn memory_deletes_expired_records_every_minute() {
        let store = AppSessionStore::open(&SessionStoreSetting::Memory).await.unwrap();
        #[allow(irrefutable_let_patterns, reason = "a build without SQLite and Redis has only this variant")]
        let AppSessionStore::Memory(memory) = &store else { unreachable!("opened as memory") };
        let record = |expiry_date| Record { id: Id::default(), data: Default::default(), expiry_date };
        let mut expired = record(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
        let mut live = record(time::OffsetDateTime::now_utc() + time::Duration::hours(1));
        store.create(&mut expired).await.unwrap();
        store.create(&mut live).await.unwrap();
        assert_eq!(memory.held(), 2, "an expired record stays until the sweep");

        store.spawn_expired_deletion();
        tokio::task::yield_now().await;
        assert_eq!(memory.held(), 1, "swept at start");
        // Expires (on the wall clock) right after this sweep: held until the next one.
        let mut soon = record(time::OffsetDateTime::now_utc() + time::Duration::milliseconds(50));
        store.create(&mut soon).await.unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        tokio::time::sleep(Duration::from_secs(59)).await;
        assert_eq!(memory.held(), 2, "not before the minute is up");
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(memory.held(), 1, "swept within the minute");
        assert!(store.load(&live.id).await.unwrap().is_some(), "the live one stays");
    }

    /// The SQLite store's sweep deletes expired records and keeps live ones (the interval, five
    /// minutes in the app, is a second here).
    #[cfg(feature = "sqlite")]
    #[tokio::test]
    async fn sqlite_deletes_expired_records_by_itself() {
        let dir = tempfile::tempdir().unwrap();
        let store = AppSessionStore::open(&SessionStoreSetting::Sqlite(dir.path().join("s.db"))).await.unwrap();
        let AppSessionStore::Sqlite { pool, .. } = &store else { unreachable!("opened as SQLite") };
        let record = |expiry_date| Record { id: Id::default(), data: Default::default(), expiry_date };
        let mut expired = record(time::OffsetDateTime::now_utc() - time::Duration::hours(1));
        let mut live = record(time::OffsetDateTime::now_utc() + time::Duration::hours(1));
        store.create(&mut expired).await.unwrap();
        store.create(&mut live).await.unwrap();
        let rows = || sqlx::query_scalar::<_, i64>("select count(*) from tower_sessions").fetch_one(pool);
        assert_eq!(rows().await.unwrap(), 2, "an expired record stays until the sweep");

        store.spawn_expired_deletion_every(MEMORY_SWEEP_INTERVAL, Duration::from_secs(1));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while rows().await.unwrap() != 1 && std::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(rows().await.unwrap(), 1, "the expired record is gone");
        assert!(store.load(&live.id).await.unwrap().is_some(), "the live one stays");
    }
}
