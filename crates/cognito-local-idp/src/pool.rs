//! The running user pool: configuration plus the mutable state every endpoint shares.

use std::{
    collections::HashMap,
    sync::{
        Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime},
};

use super::{
    clients::ClientRegistration,
    clock::{Clock, epoch_seconds},
    identity::Identity,
    keys::KeyRing,
    lockout::Lockouts,
    store::{ProviderSession, RefreshGrant, Store},
    tokens::{MintError, MintedTokens, TokenLifetimes, TokenMint, UserGrant, random_token},
    users::LocalUser,
};
use crate::defaults;

#[derive(Debug, Default)]
pub struct Counters {
    pub code_grants: AtomicU64,
    pub refresh_grants: AtomicU64,
    pub client_credentials_grants: AtomicU64,
    pub jwks_requests: AtomicU64,
    pub revocations: AtomicU64,
    pub initiate_auth: AtomicU64,
    pub get_user: AtomicU64,
    pub user_info: AtomicU64,
    pub refused_while_unavailable: AtomicU64,
}

impl Counters {
    pub fn bump(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

pub struct Pool {
    pub domain: String,
    pub pool_id: String,
    pub issuer: String,
    pub clients: Vec<ClientRegistration>,
    pub users: Vec<LocalUser>,
    pub lifetimes: TokenLifetimes,
    pub clock: Arc<dyn Clock>,
    pub keys: RwLock<KeyRing>,
    store: Mutex<Store>,
    /// Identities that signed in, by `sub`, so userInfo can answer for federated users too.
    identities: Mutex<HashMap<String, Identity>>,
    pub counters: Counters,
    /// Wrong-password lockouts, shared by the sign-in form and `InitiateAuth`.
    pub lockouts: Lockouts,
    pub unavailable: AtomicBool,
    /// When the pool started: the `dateCreated` of simulated federated links.
    pub started_at: SystemTime,
}

impl std::fmt::Debug for Pool {
    // Only what identifies the pool: the stores hold codes, tokens and session ids.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool").field("issuer", &self.issuer).field("clients", &self.clients).finish_non_exhaustive()
    }
}

/// A completed user authentication, about to become tokens.
pub struct SignIn<'a> {
    pub identity: &'a Identity,
    pub client_id: &'a str,
    pub scopes: &'a [String],
    pub auth_time: u64,
    pub nonce: Option<&'a str>,
    pub with_id_token: bool,
    pub with_refresh_token: bool,
}

/// What a successful user sign-in hands back, in both the OAuth and the API dialect.
pub struct IssuedTokens {
    pub minted: MintedTokens,
    pub refresh_token: Option<String>,
}

impl Pool {
    pub fn new(
        domain: String,
        pool_id: String,
        clients: Vec<ClientRegistration>,
        users: Vec<LocalUser>,
        lifetimes: TokenLifetimes,
        clock: Arc<dyn Clock>,
        keys: KeyRing,
    ) -> Self {
        let issuer = format!("{domain}/{pool_id}");
        let started_at = clock.now();
        Self {
            domain,
            pool_id,
            issuer,
            clients,
            users,
            lifetimes,
            clock,
            keys: RwLock::new(keys),
            store: Mutex::new(Store::default()),
            identities: Mutex::new(HashMap::new()),
            counters: Counters::default(),
            lockouts: Lockouts::default(),
            unavailable: AtomicBool::new(false),
            started_at,
        }
    }

    pub fn now(&self) -> SystemTime {
        self.clock.now()
    }

    pub fn client(&self, client_id: &str) -> Option<&ClientRegistration> {
        self.clients.iter().find(|client| client.client_id == client_id)
    }

    pub fn user(&self, login: &str) -> Option<&LocalUser> {
        self.users
            .iter()
            .find(|user| user.username == login)
            .or_else(|| self.users.iter().find(|u| u.answers_to(login)))
    }

    pub fn endpoint(&self, path: &str) -> String {
        format!("{}{path}", self.domain)
    }

