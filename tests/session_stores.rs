//! One conformance suite for every `SESSION_STORE` (memory, SQLite, Redis) and for both kinds of
//! refresh lock (in process, and in Redis shared by instances): the same checks, so a store or
//! lock cannot quietly behave differently from the others.

mod common;

use std::{collections::HashMap, sync::Arc, time::Duration};

use common::redis::{redis_cli, start_redis};
use leptos_cognito::server::{
    auth::login_transaction::LoginTransaction,
    config::{RedisSetting, SessionStoreSetting},
    session::{
        auth_session::AuthSession,
        directory::{Lifetimes, SessionDirectory, SessionEntry},
        login_transactions::LoginTransactions,
        refresh_lock::RefreshLocks,
        store::AppSessionStore,
    },
};
use serde_json::json;
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
};

/// The default `Names::redis_key_prefix`.
const PREFIX: &str = "leptos-cognito:";

fn record(expires_in: time::Duration) -> Record {
    Record {
        id: Id::default(),
        data: HashMap::from([("greeting".to_string(), json!("hello"))]),
        expiry_date: OffsetDateTime::now_utc() + expires_in,
    }
}

async fn store_conformance(store: &AppSessionStore, name: &str) {
    let mut session = record(time::Duration::hours(1));
    store.create(&mut session).await.expect("create");
    let loaded = store.load(&session.id).await.expect("load").expect("a created session loads");
    assert_eq!(loaded.data, session.data, "{name}: what was stored comes back");

    session.data.insert("greeting".into(), json!("hello again"));
    store.save(&session).await.expect("save");
    let loaded = store.load(&session.id).await.expect("load").expect("a saved session loads");
    assert_eq!(loaded.data["greeting"], json!("hello again"), "{name}: a save replaces the data");

    store.delete(&session.id).await.expect("delete");
    assert!(store.load(&session.id).await.expect("load").is_none(), "{name}: a deleted session is gone");

    let mut expired = record(-time::Duration::minutes(1));
    store.create(&mut expired).await.expect("create");
    assert!(store.load(&expired.id).await.expect("load").is_none(), "{name}: an expired session does not load");

    assert!(store.load(&Id::default()).await.expect("load").is_none(), "{name}: an unknown id loads nothing");

    // A request still in flight when its session was deleted (signed out) saves its copy when
    // it ends: that must not bring the session back.
    let mut signed_out = record(time::Duration::hours(1));
    store.create(&mut signed_out).await.expect("create");
    store.delete(&signed_out.id).await.expect("delete");
    store.save(&signed_out).await.expect("a save after delete is not an error");
    assert!(store.load(&signed_out.id).await.expect("load").is_none(), "{name}: save after delete restores nothing");
}

/// Sign-ins in flight: `first` and `second` are two instances' views (the same value for the
/// in-process kind).
async fn transaction_conformance(first: &LoginTransactions, second: &LoginTransactions, name: &str) {
    let tx = LoginTransaction::begin("binding", "/profile".into(), 1_000);
    first.put(&tx).await.expect("put");
    let taken = second.take(&tx.state, 1_000).await.expect("take").expect("seen by the other instance");
    assert_eq!(taken.return_to, "/profile", "{name}");
    assert_eq!(taken.pkce_verifier, tx.pkce_verifier, "{name}");
    assert!(first.take(&tx.state, 1_000).await.expect("take").is_none(), "{name}: taken once");
    let late = LoginTransaction::begin("binding", "/".into(), 1_000);
    first.put(&late).await.expect("put");
    assert!(second.take(&late.state, 1_000 + 601).await.expect("take").is_none(), "{name}: expired");

    // Two callbacks racing with one state: exactly one wins.
    let raced = LoginTransaction::begin("binding", "/".into(), 1_000);
    first.put(&raced).await.expect("put");
    let (a, b) = tokio::join!(first.take(&raced.state, 1_000), second.take(&raced.state, 1_000));
    assert_eq!(a.expect("take").is_some() as u8 + b.expect("take").is_some() as u8, 1, "{name}");
}

