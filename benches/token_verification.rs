//! Access-token verification cost: cold (JWT parsing, RS256 signature, claims) and warm (a hit
//! in the verified-token cache). Run with `cargo bench --features ssr --bench token_verification`.
//!
//! The keys and the token come from the embedded identity provider on a loopback port, so the
//! token is exactly what the API sees in production.

use std::{sync::Arc, time::Duration};

use cognito_local_idp::{self as local_idp, LocalIdp, LocalIdpOptions, defaults, secret_hash};
use criterion::{Criterion, criterion_group, criterion_main};
use futures::executor::block_on;
use leptos_cognito::server::{
    auth::{
        access_token_cache::AccessTokenCache,
        jwks::{JwksCache, TokenSource},
        verify::TokenVerifier,
    },
    clock::{SharedClock, SystemClock},
    config::LocalIdpSettings,
};
use tokio::net::TcpListener;

struct Fixture {
    verifier: TokenVerifier,
    cache: AccessTokenCache,
    token: String,
    clients: Vec<String>,
}

async fn fixture() -> Fixture {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let domain = format!("http://{addr}");
    let settings = LocalIdpSettings {
        addr,
        users_file: None,
        keys_file: "unused".into(),
        id_token_ttl: Duration::from_secs(3600),
        access_token_ttl: Duration::from_secs(3600),
        refresh_token_ttl: Duration::from_secs(3600),
        refresh_token_rotation: false,
        refresh_token_retry_grace: Duration::ZERO,
    };
    let mut options =
        LocalIdpOptions::from_settings(domain.clone(), &settings, "http://localhost/cb", "http://localhost/", &[])
            .expect("options");
    options.keys_file = None;
    let idp = LocalIdp::new(options).expect("provider");
    let issuer = idp.issuer();
    tokio::spawn(local_idp::serve(idp, listener, std::future::pending()));

    let (user, password) = ("user@example.com", "User-Passw0rd!");
    let answer: serde_json::Value = reqwest::Client::new()
        .post(format!("{domain}/"))
        .header("content-type", "application/x-amz-json-1.1")
        .header("x-amz-target", "AWSCognitoIdentityProviderService.InitiateAuth")
        .json(&serde_json::json!({
            "AuthFlow": "USER_PASSWORD_AUTH",
            "ClientId": defaults::CLIENT_ID,
            "AuthParameters": {
                "USERNAME": user,
                "PASSWORD": password,
                "SECRET_HASH": secret_hash(defaults::CLIENT_SECRET, user, defaults::CLIENT_ID),
            }
        }))
        .send()
        .await
        .expect("InitiateAuth")
        .json()
        .await
        .expect("json");
    let token = answer["AuthenticationResult"]["AccessToken"].as_str().expect("access token").to_string();

    let clock: SharedClock = Arc::new(SystemClock);
    let jwks =
        Arc::new(JwksCache::new(reqwest::Client::new(), format!("{issuer}/.well-known/jwks.json"), clock.clone()));
    jwks.preload().await;
    let verifier = TokenVerifier::new(vec![issuer], defaults::CLIENT_ID.into(), jwks, clock.clone());
    Fixture { verifier, cache: AccessTokenCache::new(clock), token, clients: vec![defaults::CLIENT_ID.into()] }
}

fn verification(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let fixture = runtime.block_on(fixture());
    // With the keys cached, verification never waits: a plain executor measures it without a
    // runtime's scheduling cost.
    block_on(fixture.cache.verify(&fixture.verifier, &fixture.token, &fixture.clients)).expect("valid token");

    c.bench_function("access token, cold: signature and claims", |b| {
        b.iter(|| {
            block_on(fixture.verifier.verify_access_token(&fixture.token, &fixture.clients, TokenSource::Caller))
                .expect("valid")
        })
    });
    c.bench_function("access token, warm: verified-token cache hit", |b| {
        b.iter(|| block_on(fixture.cache.verify(&fixture.verifier, &fixture.token, &fixture.clients)).expect("valid"))
    });
}

criterion_group!(benches, verification);
criterion_main!(benches);
