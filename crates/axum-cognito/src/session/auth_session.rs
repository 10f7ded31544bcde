//! What a signed-in session holds, and the rules for reading it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, value::RawValue};
use tower_sessions::Session;

use crate::auth::{
    claims::{Audience, VerifiedIdToken},
    token_string::TokenString,
};

const AUTH_KEY: &str = "auth";
/// When a request of the session was last recorded (Unix seconds), kept apart from the tokens.
const SEEN_KEY: &str = "seen";
/// Sessions are saved when something changed, and otherwise at most this often: each save
/// moves the idle timeout forward, so it is exact to within this many seconds, and a signed-in
/// page costs no store write. Shorter for idle timeouts under ten minutes ([`touch_interval`]).
pub const TOUCH_INTERVAL_SECS: i64 = 60;

/// How often a session in use is saved to move its idle timeout forward: once a minute, or every
/// tenth of the timeout when that is shorter, but at most once a second (the `seen` time has
/// whole seconds).
///
/// A session ends `idle timeout` after its last save, so one whose last request did not save
/// ends up to an interval early: a tenth keeps that within 10 % of a timeout of ten seconds or
/// more (saved every half timeout, a 10-second session saved at 0 s and used at 4 s would end
/// at 10 s, 6 s after that request).
pub fn touch_interval(idle_timeout_secs: u64) -> i64 {
    let tenth = i64::try_from(idle_timeout_secs / 10).unwrap_or(i64::MAX);
    tenth.clamp(1, TOUCH_INTERVAL_SECS)
}

/// Stored server-side only. Never serialized into a response.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuthSession {
    /// Identifies this sign-in for single-flight refresh; stable for the session's lifetime.
    #[serde(default = "new_session_key")]
    pub session_key: String,
    /// The user's `sub`: their stable id in the pool.
    pub sub: String,
    /// The user's name in the pool (`cognito:username`), or `sub` when the ID token has none.
    pub username: String,
    /// The ID token's `email`.
    pub email: Option<String>,
    /// The ID token's `email_verified`.
    pub email_verified: Option<bool>,
    /// The ID token's `name`.
    pub name: Option<String>,
    /// The user's Cognito groups, from the latest ID token.
    pub groups: Vec<String>,
    /// When the user authenticated at the provider (`auth_time`), kept across refreshes.
    pub auth_time: Option<i64>,
    /// Scopes of the access token, for API callers using the session cookie.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Every claim of the latest ID token, for display.
    pub id_claims: IdClaims,
    /// The tokens, which never leave the server.
    pub tokens: SessionTokens,
    /// When this session began, for `SESSION_MAX_AGE_SECS`.
    pub signed_in_at: i64,
    /// What the person signed in with ("Firefox on Linux"), for their list of sessions.
    #[serde(default)]
    pub device: String,
    /// How many times the provider has replaced this sign-in's tokens: each refresh, and each
    /// refresh token rotated by a refresh whose other tokens could not be verified yet. Orders
    /// copies of the session ([`AuthSession::is_newer_than`]).
    #[serde(default)]
    pub token_generation: u64,
    /// The app client the person signed in to (the ID token's `aud`): a session is read only by
    /// an app of that client ([`load`]). Empty in sessions stored before it was kept.
    #[serde(default)]
    pub client_id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
/// The ID token itself is not kept: it was verified at sign-in (or refresh), and the session
/// keeps its claims and expiry; Cognito's `/logout` takes no `id_token_hint`. One token fewer
/// to leak, and about a quarter less memory per session.
pub struct SessionTokens {
    /// The access token, for calling APIs on the person's behalf.
    pub access_token: TokenString,
    /// The refresh token; without one the session ends when its tokens are due for refresh.
    pub refresh_token: Option<TokenString>,
    /// The ID token's `exp` (Unix seconds).
    pub id_token_expires_at: i64,
    /// The access token's `exp` (Unix seconds).
    pub access_token_expires_at: i64,
}