async fn directory_conformance(first: &SessionDirectory, second: &SessionDirectory, name: &str) {
    let lifetimes = Lifetimes { idle_secs: 100, max_age_secs: 1_000 };
    let entry = |key: &str, last_active| SessionEntry {
        session_key: key.into(),
        session_id: format!("id-{key}"),
        device: "Firefox on Linux".into(),
        signed_in_at: 0,
        last_active,
        client_id: "app".into(),
    };
    let keep = Duration::from_secs(1_000);
    first.register("alice", &entry("a", 900), keep).await.expect("register");
    first.register("alice", &entry("b", 500), keep).await.expect("register");
    first.register("bob", &entry("c", 900), keep).await.expect("register");
    let listed = second.list("alice", lifetimes, 950).await.expect("list");
    assert_eq!(listed, vec![entry("a", 900)], "{name}: live sessions, seen by every instance");
    second.touch("alice", "a", 960).await.expect("touch");
    assert_eq!(first.get("alice", "a").await.expect("get").expect("there").last_active, 960, "{name}");
    first.remove("alice", "a").await.expect("remove");
    second.touch("alice", "a", 970).await.expect("touch");
    assert!(first.get("alice", "a").await.expect("get").is_none(), "{name}: a touch does not bring it back");
    assert_eq!(second.all("bob").await.expect("all").len(), 1, "{name}: others are untouched");
}

fn signed_in(username: &str, access_token_expires_at: i64) -> AuthSession {
    serde_json::from_value(json!({
        "session_key": "conformance",
        "sub": "sub",
        "username": username,
        "email": null,
        "email_verified": null,
        "name": null,
        "groups": [],
        "auth_time": null,
        "id_claims": {},
        "tokens": {
            "id_token": "id",
            "access_token": "access",
            "refresh_token": null,
            "id_token_expires_at": access_token_expires_at,
            "access_token_expires_at": access_token_expires_at
        },
        "signed_in_at": 0
    }))
    .expect("a valid session")
}

/// `first` and `second` are two instances' views of the same locks (the same value for the
/// in-process kind, which only ever serves one instance).
async fn lock_conformance(first: Arc<RefreshLocks>, second: Arc<RefreshLocks>, name: &str) {
    const SHORT: Duration = Duration::from_millis(300);

    // One turn at a time, and the waiter sees what the holder published.
    let turn = first.take_turn("session-a").await.expect("turn");
    assert!(turn.latest().is_none(), "{name}: nothing published yet");
    let waiter = {
        let second = second.clone();
        tokio::spawn(async move { second.take_turn("session-a").await.expect("turn").latest().cloned() })
    };
    tokio::time::sleep(SHORT).await;
    assert!(!waiter.is_finished(), "{name}: a second turn waits for the first");
    turn.publish(&signed_in("refreshed", 2_000), Duration::from_secs(60)).await.expect("publish");
    let seen = tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("the waiter gets its turn");
    assert_eq!(seen.expect("joined").map(|auth| auth.username), Some("refreshed".into()), "{name}");
    let latest = second.latest("session-a").await.expect("latest").map(|auth| auth.username);
    assert_eq!(latest, Some("refreshed".into()), "{name}: published for every instance");

    // Sessions do not wait for each other.
    let _held = first.take_turn("session-b").await.expect("turn");
    let other = tokio::time::timeout(SHORT, second.take_turn("session-c")).await;
    assert!(other.is_ok(), "{name}: another session's turn is free");

    // A turn that ends without publishing (a failed refresh) frees the lock at once, and so
    // does a waiter that gives up.
    drop(first.take_turn("session-d").await.expect("turn"));
    let held = first.take_turn("session-e").await.expect("turn");
    let impatient = {
        let second = second.clone();
        tokio::spawn(async move { second.take_turn("session-e").await.map(|_| ()) })
    };
    tokio::time::sleep(SHORT).await;
    impatient.abort();
    drop(held);
    for key in ["session-d", "session-e"] {
        let again = tokio::time::timeout(Duration::from_secs(2), second.take_turn(key)).await;
        assert!(again.is_ok(), "{name}: {key} is free again");
    }

    // A request whose tokens still work waits only briefly for another's refresh (a crashed
    // holder keeps the lock until it expires).
    let held = first.take_turn("session-f").await.expect("turn");
    let started = std::time::Instant::now();
    assert!(second.take_turn_within("session-f", SHORT).await.expect("no error").is_none(), "{name}: gives up");
    assert!(started.elapsed() < Duration::from_secs(2), "{name}");
    drop(held);

    // A published result lasts as long as it is asked to, no longer.
    let turn = first.take_turn("session-g").await.expect("turn");
    turn.publish(&signed_in("short-lived", 3_000), Duration::from_millis(200)).await.expect("publish");
    assert!(second.latest("session-g").await.expect("latest").is_some(), "{name}");
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(second.latest("session-g").await.expect("latest").is_none(), "{name}: expired with its time");

    // An ended session leaves nothing behind.
    first.forget("session-a").await;
    assert!(second.latest("session-a").await.expect("latest").is_none(), "{name}: forgotten");
}

