//! The session store chosen by `SESSION_STORE`, behind one type.

use async_trait::async_trait;
use fred::prelude::{ClientLike, Config, ConnectionConfig, PerformanceConfig, Pool, ReconnectPolicy};
use tower_sessions::{
    ExpiredDeletion, MemoryStore, SessionStore,
    session::{Id, Record},
    session_store,
};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_sqlx_store::{SqliteStore, sqlx::sqlite::SqliteConnectOptions, sqlx::sqlite::SqlitePoolOptions};

use super::refresh_lock::RefreshLocks;
use crate::server::config::SessionStoreSetting;

/// How long a Redis command (and a new connection) may take before the request gives up.
const REDIS_COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// tower-sessions' layer is generic over one store type; this enum lets configuration pick
/// the store at run time.
#[derive(Debug, Clone)]
pub enum AppSessionStore {
    Memory(MemoryStore),
    Sqlite(SqliteStore),
    Redis { store: RedisStore<Pool>, pool: Pool },
}

impl AppSessionStore {
    pub async fn open(setting: &SessionStoreSetting) -> anyhow::Result<Self> {
        match setting {
            SessionStoreSetting::Memory => Ok(AppSessionStore::Memory(MemoryStore::default())),
            SessionStoreSetting::Sqlite(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| anyhow::anyhow!("SESSION_STORE: cannot create {}: {e}", parent.display()))?;
                }
                let options = SqliteConnectOptions::new().filename(path).create_if_missing(true);
                let pool = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .map_err(|e| anyhow::anyhow!("SESSION_STORE: cannot open {}: {e}", path.display()))?;
                let store = SqliteStore::new(pool);
                store
                    .migrate()
                    .await
                    .map_err(|e| anyhow::anyhow!("SESSION_STORE: cannot prepare {}: {e}", path.display()))?;
                Ok(AppSessionStore::Sqlite(store))
            }
            SessionStoreSetting::Redis { host, port } => {
                let unreachable = |e: &dyn std::fmt::Display| {
                    anyhow::anyhow!("SESSION_STORE: cannot use redis at {host}:{port}: {e}")
                };
                let config = Config::from_url(&format!("redis://{host}:{port}")).map_err(|e| unreachable(&e))?;
                // Without a command timeout a Redis that stops answering would hold every request
                // forever; without a reconnect policy a Redis restart would break sessions until
                // the app restarts. With both, an outage costs 503s for its duration, no more.
                let performance =
                    PerformanceConfig { default_command_timeout: REDIS_COMMAND_TIMEOUT, ..Default::default() };
                let connection = ConnectionConfig { connection_timeout: REDIS_COMMAND_TIMEOUT, ..Default::default() };
                let reconnect = ReconnectPolicy::new_exponential(0, 100, 2_000, 2);
                let pool = Pool::new(config, Some(performance), Some(connection), Some(reconnect), 4)
                    .map_err(|e| unreachable(&e))?;
                // Fail at start-up, with a clear line, rather than on the first sign-in.
                tokio::time::timeout(std::time::Duration::from_secs(5), pool.init())
                    .await
                    .map_err(|_| unreachable(&"no answer within 5 s"))?
                    .map_err(|e| unreachable(&e))?;
                // Redis expires the keys itself, from each session's expiry.
                Ok(AppSessionStore::Redis { store: RedisStore::new(pool.clone()), pool })
            }
        }
    }

    /// Where refreshes of one session wait for each other: in Redis when instances share
    /// sessions there. SQLite is for a single instance (see docs/design.md).
    pub fn refresh_locks(&self) -> RefreshLocks {
        match self {
            AppSessionStore::Redis { pool, .. } => RefreshLocks::redis(pool.clone()),
            AppSessionStore::Memory(_) | AppSessionStore::Sqlite(_) => RefreshLocks::in_process(),
        }
    }

    /// Deletes expired sessions in the background (the memory store expires on load).
    pub fn spawn_expired_deletion(&self) {
        if let AppSessionStore::Sqlite(store) = self {
            let store = store.clone();
            tokio::spawn(async move {
                let _ = store.continuously_delete_expired(tokio::time::Duration::from_secs(300)).await;
            });
        }
    }
}

#[async_trait]
impl SessionStore for AppSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            AppSessionStore::Memory(store) => store.create(record).await,
            AppSessionStore::Sqlite(store) => store.create(record).await,
            AppSessionStore::Redis { store, .. } => store.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            AppSessionStore::Memory(store) => store.save(record).await,
            AppSessionStore::Sqlite(store) => store.save(record).await,
            AppSessionStore::Redis { store, .. } => store.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            AppSessionStore::Memory(store) => store.load(id).await,
            AppSessionStore::Sqlite(store) => store.load(id).await,
            AppSessionStore::Redis { store, .. } => store.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            AppSessionStore::Memory(store) => store.delete(id).await,
            AppSessionStore::Sqlite(store) => store.delete(id).await,
            AppSessionStore::Redis { store, .. } => store.delete(id).await,
        }
    }
}