    pub fn secure_cookies(&self) -> bool {
        self.domain.starts_with("https://")
    }

    /// A poisoned lock only means another request panicked; the maps inside are still consistent.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn keys(&self) -> RwLockReadGuard<'_, KeyRing> {
        self.keys.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn remember(&self, identity: &Identity) {
        let mut identities = self.identities.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        identities.insert(identity.sub.clone(), identity.clone());
    }

    /// Signed-in identities first; local users are also found by their derived `sub`, so access
    /// tokens still work at userInfo after a restart (the keys survive it).
    pub fn identity_by_sub(&self, sub: &str) -> Option<Identity> {
        let remembered = {
            let identities = self.identities.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            identities.get(sub).cloned()
        };
        remembered.or_else(|| {
            self.users.iter().map(|user| Identity::local(user, &self.pool_id)).find(|identity| identity.sub == sub)
        })
    }

    /// Mints tokens for a fresh sign-in and, when asked, a refresh token starting a new family.
    pub fn sign_in_tokens(&self, sign_in: SignIn<'_>) -> Result<IssuedTokens, MintError> {
        let SignIn { identity, client_id, scopes, auth_time, nonce, with_id_token, with_refresh_token } = sign_in;
        let origin_jti = uuid::Uuid::new_v4().to_string();
        let now = self.now();
        let grant = UserGrant { identity, client_id, scopes, auth_time, origin_jti: &origin_jti, nonce, with_id_token };
        let minted = self.mint_user(&grant, now)?;
        self.remember(identity);
        let refresh_token = with_refresh_token.then(|| {
            let token = random_token(64);
            let grant = RefreshGrant {
                client_id: client_id.to_string(),
                identity: identity.clone(),
                scopes: scopes.to_vec(),
                auth_time,
                origin_jti: origin_jti.clone(),
                with_id_token,
                expires_at: now + self.lifetimes.refresh,
            };
            self.store().insert_refresh_token(token.clone(), grant, now);
            token
        });
        Ok(IssuedTokens { minted, refresh_token })
    }

    /// Mints tokens from a refresh token's grant; they keep its `auth_time` and `origin_jti`.
    pub fn refreshed_tokens(&self, grant: &RefreshGrant) -> Result<MintedTokens, MintError> {
        let user_grant = UserGrant {
            identity: &grant.identity,
            client_id: &grant.client_id,
            scopes: &grant.scopes,
            auth_time: grant.auth_time,
            origin_jti: &grant.origin_jti,
            nonce: None,
            with_id_token: grant.with_id_token,
        };
        self.mint_user(&user_grant, self.now())
    }

    pub fn machine_token(&self, client_id: &str, scopes: &[String]) -> Result<String, MintError> {
        let keys = self.keys();
        let mint = TokenMint { keys: &keys, issuer: &self.issuer, lifetimes: self.lifetimes, now: self.now() };
        mint.machine_token(client_id, scopes)
    }

    fn mint_user(&self, grant: &UserGrant<'_>, now: SystemTime) -> Result<MintedTokens, MintError> {
        let keys = self.keys();
        let mint = TokenMint { keys: &keys, issuer: &self.issuer, lifetimes: self.lifetimes, now };
        mint.user_tokens(grant)
    }

    /// Starts the 1-hour managed-login session; returns the cookie value.
    pub fn start_session(&self, identity: &Identity, auth_time: u64) -> String {
        let id = random_token(32);
        let now = self.now();
        let expires_at = now + Duration::from_secs(defaults::SESSION_LIFETIME_SECS);
        self.store().insert_session(
            id.clone(),
            ProviderSession { identity: identity.clone(), auth_time, expires_at },
            now,
        );
        id
    }

    /// Revoked access tokens must stay refused until they would have expired anyway.
    pub fn revocation_memory(&self) -> SystemTime {
        self.now() + self.lifetimes.access.max(self.lifetimes.id)
    }

    pub fn now_seconds(&self) -> u64 {
        epoch_seconds(self.now())
    }
}