#[tokio::test]
async fn memory_store() {
    let store = AppSessionStore::open(&SessionStoreSetting::Memory).await.expect("opens");
    store_conformance(&store, "memory").await;
    let locks = Arc::new(store.refresh_locks(PREFIX));
    lock_conformance(locks.clone(), locks, "memory").await;
    let transactions = store.login_transactions(PREFIX);
    transaction_conformance(&transactions, &transactions, "memory").await;
    let directory = store.directory(PREFIX).await.expect("directory");
    directory_conformance(&directory, &directory, "memory").await;
}

#[tokio::test]
async fn sqlite_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let setting = SessionStoreSetting::Sqlite(dir.path().join("sessions.db"));
    let store = AppSessionStore::open(&setting).await.expect("opens");
    store_conformance(&store, "sqlite").await;
    let locks = Arc::new(store.refresh_locks(PREFIX));
    lock_conformance(locks.clone(), locks, "sqlite").await;
    let transactions = store.login_transactions(PREFIX);
    transaction_conformance(&transactions, &transactions, "sqlite").await;
    let directory = store.directory(PREFIX).await.expect("directory");
    directory_conformance(&directory, &directory, "sqlite").await;
    // The file holds refresh tokens: only the app's user may read it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("sessions.db")).expect("the file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "sessions.db is private");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_store() {
    let (_redis, port) = start_redis().await;
    let setting = SessionStoreSetting::Redis(RedisSetting::new("127.0.0.1", port));
    let store = AppSessionStore::open(&setting).await.expect("opens");
    store_conformance(&store, "redis").await;
    // Two instances: each has its own connection pool to the same Redis.
    let other_instance = AppSessionStore::open(&setting).await.expect("opens");
    lock_conformance(Arc::new(store.refresh_locks(PREFIX)), Arc::new(other_instance.refresh_locks(PREFIX)), "redis")
        .await;
    transaction_conformance(&store.login_transactions(PREFIX), &other_instance.login_transactions(PREFIX), "redis")
        .await;
    let directories =
        (store.directory(PREFIX).await.expect("directory"), other_instance.directory(PREFIX).await.expect("directory"));
    directory_conformance(&directories.0, &directories.1, "redis").await;

    // A holder that crashes never releases its lock: the key expires by itself within 60 s.
    // And a holder whose lock expired meanwhile (another took it) frees only its own, never the
    // new holder's: the release compares the owner before deleting.
    let redis_cli = |args: &[&str]| redis_cli(port, args);
    let lock_key = format!("{PREFIX}refresh:session-crash:lock");
    let crashed = store.refresh_locks(PREFIX).take_turn("session-crash").await.expect("turn");
    let ttl_ms: i64 = redis_cli(&["PTTL", &lock_key]).parse().expect("a number");
    assert!((55_000..=60_000).contains(&ttl_ms), "the lock expires within a minute: {ttl_ms} ms");
    assert_eq!(redis_cli(&["SET", &lock_key, "the-next-holder", "PX", "60000"]), "OK");
    drop(crashed);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(redis_cli(&["GET", &lock_key]), "the-next-holder", "the stale holder left the new lock alone");

    // Another app on the same Redis with its own key prefix sees none of this app's state.
    let neighbour = other_instance.login_transactions("another-app:");
    let tx = LoginTransaction::begin("binding", "/".into(), 1_000);
    store.login_transactions(PREFIX).put(&tx).await.expect("put");
    assert!(neighbour.take(&tx.state, 1_000).await.expect("take").is_none(), "prefixes keep apps apart");
    assert!(store.login_transactions(PREFIX).take(&tx.state, 1_000).await.expect("take").is_some());
    let person = SessionEntry {
        session_key: "k".into(),
        session_id: "id".into(),
        device: "Firefox on Linux".into(),
        signed_in_at: 0,
        last_active: 0,
        client_id: "app".into(),
    };
    directories.0.register("someone", &person, Duration::from_secs(60)).await.expect("register");
    let neighbour = other_instance.directory("another-app:").await.expect("directory");
    assert!(neighbour.all("someone").await.expect("all").is_empty(), "session lists are apart too");

    // And the session records themselves: under `{prefix}session:{id}`, out of the neighbour's
    // reach, which also cannot delete them.
    let mut ours = record(time::Duration::hours(1));
    store.create(&mut ours).await.expect("create");
    assert_eq!(redis_cli(&["EXISTS", &format!("{PREFIX}session:{}", ours.id)]), "1", "a record under the prefix");
    let neighbour = AppSessionStore::open(&setting).await.expect("opens").with_key_prefix("another-app:");
    assert!(neighbour.load(&ours.id).await.expect("load").is_none(), "session records are apart too");
    neighbour.delete(&ours.id).await.expect("delete");
    neighbour.save(&ours).await.expect("save");
    assert!(store.load(&ours.id).await.expect("load").is_some(), "the neighbour changed nothing");
    assert_eq!(redis_cli(&["EXISTS", &format!("another-app:session:{}", ours.id)]), "0", "nor created a copy");

    // A record an earlier version wrote under the bare session id (same encoding) still loads,
    // is saved in place (no copy under the prefix) and deleted, so nobody is signed out by the
    // upgrade.
    let earlier = record(time::Duration::hours(1));
    let bare = earlier.id.to_string();
    let mut written_by_earlier_version = earlier.clone();
    other_instance.clone().with_key_prefix("").create(&mut written_by_earlier_version).await.expect("create");
    redis_cli(&["RENAME", &format!("session:{bare}"), &bare]);
    assert_eq!(redis_cli(&["EXISTS", &bare]), "1", "a record under the bare id, as earlier versions wrote");
    let loaded = store.load(&earlier.id).await.expect("load").expect("an earlier record loads");
    assert_eq!(loaded.data, earlier.data);
    let mut changed = earlier.clone();
    changed.data.insert("greeting".into(), json!("saved in place"));
    store.save(&changed).await.expect("save");
    assert_eq!(store.load(&earlier.id).await.expect("load").expect("loads").data["greeting"], json!("saved in place"));
    assert_eq!(redis_cli(&["EXISTS", &format!("{PREFIX}session:{bare}")]), "0", "no second copy");
    let ttl_ms: i64 = redis_cli(&["PTTL", &bare]).parse().expect("a number");
    assert!(ttl_ms > 3_500_000, "the save kept the record's expiry: {ttl_ms} ms");
    store.delete(&earlier.id).await.expect("delete");
    assert_eq!(redis_cli(&["EXISTS", &bare]), "0", "deleted where it was");

    // What holds a sign-in in flight, a person's session list and a published refresh result
    // (refresh tokens inside) expire in Redis itself, whether or not any instance sweeps.
    let pttl = |key: &str| -> i64 { redis_cli(&["PTTL", key]).parse().expect("a number") };
    let abandoned = LoginTransaction::begin("binding", "/".into(), 1_000);
    store.login_transactions(PREFIX).put(&abandoned).await.expect("put");
    let ttl_ms = pttl(&format!("{PREFIX}login:{}", abandoned.state));
    assert!((595_000..=600_000).contains(&ttl_ms), "an abandoned sign-in expires in 10 minutes: {ttl_ms} ms");
    let ttl_ms = pttl(&format!("{PREFIX}user:someone:sessions"));
    assert!((55_000..=60_000).contains(&ttl_ms), "a session list expires with its newest session: {ttl_ms} ms");
    let turn = store.refresh_locks(PREFIX).take_turn("session-kept").await.expect("turn");
    turn.publish(&signed_in("kept", 3_000), Duration::from_secs(90)).await.expect("publish");
    let latest_key = format!("{PREFIX}refresh:session-kept:latest");
    let ttl_ms = pttl(&latest_key);
    assert!((85_000..=90_000).contains(&ttl_ms), "a published result expires when asked: {ttl_ms} ms");
    store.refresh_locks(PREFIX).forget("session-kept").await;
    assert_eq!(redis_cli(&["EXISTS", &latest_key]), "0", "and an ended session's is deleted at once");
}