/// The claims of an ID token, kept as the JSON text of one object.
///
/// Only a page that lists every claim reads them, while every request of a signed-in session
/// decodes the session: as text they are one string to decode, copy and free, where a JSON tree
/// of a Cognito ID token's twenty-odd claims was some sixty allocations and map insertions each
/// time (see docs/benchmarks.md). In a session's JSON text ([`stored_value`]) they are
/// written as the object itself, not as a string: a string of JSON would escape every quote,
/// and reading it back would unescape them one by one. Sessions stored by earlier versions,
/// with the claims as a string or as an object, still read.
#[derive(Clone, Debug)]
pub struct IdClaims(Box<RawValue>);

impl IdClaims {
    /// The claims in `map`.
    pub fn from_map(map: &Map<String, Value>) -> Self {
        // A map of JSON values always serializes; the empty object is only a fallback.
        IdClaims(serde_json::value::to_raw_value(map).unwrap_or_else(|_| empty_object()))
    }

    /// The claims as a map (empty if the text is not a JSON object).
    pub fn to_map(&self) -> Map<String, Value> {
        serde_json::from_str(self.0.get()).unwrap_or_default()
    }
}

fn empty_object() -> Box<RawValue> {
    RawValue::from_string("{}".to_string()).unwrap_or_else(|_| unreachable!("{{}} is JSON"))
}

impl Default for IdClaims {
    fn default() -> Self {
        IdClaims(empty_object())
    }
}

impl PartialEq for IdClaims {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl Serialize for IdClaims {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for IdClaims {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        match raw.get().trim_start().as_bytes().first() {
            Some(b'{') => Ok(IdClaims(raw)),
            // Earlier versions kept the claims as a string holding the object's JSON text.
            Some(b'"') => {
                let text: String = serde_json::from_str(raw.get()).map_err(D::Error::custom)?;
                RawValue::from_string(text).map(IdClaims).map_err(D::Error::custom)
            }
            _ => Err(D::Error::custom("the ID token's claims must be a JSON object or its text")),
        }
    }
}

/// A failure of the session store or of what lives beside it (login transactions, refresh locks,
/// session lists), described in words.
#[derive(Debug, thiserror::Error)]
#[error("session store: {0}")]
pub struct SessionStoreError(String);

impl SessionStoreError {
    /// An error described by `problem`.
    pub fn new(problem: impl Into<String>) -> Self {
        SessionStoreError(problem.into())
    }
}

impl AuthSession {
    /// A session for a sign-in verified at `now`, with a new `session_key`.
    pub fn new(id_token: VerifiedIdToken, scopes: Vec<String>, tokens: SessionTokens, now: i64) -> Self {
        let claims = id_token.claims;
        AuthSession {
            session_key: new_session_key(),
            username: claims.username.clone().unwrap_or_else(|| claims.sub.clone()),
            sub: claims.sub,
            email: claims.email,
            email_verified: claims.email_verified,
            name: claims.name,
            groups: claims.groups,
            auth_time: claims.auth_time,
            scopes,
            id_claims: IdClaims::from_map(&id_token.all_claims),
            tokens,
            signed_in_at: now,
            device: String::new(),
            token_generation: 0,
            client_id: claims.aud.sole().unwrap_or_default().to_owned(),
        }
    }

    /// The same sign-in with refreshed tokens; claims are taken from the new ID token (groups
    /// may have changed), the session's identity and start time stay.
    pub fn refreshed(&self, id_token: VerifiedIdToken, scopes: Vec<String>, tokens: SessionTokens) -> Self {
        let mut next = AuthSession::new(id_token, scopes, tokens, self.signed_in_at);
        next.session_key = self.session_key.clone();
        next.device = self.device.clone();
        next.auth_time = self.auth_time.or(next.auth_time);
        next.token_generation = self.token_generation + 1;
        next
    }

    /// The same sign-in holding `refresh_token`, which the provider issued in place of the one
    /// this session held (rotation) in an answer whose other tokens cannot be used yet.
    pub fn with_rotated_refresh_token(&self, refresh_token: TokenString) -> Self {
        let mut next = self.clone();
        next.tokens.refresh_token = Some(refresh_token);
        next.token_generation = self.token_generation + 1;
        next
    }

