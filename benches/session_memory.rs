//! Memory a signed-in session costs in `SESSION_STORE=memory`: the process's resident set
//! (`VmRSS`) before and after 10,000 and then 100,000 sessions, each stored as a sign-in stores
//! it (the session record with Cognito-sized tokens and ID-token claims, plus its entry in the
//! person's list of sessions). Run by `scripts/bench.sh`; not a timed test.

use std::time::Duration;

use leptos_cognito::server::{
    allocator::ServerAllocator,
    auth::token_string::TokenString,
    session::{
        auth_session::{self, AuthSession, IdClaims, SessionTokens},
        directory::{SessionDirectory, SessionEntry},
        memory_store::SessionMemoryStore,
    },
};
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
};

/// The server's allocator (src/main.rs), so the resident set is the one the server would have.
#[global_allocator]
static ALLOCATOR: ServerAllocator = ServerAllocator;

/// Sizes of real Cognito tokens: an access token is about 1 KB, and a refresh token (an
/// encrypted JWE) about 1.8 KB. (The session keeps the ID token's claims, not the token.)
const ACCESS_TOKEN_LEN: usize = 1_050;
const REFRESH_TOKEN_LEN: usize = 1_780;

fn token(seed: usize, len: usize) -> TokenString {
    let mut value = format!("eyJ{seed:016x}");
    while value.len() < len {
        value.push_str("AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_");
    }
    value.truncate(len);
    TokenString::new(value)
}

/// The claims of a Cognito ID token, which the session keeps for the profile page.
fn id_claims(i: usize, sub: &str, email: &str) -> Map<String, Value> {
    let claims = json!({
        "sub": sub,
        "email_verified": true,
        "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123xyz",
        "cognito:username": sub,
        "origin_jti": format!("{i:08x}-1111-4222-8333-444455556666"),
        "aud": "4example56789abcdefghijklm",
        "event_id": format!("{i:08x}-aaaa-4bbb-8ccc-dddd00001111"),
        "token_use": "id",
        "auth_time": 1_795_000_000 + i,
        "name": format!("Person {i}"),
        "exp": 1_795_003_600 + i,
        "iat": 1_795_000_000 + i,
        "jti": format!("{i:08x}-9999-4888-8777-666655554444"),
        "email": email,
        "cognito:groups": ["staff"],
    });
    match claims {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

fn signed_in_record(i: usize) -> (Record, AuthSession) {
    let sub = format!("{i:08x}-0000-4000-8000-{i:012x}");
    let email = format!("person{i}@example.com");
    let auth = AuthSession {
        session_key: format!("{i:032x}"),
        sub: sub.clone(),
        username: sub.clone(),
        email: Some(email.clone()),
        email_verified: Some(true),
        name: Some(format!("Person {i}")),
        groups: vec!["staff".into()],
        auth_time: Some(1_795_000_000),
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        id_claims: IdClaims::from_map(&id_claims(i, &sub, &email)),
        tokens: SessionTokens {
            access_token: token(i + 1, ACCESS_TOKEN_LEN),
            refresh_token: Some(token(i + 2, REFRESH_TOKEN_LEN)),
            id_token_expires_at: 1_795_003_600,
            access_token_expires_at: 1_795_003_600,
        },
        signed_in_at: 1_795_000_000,
        device: "Firefox on Linux".into(),
        token_generation: 0,
        client_id: "0123456789abcdefghijklmnop".into(),
    };
    let mut data = std::collections::HashMap::new();
    data.insert("auth".to_string(), auth_session::stored_value(&auth).expect("serialisable"));
    data.insert("seen".to_string(), json!(1_795_000_000));
    let record = Record { id: Id::default(), data, expiry_date: OffsetDateTime::now_utc() + time::Duration::hours(8) };
    (record, auth)
}

fn resident_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}

async fn add_sessions(store: &SessionMemoryStore, directory: &SessionDirectory, range: std::ops::Range<usize>) {
    for i in range {
        let (mut record, auth) = signed_in_record(i);
        store.create(&mut record).await.expect("create");
        let entry = SessionEntry {
            session_key: auth.session_key.clone(),
            session_id: record.id.to_string(),
            device: auth.device.clone(),
            signed_in_at: auth.signed_in_at,
            last_active: auth.signed_in_at,
            client_id: auth.client_id.clone(),
        };
        directory.register(&auth.sub, &entry, Duration::from_secs(86_400)).await.expect("register");
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let store = SessionMemoryStore::default();
    let directory = SessionDirectory::in_process();
    let (sample, _) = signed_in_record(0);
    let sample_json = serde_json::to_vec(&sample.data).expect("json").len();
    let sample_msgpack = rmp_serde::to_vec(&sample).expect("msgpack").len();

    let before = resident_kib();
    add_sessions(&store, &directory, 0..10_000).await;
    let at_10k = resident_kib();
    add_sessions(&store, &directory, 10_000..100_000).await;
    let at_100k = resident_kib();

    let mb = |kib: u64| kib as f64 / 1024.0;
    println!("session record: {sample_json} bytes as JSON, {sample_msgpack} as stored (MessagePack)");
    println!("RSS before: {:.1} MB", mb(before));
    println!("RSS with 10,000 sessions: {:.1} MB (+{:.1} MB)", mb(at_10k), mb(at_10k - before));
    println!("RSS with 100,000 sessions: {:.1} MB (+{:.1} MB)", mb(at_100k), mb(at_100k - before));
    println!("memory per 10,000 sessions: {:.1} MB", mb(at_100k - before) / 10.0);
}
