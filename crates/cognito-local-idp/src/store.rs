//! Short-lived server-side state: codes, refresh tokens, revocations, sessions, CSRF tokens.
//!
//! Everything is in memory and dies with the process, like a fresh user pool would forget
//! nothing but keep no sessions. Expired entries are dropped whenever something is added.

use std::{
    collections::HashMap,
    time::{Duration, SystemTime},
};

use super::identity::Identity;

/// The most sign-in forms kept at once; bounds memory if something requests /login in a loop.
const MAX_FORMS: usize = 10_000;

#[derive(Debug, Clone)]
pub struct AuthorizationCode {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub identity: Identity,
    pub auth_time: u64,
    pub expires_at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct RefreshGrant {
    pub client_id: String,
    pub identity: Identity,
    pub scopes: Vec<String>,
    pub auth_time: u64,
    pub origin_jti: String,
    /// Code grants give ID tokens only with `openid`; the user pools API always gives one.
    pub with_id_token: bool,
    /// Set once at sign-in: rotation hands the same deadline to the new token, never extends it.
    pub expires_at: SystemTime,
}

#[derive(Debug, Clone)]
pub struct ProviderSession {
    pub identity: Identity,
    pub auth_time: u64,
    pub expires_at: SystemTime,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshProblem {
    Unknown,
    Expired,
}

#[derive(Default)]
pub struct Store {
    codes: HashMap<String, AuthorizationCode>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    /// Rotated-out refresh tokens inside their client's retry grace period, with its end: each
    /// works once more (Amazon Cognito developer guide, "Refresh tokens",
    /// `RetryGracePeriodSeconds`).
    retired_refresh_tokens: HashMap<String, (RefreshGrant, SystemTime)>,
    /// Revoked `origin_jti`s, kept until every token of that family has expired anyway.
    revoked_origins: HashMap<String, SystemTime>,
    sessions: HashMap<String, ProviderSession>,
    forms: HashMap<String, SystemTime>,
}

impl std::fmt::Debug for Store {
    // Counts only: the keys of these maps are codes, refresh tokens and session ids.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("codes", &self.codes.len())
            .field("refresh_tokens", &self.refresh_tokens.len())
            .field("retired_refresh_tokens", &self.retired_refresh_tokens.len())
            .field("revoked_origins", &self.revoked_origins.len())
            .field("sessions", &self.sessions.len())
            .field("forms", &self.forms.len())
            .finish()
    }
}

impl Store {
    pub fn insert_code(&mut self, code: String, entry: AuthorizationCode, now: SystemTime) {
        self.codes.retain(|_, c| c.expires_at > now);
        self.codes.insert(code, entry);
    }

    /// Removes the code whatever happens next, so a code can never be tried twice.
    pub fn take_code(&mut self, code: &str, now: SystemTime) -> Option<AuthorizationCode> {
        self.codes.remove(code).filter(|c| c.expires_at > now)
    }

    pub fn insert_refresh_token(&mut self, token: String, grant: RefreshGrant, now: SystemTime) {
        self.refresh_tokens.retain(|_, g| g.expires_at > now);
        self.refresh_tokens.insert(token, grant);
    }

    pub fn refresh_grant(&self, token: &str, now: SystemTime) -> Result<RefreshGrant, RefreshProblem> {
        let grant = match self.refresh_tokens.get(token) {
            Some(grant) => grant,
            None => self.retired_grant(token, now).ok_or(RefreshProblem::Unknown)?,
        };
        if grant.expires_at <= now {
            return Err(RefreshProblem::Expired);
        }
        if self.revoked_origins.contains_key(&grant.origin_jti) {
            return Err(RefreshProblem::Unknown);
        }
        Ok(grant.clone())
    }

    fn retired_grant(&self, token: &str, now: SystemTime) -> Option<&RefreshGrant> {
        self.retired_refresh_tokens.get(token).filter(|(_, grace_ends)| *grace_ends > now).map(|(grant, _)| grant)
    }