    /// Whether this is a later state of the same sign-in than `other`: a later access token
    /// (refreshes only ever move its expiry forward), or the same one with a refresh token the
    /// provider replaced since. The expiry decides first, so copies written by versions that
    /// keep no count (it reads 0) still order as they did, during a rolling upgrade too.
    pub fn is_newer_than(&self, other: &AuthSession) -> bool {
        (self.tokens.access_token_expires_at, self.token_generation)
            > (other.tokens.access_token_expires_at, other.token_generation)
    }

    /// Whether this session belongs to the app client `client_id`: the client it was signed in
    /// to, or for a session stored before that was kept, its ID token's `aud`. A session that
    /// names no client at all (none of Cognito's ID tokens lacks `aud`) is given the benefit of
    /// the doubt, so that no upgrade signs anyone out.
    pub fn belongs_to(&self, client_id: &str) -> bool {
        if !self.client_id.is_empty() {
            return self.client_id == client_id;
        }
        audience(&self.id_claims.to_map()).is_none_or(|audience| audience == client_id)
    }

    /// Whether the person is in the Cognito group `group`.
    pub fn is_member_of(&self, group: &str) -> bool {
        self.groups.iter().any(|g| g == group)
    }

    /// Every claim of the ID token as (name, displayable value) pairs, sorted by name: what a
    /// profile page may show (claims, never tokens).
    pub fn displayed_claims(&self) -> Vec<(String, String)> {
        let mut claims: Vec<(String, String)> =
            self.id_claims.to_map().iter().map(|(name, value)| (name.clone(), display_value(value))).collect();
        claims.sort();
        claims
    }
}

/// The sole audience of ID token claims (the client id), if they name one.
fn audience(claims: &Map<String, Value>) -> Option<String> {
    let audience = Audience::deserialize(claims.get("aud")?).ok()?;
    audience.sole().map(str::to_owned)
}

fn new_session_key() -> String {
    crate::auth::random::random_urlsafe(16)
}

fn display_value(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The signed-in state as a session record keeps it: the JSON text of the [`AuthSession`], one
/// string value, not a JSON object.
///
/// Every request of a signed-in session reads it, and tower-sessions hands a record's values
/// over as JSON trees, decoded from the store and then copied once more: as an object that was
/// a map of some twenty entries built, copied, turned into the struct and freed on each request
/// (see docs/benchmarks.md); as text it is one string copied and one pass to decode.
/// Records written by earlier versions, with an object, still read ([`stored_session`]).
pub fn stored_value(auth: &AuthSession) -> Result<Value, SessionStoreError> {
    serde_json::to_string(auth)
        .map(Value::String)
        .map_err(|e| SessionStoreError(format!("the session could not be encoded: {e}")))
}

/// The [`AuthSession`] in a record's value, as [`stored_value`] writes it or as an object
/// (earlier versions).
pub fn stored_session(value: &Value) -> Result<AuthSession, SessionStoreError> {
    match value {
        Value::String(text) => serde_json::from_str(text),
        earlier => AuthSession::deserialize(earlier),
    }
    .map_err(|e| SessionStoreError(format!("the stored session could not be read: {e}")))
}

/// Who may read a session, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct ReadRules<'a> {
    /// The time now (Unix seconds).
    pub now: i64,
    /// Sessions older than this since sign-in end (`SESSION_MAX_AGE_SECS`).
    pub max_age_secs: i64,
    /// This app's client id: a session signed in to another client is not this app's.
    pub client_id: &'a str,
}

/// Reads the signed-in state, ending sessions older than the maximum age since sign-in.
///
/// A session of another app client reads as nobody signed in, and reading leaves it as it is:
/// another app that shares the store (and the cookie's name and host), or this app's session
/// from before its client changed, must not sign the person in to this one with claims it
/// never verified. (A sign-in or sign-out here replaces or clears the browser's cookie, and
/// with it that session's record.)
pub async fn load(session: &Session, rules: ReadRules<'_>) -> Result<Option<AuthSession>, SessionStoreError> {
    let value = session.get_value(AUTH_KEY).await.map_err(|e| SessionStoreError(e.to_string()))?;
    let auth = value.as_ref().map(stored_session).transpose()?;
    match auth {
        Some(auth) if !auth.belongs_to(rules.client_id) => {
            tracing::warn!(session_client = %auth.client_id, "a session of another app client was presented; not signed in");
            Ok(None)
        }
        Some(auth) if rules.now - auth.signed_in_at > rules.max_age_secs => {
            session.flush().await.map_err(|e| SessionStoreError(e.to_string()))?;
            crate::metrics::session_ended("max_age");
            Ok(None)
        }
        Some(mut auth) => {
            // A session stored before the client was kept, found to be this client's: kept
            // from now on (written with the session's next change), so its claims are not
            // parsed again for the check.
            if auth.client_id.is_empty() {
                auth.client_id = rules.client_id.to_owned();
            }
            Ok(Some(auth))
        }
        None => Ok(None),
    }
}

/// Whether the session's record can be read (the store answers), for a request that must not
/// use the session but should still notice an outage.
pub async fn check_readable(session: &Session) -> Result<(), SessionStoreError> {
    session.get_value(AUTH_KEY).await.map(|_| ()).map_err(|e| SessionStoreError(e.to_string()))
}

/// The signed-in state kept in a stored session record (for ending a session other than the
/// request's own, e.g. "sign out everywhere").
pub fn from_record(record: &tower_sessions::session::Record) -> Option<AuthSession> {
    record.data.get(AUTH_KEY).and_then(|value| stored_session(value).ok())
}

/// Stores a fresh sign-in under a new session id, so an id planted before sign-in is
/// worthless afterwards (session fixation). Saved at once, so the new id is known (it is
/// returned) before the response goes out.
pub async fn start(session: &Session, auth: &AuthSession, now: i64) -> Result<String, SessionStoreError> {
    let store_error = |e: tower_sessions::session::Error| SessionStoreError(e.to_string());
    session.cycle_id().await.map_err(store_error)?;
    session.insert_value(AUTH_KEY, stored_value(auth)?).await.map_err(store_error)?;
    session.insert(SEEN_KEY, now).await.map_err(store_error)?;
    session.save().await.map_err(store_error)?;
    session.id().map(|id| id.to_string()).ok_or_else(|| SessionStoreError::new("the new session has no id"))
}

/// Forgets a sign-in that could not be stored, in this request only (no store call): the
/// session layer then saves nothing and the browser gets no session cookie.
pub async fn abandon(session: &Session) {
    session.clear().await;
}

/// Records that the session was used, at most once per `interval` seconds (see
/// [`touch_interval`]); returns whether it did (the session is then saved when the request ends).
pub async fn touch(session: &Session, now: i64, interval: i64) -> Result<bool, SessionStoreError> {
    let seen: Option<i64> = session.get(SEEN_KEY).await.map_err(|e| SessionStoreError(e.to_string()))?;
    if seen.is_some_and(|seen| now - seen < interval && seen <= now) {
        return Ok(false);
    }
    session.insert(SEEN_KEY, now).await.map_err(|e| SessionStoreError(e.to_string()))?;
    Ok(true)
}

/// Replaces the signed-in state of the session (stored when the request ends).
pub async fn update(session: &Session, auth: &AuthSession) -> Result<(), SessionStoreError> {
    session.insert_value(AUTH_KEY, stored_value(auth)?).await.map(|_| ()).map_err(|e| SessionStoreError(e.to_string()))
}

/// Replaces the signed-in state and stores it at once: for a change that must outlive a request
/// answered with a 5xx, after which the session layer (tower-sessions) saves nothing.
pub async fn update_now(session: &Session, auth: &AuthSession) -> Result<(), SessionStoreError> {
    update(session, auth).await?;
    session.save().await.map_err(|e| SessionStoreError(e.to_string()))
}

/// Ends the session: its data is cleared and its record deleted from the store.
pub async fn end(session: &Session) -> Result<(), SessionStoreError> {
    session.flush().await.map_err(|e| SessionStoreError(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_session_in_use_is_saved_more_often_than_its_idle_timeout() {
        assert_eq!(touch_interval(28_800), 60, "the default: once a minute");
        assert_eq!(touch_interval(600), 60);
        assert_eq!(touch_interval(120), 12);
        assert_eq!(touch_interval(30), 3);
        assert_eq!(touch_interval(10), 1);
        assert_eq!(touch_interval(9), 1, "once a second: the time seen has whole seconds");
        assert_eq!(touch_interval(0), 1);
        assert_eq!(touch_interval(u64::MAX), 60);
    }

    fn claims() -> Map<String, Value> {
        match json!({ "sub": "s", "email": "a@example.com", "cognito:groups": ["staff"], "auth_time": 5 }) {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    fn session() -> AuthSession {
        let mut auth: AuthSession = serde_json::from_value(json!({
            "session_key": "k", "sub": "s", "username": "u", "email": "a@example.com", "email_verified": true,
            "name": "Ann \"the\" Admin", "groups": ["staff"], "auth_time": 5, "scopes": ["openid"], "id_claims": {},
            "signed_in_at": 7, "device": "Firefox on Linux",
            "tokens": { "access_token": "a", "refresh_token": "r", "id_token_expires_at": 1, "access_token_expires_at": 2 }
        }))
        .unwrap();
        auth.id_claims = IdClaims::from_map(&claims());
        auth
    }

    /// Two apps on one store (and one cookie): the session signed in to app A's client reads as
    /// nobody signed in at app B, and stays A's.
    #[tokio::test]
    async fn a_session_of_another_app_client_reads_as_nobody_and_is_left_alone() {
        let store = std::sync::Arc::new(crate::session::memory_store::SessionMemoryStore::default());
        let signing_in = Session::new(None, store.clone(), None);
        let signed_in = AuthSession { client_id: "app-a".into(), ..session() };
        start(&signing_in, &signed_in, 10).await.unwrap();
        let id = signing_in.id();
        let rules = |client_id| ReadRules { now: 10, max_age_secs: 3_600, client_id };

        let at_b = Session::new(id, store.clone(), None);
        assert!(load(&at_b, rules("app-b")).await.unwrap().is_none(), "not B's session");
        let at_a = Session::new(id, store.clone(), None);
        assert_eq!(load(&at_a, rules("app-a")).await.unwrap().map(|auth| auth.sub), Some("s".into()), "still A's");
    }

    /// Sessions stored before the client was kept: their ID token's `aud` decides (a string or
    /// an array); one naming no client at all still reads.
    #[test]
    fn a_session_from_before_the_client_was_kept_belongs_to_its_audience() {
        let with_claims = |claims: Value| {
            let Value::Object(map) = claims else { unreachable!() };
            AuthSession { client_id: String::new(), id_claims: IdClaims::from_map(&map), ..session() }
        };
        let earlier = with_claims(json!({ "sub": "s", "aud": "app-a" }));
        assert!(earlier.belongs_to("app-a") && !earlier.belongs_to("app-b"));
        let listed = with_claims(json!({ "sub": "s", "aud": ["app-a"] }));
        assert!(listed.belongs_to("app-a") && !listed.belongs_to("app-b"));
        assert!(with_claims(json!({ "sub": "s" })).belongs_to("app-b"), "no client named: as before");
        let kept = AuthSession { client_id: "app-a".into(), ..earlier };
        assert!(kept.belongs_to("app-a") && !kept.belongs_to("app-b"));
    }

    #[test]
    fn copies_of_a_session_are_ordered_by_what_the_provider_replaced() {
        let signed_in = session();
        let rotated = signed_in.with_rotated_refresh_token(TokenString::new("r2"));
        assert!(rotated.is_newer_than(&signed_in), "a rotated refresh token, same access token");
        assert!(!signed_in.is_newer_than(&rotated));
        assert!(!rotated.is_newer_than(&rotated.clone()));
        let mut later = signed_in.clone();
        later.tokens.access_token_expires_at += 3600;
        assert!(later.is_newer_than(&signed_in), "records without the count: the later access token");
        assert!(later.is_newer_than(&rotated), "the expiry first, as versions without the count order");
    }

    #[test]
    fn a_session_is_stored_as_one_text_with_its_claims_unescaped() {
        let stored = stored_value(&session()).unwrap();
        let Value::String(text) = &stored else { panic!("not text: {stored}") };
        assert!(text.contains(r#""id_claims":{"#), "{text}");
        // Through MessagePack, as the memory, SQLite and Redis stores keep records.
        let decoded: Value = rmp_serde::from_slice(&rmp_serde::to_vec(&stored).unwrap()).unwrap();
        let read = stored_session(&decoded).unwrap();
        assert_eq!(serde_json::to_value(&read).unwrap(), serde_json::to_value(session()).unwrap());
        assert_eq!(read.id_claims.to_map(), claims());
        assert_eq!(read.name.as_deref(), Some(r#"Ann "the" Admin"#));
        assert!(matches!(stored_session(&Value::String("{not json".into())), Err(SessionStoreError(_))));
    }

    #[test]
    fn sessions_stored_as_an_object_by_earlier_versions_still_read() {
        // The previous version: the session as an object, its claims as a string of JSON text.
        let mut earlier = serde_json::to_value(session()).unwrap();
        earlier["id_claims"] = Value::String(serde_json::to_string(&claims()).unwrap());
        let read = stored_session(&earlier).unwrap();
        assert_eq!(read.session_key, "k");
        assert_eq!(read.tokens.refresh_token.as_ref().map(TokenString::expose), Some("r"));
        assert_eq!(read.id_claims.to_map(), claims());
        let mut record = tower_sessions::session::Record {
            id: Default::default(),
            data: Default::default(),
            expiry_date: time::OffsetDateTime::UNIX_EPOCH,
        };
        record.data.insert(AUTH_KEY.into(), earlier);
        assert_eq!(from_record(&record).map(|auth| auth.sub), Some("s".to_string()));
        record.data.insert(AUTH_KEY.into(), stored_value(&session()).unwrap());
        assert_eq!(from_record(&record).map(|auth| auth.username), Some("u".to_string()));
    }

    #[test]
    fn a_record_written_before_sessions_dropped_the_raw_id_token_still_reads() {
        // Written by hand as those versions stored it (not derived from today's struct): the raw
        // ID token among the tokens, the claims as an object, and no session key, device or
        // scopes yet.
        let earliest = json!({
            "sub": "s", "username": "u", "email": "a@example.com", "email_verified": true, "name": "Ann",
            "groups": ["staff"], "auth_time": 5, "id_claims": { "sub": "s", "email": "a@example.com" },
            "signed_in_at": 7,
            "tokens": {
                "access_token": "a", "refresh_token": "r", "id_token": "eyJ.raw.token",
                "id_token_expires_at": 1, "access_token_expires_at": 2
            }
        });
        let read = stored_session(&earliest).unwrap();
        assert_eq!((read.sub.as_str(), read.username.as_str(), read.signed_in_at), ("s", "u", 7));
        assert_eq!(read.tokens.refresh_token.as_ref().map(TokenString::expose), Some("r"));
        assert_eq!(read.tokens.access_token_expires_at, 2);
        assert!(!read.session_key.is_empty(), "a session key is made up for it");
        assert!(read.scopes.is_empty() && read.device.is_empty());
        // Saved again, it drops the raw ID token.
        let Value::String(text) = stored_value(&read).unwrap() else { panic!("not text") };
        assert!(!text.contains("eyJ.raw.token"), "{text}");
    }

    #[test]
    fn claims_that_are_not_an_object_are_refused() {
        for bad in [json!(5), json!(["a"]), json!("not json"), json!(null)] {
            assert!(serde_json::from_value::<IdClaims>(bad.clone()).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<IdClaims>(r#""{\"sub\":\"s\"}""#).is_ok());
    }

    #[test]
    fn claims_stored_as_an_object_by_earlier_versions_still_read() {
        let read: IdClaims = serde_json::from_value(Value::Object(claims())).unwrap();
        assert_eq!(read.to_map(), claims());
        let session: AuthSession = serde_json::from_value(json!({
            "sub": "s", "username": "u", "email": null, "email_verified": null, "name": null,
            "groups": [], "auth_time": null, "id_claims": claims(), "signed_in_at": 0,
            "tokens": { "access_token": "a", "refresh_token": null, "id_token_expires_at": 1, "access_token_expires_at": 1 }
        }))
        .unwrap();
        let displayed = session.displayed_claims();
        assert_eq!(displayed[0], ("auth_time".to_string(), "5".to_string()));
        assert!(displayed.contains(&("cognito:groups".to_string(), r#"["staff"]"#.to_string())));
        assert!(displayed.contains(&("email".to_string(), "a@example.com".to_string())));
    }
}
