//! Session records in Redis, under the app's key prefix: `{prefix}session:{id}`.
//!
//! Hand-written rather than tower-sessions-redis-store's `RedisStore` (which this replaces): that
//! store writes each record under its bare session id, so two apps on one Redis would read each
//! other's records (`Names::redis_key_prefix` promises they do not collide), and its `save`
//! fails on Redis's nil answer when the session was deleted meanwhile. The encoding is the same
//! (MessagePack of the record, expiring at the record's expiry), so records written by earlier
//! versions, under the bare id, still read (see [`RedisSessions::load`]).

use fred::{
    prelude::{KeysInterface, Pool},
    types::{Expiration, SetOptions, Value},
};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store;

/// Sessions in Redis, each under `{prefix}session:{id}`.
#[derive(Debug, Clone)]
pub struct RedisSessions {
    pool: Pool,
    prefix: String,
}

impl RedisSessions {
    /// Sessions on `pool`, under keys starting with `{key_prefix}session:`.
    pub fn new(pool: Pool, key_prefix: &str) -> Self {
        RedisSessions { pool, prefix: format!("{key_prefix}session:") }
    }

    fn key(&self, id: &Id) -> String {
        format!("{}{id}", self.prefix)
    }

    /// Stores a new record with `SET … NX`, drawing another id in the (128-bit, so
    /// theoretical) case that one is taken.
    pub async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        while !self.set(&self.key(&record.id), record, SetOptions::NX).await? {
            record.id = Id::default();
        }
        Ok(())
    }

    /// Replaces a record that exists (`SET … XX`) and never creates one, so a request still in
    /// flight when its session is signed out cannot bring it back. A record an earlier version
    /// wrote under the bare id is replaced there.
    pub async fn save(&self, record: &Record) -> session_store::Result<()> {
        if !self.set(&self.key(&record.id), record, SetOptions::XX).await? {
            self.set(&record.id.to_string(), record, SetOptions::XX).await?;
        }
        Ok(())
    }

    /// The record of `id`: under the prefix, or under the bare id where versions before the
    /// prefix wrote it (one `MGET` for both, so a session costs one round trip either way).
    /// Such records are read and saved in place until they expire, at the latest a session's
    /// maximum age after the upgrade.
    pub async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let copies: Vec<Option<Vec<u8>>> = self.pool.mget(vec![self.key(id), id.to_string()]).await.map_err(backend)?;
        copies
            .into_iter()
            .flatten()
            .next()
            .map(|data| rmp_serde::from_slice(&data).map_err(|e| session_store::Error::Decode(e.to_string())))
            .transpose()
    }

    /// Deletes the record of `id`, under the prefix and under the bare id.
    pub async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.pool.del::<(), _>(vec![self.key(id), id.to_string()]).await.map_err(backend)
    }

    /// `SET key record EXAT expiry` with `condition`; whether Redis stored it (nil: the
    /// condition did not hold).
    async fn set(&self, key: &str, record: &Record, condition: SetOptions) -> session_store::Result<bool> {
        let data = rmp_serde::to_vec(record).map_err(|e| session_store::Error::Encode(e.to_string()))?;
        let expire = Expiration::EXAT(record.expiry_date.unix_timestamp());
        let answer: Value =
            self.pool.set(key, data.as_slice(), Some(expire), Some(condition), false).await.map_err(backend)?;
        Ok(!answer.is_null())
    }
}

fn backend(error: fred::error::Error) -> session_store::Error {
    session_store::Error::Backend(error.to_string())
}