    /// Rotation (Amazon Cognito developer guide, "Refresh tokens"): the old token leaves as the new
    /// one is born. With a retry grace period the old token works once more until the period ends
    /// (a client that lost the answer can retry); with none it dies at once, so of two concurrent
    /// refreshes exactly one wins. `None` when `old` is neither live nor a retired token still in
    /// its grace period.
    pub fn rotate_refresh_token(
        &mut self,
        old: &str,
        new: String,
        now: SystemTime,
        retry_grace: Duration,
    ) -> Option<RefreshGrant> {
        self.retired_refresh_tokens.retain(|_, (_, grace_ends)| *grace_ends > now);
        let grant = match self.refresh_tokens.remove(old) {
            Some(grant) => {
                if !retry_grace.is_zero() {
                    self.retired_refresh_tokens.insert(old.to_string(), (grant.clone(), now + retry_grace));
                }
                grant
            }
            // The one retry the grace period allows.
            None => self.retired_refresh_tokens.remove(old).map(|(grant, _)| grant)?,
        };
        self.insert_refresh_token(new, grant.clone(), now);
        Some(grant)
    }

    pub fn refresh_token_owner(&self, token: &str) -> Option<(&str, &str)> {
        self.refresh_tokens
            .get(token)
            .or_else(|| self.retired_refresh_tokens.get(token).map(|(grant, _)| grant))
            .map(|g| (g.client_id.as_str(), g.origin_jti.as_str()))
    }

    /// Revokes a whole family: its refresh tokens and, through `origin_jti`, its access tokens.
    pub fn revoke_origin(&mut self, origin_jti: &str, remember_until: SystemTime, now: SystemTime) {
        self.revoked_origins.retain(|_, until| *until > now);
        self.refresh_tokens.retain(|_, g| g.origin_jti != origin_jti);
        self.retired_refresh_tokens.retain(|_, (g, _)| g.origin_jti != origin_jti);
        self.revoked_origins.insert(origin_jti.to_string(), remember_until);
    }

    /// Every token family of one user, as `AdminUserGlobalSignOut` would end them.
    pub fn revoke_user(&mut self, username: &str, remember_until: SystemTime, now: SystemTime) -> usize {
        let mut origins: Vec<String> = self
            .refresh_tokens
            .values()
            .filter(|g| g.identity.username == username)
            .map(|g| g.origin_jti.clone())
            .collect();
        origins.sort();
        origins.dedup();
        for origin in &origins {
            self.revoke_origin(origin, remember_until, now);
        }
        origins.len()
    }

    pub fn is_origin_revoked(&self, origin_jti: &str) -> bool {
        self.revoked_origins.contains_key(origin_jti)
    }

    pub fn insert_session(&mut self, id: String, session: ProviderSession, now: SystemTime) {
        self.sessions.retain(|_, s| s.expires_at > now);
        self.sessions.insert(id, session);
    }

    pub fn session(&self, id: &str, now: SystemTime) -> Option<ProviderSession> {
        self.sessions.get(id).filter(|s| s.expires_at > now).cloned()
    }

    pub fn remove_session(&mut self, id: &str) {
        self.sessions.remove(id);
    }

    pub fn insert_form(&mut self, csrf: String, expires_at: SystemTime, now: SystemTime) {
        self.forms.retain(|_, until| *until > now);
        if self.forms.len() >= MAX_FORMS {
            // Oldest forms are the least likely to be submitted.
            if let Some(oldest) = self.forms.iter().min_by_key(|(_, until)| **until).map(|(k, _)| k.clone()) {
                self.forms.remove(&oldest);
            }
        }
        self.forms.insert(csrf, expires_at);
    }

    /// Each form's token works once.
    pub fn take_form(&mut self, csrf: &str, now: SystemTime) -> bool {
        self.forms.remove(csrf).is_some_and(|until| until > now)
    }
}

#[cfg(test)]
mod tests {
    use std::{collections::BTreeMap, time::Duration};

    use super::*;

    fn identity() -> Identity {
        Identity {
            username: "u".into(),
            sub: "s".into(),
            email: "u@x".into(),
            email_verified: true,
            groups: vec![],
            attributes: BTreeMap::new(),
            identities: None,
        }
    }

    fn grant(origin: &str, expires_at: SystemTime) -> RefreshGrant {
        RefreshGrant {
            client_id: "c".into(),
            identity: identity(),
            scopes: vec![],
            auth_time: 0,
            origin_jti: origin.into(),
            with_id_token: true,
            expires_at,
        }
    }

    #[test]
    fn codes_are_single_use_and_expire() {
        let now = SystemTime::now();
        let mut store = Store::default();
        let code = AuthorizationCode {
            client_id: "c".into(),
            redirect_uri: "r".into(),
            scopes: vec![],
            nonce: None,
            code_challenge: None,
            identity: identity(),
            auth_time: 0,
            expires_at: now + Duration::from_secs(300),
        };
        store.insert_code("a".into(), code.clone(), now);
        assert!(store.take_code("a", now).is_some());
        assert!(store.take_code("a", now).is_none());
        store.insert_code("b".into(), code, now);
        assert!(store.take_code("b", now + Duration::from_secs(301)).is_none());
    }

    #[test]
    fn revoking_an_origin_kills_its_refresh_tokens_only() {
        let now = SystemTime::now();
        let later = now + Duration::from_secs(60);
        let mut store = Store::default();
        store.insert_refresh_token("r1".into(), grant("o1", later), now);
        store.insert_refresh_token("r2".into(), grant("o2", later), now);
        store.revoke_origin("o1", later, now);
        assert_eq!(store.refresh_grant("r1", now).err(), Some(RefreshProblem::Unknown));
        assert!(store.refresh_grant("r2", now).is_ok());
        assert!(store.is_origin_revoked("o1"));
        assert!(!format!("{store:?}").contains("r2"), "Debug never prints a token");
        assert_eq!(store.refresh_grant("r2", later).err(), Some(RefreshProblem::Expired));
    }

    #[test]
    fn rotation_retires_the_old_token() {
        let now = SystemTime::now();
        let mut store = Store::default();
        store.insert_refresh_token("old".into(), grant("o", now + Duration::from_secs(60)), now);
        assert!(store.rotate_refresh_token("old", "new".into(), now, Duration::ZERO).is_some());
        assert!(store.refresh_grant("old", now).is_err());
        assert!(store.refresh_grant("new", now).is_ok());
        assert!(store.rotate_refresh_token("old", "newer".into(), now, Duration::ZERO).is_none());
    }

    #[test]
    fn a_revoked_family_takes_its_tokens_in_grace_with_it() {
        let now = SystemTime::now();
        let grace = Duration::from_secs(30);
        let mut store = Store::default();
        store.insert_refresh_token("old".into(), grant("o", now + Duration::from_secs(600)), now);
        assert!(store.rotate_refresh_token("old", "new".into(), now, grace).is_some());
        assert!(store.refresh_grant("old", now).is_ok(), "in its grace period");
        assert_eq!(store.refresh_token_owner("old").map(|(_, origin)| origin.to_string()).as_deref(), Some("o"));
        store.revoke_origin("o", now + grace, now);
        assert!(store.refresh_grant("old", now).is_err());
        assert!(
            store.rotate_refresh_token("old", "again".into(), now, grace).is_none(),
            "revocation ends the grace too"
        );
    }

    #[test]
    fn forms_work_once() {
        let now = SystemTime::now();
        let mut store = Store::default();
        store.insert_form("t".into(), now + Duration::from_secs(10), now);
        assert!(store.take_form("t", now));
        assert!(!store.take_form("t", now));
    }
}
