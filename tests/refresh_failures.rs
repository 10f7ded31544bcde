//! Only `invalid_grant` and tokens that fail verification end a session. A refresh answered
//! with throttling, `invalid_client`, a 5xx or a truncated 200 keeps the session while its
//! access token works, then answers 503 with `Retry-After`, and recovers by itself with the
//! same cookie once the provider answers properly again. A refresh answered with tokens of
//! someone else, of another sign-in, or an ID token of another access token, ends the session. Also: a flood of Bearer tokens naming
//! made-up keys cannot delay the key refetch a real rotation needs.

mod common;

use std::time::{Duration, Instant};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use cognito_local_idp::defaults;
use common::{
    ADMIN, IdpSetup, TestStack, USER, browser, initiate_auth, location, proxy::CannedAnswer, proxy::TokenProxy,
    spawn_stack_with, spawn_stack_with_keys_through, tokens::resigned_id_token,
};
use serde_json::Value;

fn five_second_tokens() -> IdpSetup {
    IdpSetup::rotating_tokens_lasting(Duration::from_secs(5))
}

/// For a test whose requests wait on a refresh that fails: due 3 s after issue (skew 5 s), the
/// tokens still work for 5 s more, room for a loaded machine.
fn eight_second_tokens() -> IdpSetup {
    IdpSetup::rotating_tokens_lasting(Duration::from_secs(8))
}

async fn behind_proxy() -> (TestStack, TokenProxy) {
    let proxy = TokenProxy::start().await;
    let stack = spawn_stack_with(
        &[("COGNITO_DOMAIN", proxy.url.as_str()), ("TOKEN_REFRESH_SKEW_SECS", "2")],
        five_second_tokens(),
    )
    .await;
    proxy.forward_to(&stack.idp.domain);
    (stack, proxy)
}

/// `/api/v1/me` of `browser`'s session, sent now and answered later: a request in flight.
fn me_in_flight(browser: &reqwest::Client, stack: &TestStack) -> tokio::task::JoinHandle<u16> {
    let (browser, url) = (browser.clone(), stack.app.url("/api/v1/me"));
    tokio::spawn(async move { browser.get(url).send().await.unwrap().status().as_u16() })
}

async fn status_of(browser: &reqwest::Client, url: String) -> reqwest::Response {
    browser.get(url).send().await.unwrap()
}

/// `/api/v1/me`'s status once it is no longer 503 (the provider's back-off over), or 503 after
/// `within`.
async fn status_once_not_503(browser: &reqwest::Client, stack: &TestStack, within: Duration) -> u16 {
    let started = Instant::now();
    loop {
        let status = status_of(browser, stack.app.url("/api/v1/me")).await.status().as_u16();
        if status != 503 || started.elapsed() > within {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn keeps_the_session_through(answer: CannedAnswer) {
    let what = format!("{} {}", answer.0, answer.2);
    let (stack, proxy) = behind_proxy().await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    proxy.answer_token_requests(Some(answer));

    // The refresh is due and fails; the access token is still valid and carries the request.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(status_of(&browser, stack.app.url("/api/v1/me")).await.status(), 200, "{what}");
    assert!(proxy.canned_answers() >= 1, "{what}: a refresh was attempted");

    // Expired, and the provider still cannot refresh: 503 with Retry-After, not a sign-out.
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let api = status_of(&browser, stack.app.url("/api/v1/me")).await;
    assert_eq!(api.status(), 503, "{what}");
    assert!(api.headers().contains_key("retry-after"), "{what}: the API says when to retry");
    assert_eq!(api.json::<serde_json::Value>().await.unwrap()["error"], "temporarily_unavailable");
    let page = status_of(&browser, stack.app.url("/dashboard")).await;
    assert_eq!(page.status(), 503, "{what}");
    assert!(page.headers().contains_key("retry-after"), "{what}");
    assert!(page.text().await.unwrap().contains("You are still signed in"), "{what}");
    // Public pages show the sign-in state too, so they say the same (not "signed out").
    let home = status_of(&browser, stack.app.url("/")).await;
    assert_eq!(home.status(), 503, "{what}");
    assert!(home.headers().contains_key("retry-after"), "{what}");
    assert!(home.text().await.unwrap().contains("You are still signed in"), "{what}");

    // Requests within the back-off do not each hit the provider.
    let attempts = proxy.canned_answers();
    for _ in 0..10 {
        status_of(&browser, stack.app.url("/api/v1/me")).await;
    }
    assert!(proxy.canned_answers() - attempts <= 1, "{what}: the provider is left alone while backing off");

    // The provider recovers: the same cookie works again, without signing in.
    proxy.answer_token_requests(None);
    assert_eq!(
        status_once_not_503(&browser, &stack, Duration::from_secs(40)).await,
        200,
        "{what}: recovered by itself"
    );
    assert_eq!(status_of(&browser, stack.app.url("/dashboard")).await.status(), 200, "{what}");
}

/// A provider domain that cannot be reached at all (connection refused, no HTTP answer) is an
/// outage like a 5xx: at the callback a 424 page and no session; at refresh the session stays,
/// carried by its access token while that works, then 503 with `Retry-After`, and it recovers
/// by itself with the same cookie once the domain answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_keeps_the_session() {
    let (stack, proxy) = behind_proxy().await;
    let browser = browser();
    let callback = stack.callback_url(&browser, USER, None).await;
    proxy.go_offline().await;
    let refused = browser.get(&callback).send().await.unwrap();
    assert_eq!(refused.status(), 424, "the code cannot be redeemed");
    assert!(common::set_cookies(&refused).iter().all(|c| !c.starts_with("lc_session=")), "no session");
    assert!(refused.text().await.unwrap().contains("data-testid=\"sign-in-error\""));

    proxy.come_back().await;
    assert_eq!(stack.sign_in(&browser, USER, None).await.status(), 303, "signed in once it answers");
    proxy.go_offline().await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(status_of(&browser, stack.app.url("/api/v1/me")).await.status(), 200, "the access token carries it");
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    let api = status_of(&browser, stack.app.url("/api/v1/me")).await;
    assert_eq!(api.status(), 503, "expired, and no refresh possible");
    assert!(api.headers().contains_key("retry-after"));
    let page = status_of(&browser, stack.app.url("/dashboard")).await;
    assert_eq!(page.status(), 503);
    assert!(page.text().await.unwrap().contains("You are still signed in"));

    proxy.come_back().await;
    assert_eq!(status_once_not_503(&browser, &stack, Duration::from_secs(40)).await, 200, "recovered by itself");
}

/// Signing keys that cannot be loaded keep the session like any other provider outage: here
/// the pool rotates its keys, so the refreshed tokens name a key the app has not seen, and the
/// key set is out of reach (at Cognito it lives on another host than the token endpoint). The
/// tokens say nothing against the session; the app cannot check them yet. Refresh tokens
/// rotate here: each failed attempt's new refresh token must be kept (the provider retired the
/// one before), also by a request that answers 503, or recovery would be `invalid_grant`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_keys_out_of_reach_at_refresh_keep_the_session() {
    let proxy = TokenProxy::start().await;
    let mut stack = spawn_stack_with_keys_through(&proxy, eight_second_tokens()).await;
    stack.restart_app_with(&[("TOKEN_REFRESH_SKEW_SECS", "5")]).await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    stack.idp.idp.rotate_keys().unwrap();
    proxy.keys_unavailable(true);

    // Several requests at once: the first refreshes, the others wait for its turn holding the
    // session as it was, with the refresh token the provider is about to retire.
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let grants = stack.idp.idp.stats().refresh_grants;
    let requests: Vec<_> = (0..6)
        .map(|_| {
            let (browser, url) = (browser.clone(), stack.app.url("/api/v1/me"));
            tokio::spawn(async move { browser.get(url).send().await.unwrap().status().as_u16() })
        })
        .collect();
    for request in requests {
        assert_eq!(request.await.unwrap(), 200, "the access token carries them");
    }
    // The waiters found the back-off the first one's failure set, and left the provider alone.
    assert_eq!(stack.idp.idp.stats().refresh_grants - grants, 1, "one refresh grant for six requests");

    // Past the tokens' expiry (8 s after issue; 3.5 s went by before the requests).
    tokio::time::sleep(Duration::from_millis(5_000)).await;
    let api = status_of(&browser, stack.app.url("/api/v1/me")).await;
    assert_eq!(api.status(), 503);
    assert!(api.headers().contains_key("retry-after"));
    assert_eq!(api.json::<Value>().await.unwrap()["error"], "temporarily_unavailable");
    let page = status_of(&browser, stack.app.url("/dashboard")).await;
    assert_eq!(page.status(), 503, "not the session-expired page");
    assert!(page.text().await.unwrap().contains("You are still signed in"));

    proxy.keys_unavailable(false);
    let recovered = status_once_not_503(&browser, &stack, Duration::from_secs(45)).await;
    assert_eq!(recovered, 200, "recovered by itself, same cookie");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_keeps_the_session() {
    let body = r#"{"error":"TooManyRequestsException","error_description":"Rate exceeded"}"#;
    keeps_the_session_through((429, "application/json", body.into())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_client_keeps_the_session() {
    keeps_the_session_through((400, "application/json", r#"{"error":"invalid_client"}"#.into())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_keeps_the_session() {
    keeps_the_session_through((500, "text/html", "<h1>Internal error</h1>".into())).await;
}

/// A refresh answer lost on its way: here a real, valid answer made larger than the 64 KiB the
/// app reads of one (Cognito's are a few KiB), which the app takes for a malformed answer. The
/// provider has acted on the grant all the same. Without rotation the session goes on and
/// recovers; with rotation the provider retired the refresh token the app still holds, so the
/// session ends at the next attempt (`invalid_grant`), unless the pool's retry grace period
/// (`RetryGracePeriodSeconds`) lets that token work once more, as the README says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_refresh_answer_ends_the_session_only_under_rotation_without_a_grace_period() {
    for (rotation, grace_secs, kept) in [(false, 0, true), (true, 30, true), (true, 0, false)] {
        let why = format!("rotation {rotation}, grace period {grace_secs} s");
        let proxy = TokenProxy::start().await;
        let setup = IdpSetup {
            refresh_token_rotation: rotation,
            refresh_token_retry_grace: Duration::from_secs(grace_secs),
            ..five_second_tokens()
        };
        let vars = [("COGNITO_DOMAIN", proxy.url.as_str()), ("TOKEN_REFRESH_SKEW_SECS", "2")];
        let stack = spawn_stack_with(&vars, setup).await;
        proxy.forward_to(&stack.idp.domain);
        let browser = browser();
        stack.sign_in(&browser, USER, None).await;
        let padding = "x".repeat(70 * 1024);
        proxy.tamper(move |json| json["padding"] = Value::from(padding.clone()));
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        assert_eq!(status_of(&browser, stack.app.url("/api/v1/me")).await.status(), 200, "{why}: the token works");
        let grants = stack.idp.idp.stats().refresh_grants;
        assert_eq!(grants, 1, "{why}: the provider granted the refresh whose answer was lost");

        proxy.tamper(|_| {});
        tokio::time::sleep(Duration::from_millis(2_000)).await;
        let status = status_once_not_503(&browser, &stack, Duration::from_secs(40)).await;
        assert_eq!(status, if kept { 200 } else { 401 }, "{why}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_truncated_answer_keeps_the_session() {
    keeps_the_session_through((200, "application/json", r#"{"access_token":"eyJraWQiOiJ"#.into())).await;
}

/// Once the refresh is due (the proxy now answers it with tokens the pool validly signed for this
/// client, but not a refresh of this sign-in), the session ends as after `invalid_grant`: it
/// does not go on as whoever the new tokens name.
async fn the_refresh_ends_the_session(stack: &TestStack, browser: &reqwest::Client, what: &str) {
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    let page = status_of(browser, stack.app.url("/dashboard")).await;
    assert_eq!(location(&page), "/auth/login?return_to=%2Fdashboard", "{what}");
    let api = status_of(browser, stack.app.url("/api/v1/me")).await;
    assert_eq!(api.status(), 401, "{what}: the session is gone");
    let page = status_of(browser, stack.app.url("/dashboard")).await;
    assert_eq!(location(&page), "/auth/login?return_to=%2Fdashboard", "{what}: signed out, not someone else");
}

/// The ID and access tokens of another sign-in, a pair that belongs together (the ID token's
/// `at_hash` is that access token's).
fn tokens_of(sign_in: &Value) -> impl Fn(&mut Value) + Send + Sync + 'static {
    let id_token = sign_in["IdToken"].clone();
    let access_token = sign_in["AccessToken"].clone();
    move |json: &mut Value| {
        json["id_token"] = id_token.clone();
        json["access_token"] = access_token.clone();
    }
}

/// While one request of a session refreshes (here the token endpoint takes 6 s), another whose
/// access token still works waits at most 2 s for it, then goes on with the tokens it has.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_with_a_working_access_token_waits_at_most_two_seconds_for_a_refresh() {
    let proxy = TokenProxy::start().await;
    // Due 1 s after issue, valid for 5: the tokens work throughout the wait.
    let vars = [("COGNITO_DOMAIN", proxy.url.as_str()), ("TOKEN_REFRESH_SKEW_SECS", "4")];
    let stack = spawn_stack_with(&vars, five_second_tokens()).await;
    proxy.forward_to(&stack.idp.domain);
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    proxy.delay_token_answers(Duration::from_secs(6));

    let refreshing = me_in_flight(&browser, &stack);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let waiting = status_of(&browser, stack.app.url("/api/v1/me")).await;
    let waited = started.elapsed();
    assert_eq!(waiting.status(), 200, "went on with its working tokens");
    assert!(waited >= Duration::from_millis(1_500) && waited < Duration::from_secs(4), "waited {waited:?}");
    assert_eq!(refreshing.await.unwrap(), 200, "the refresh itself completes");
    assert_eq!(stack.idp.idp.stats().refresh_grants, 1, "one refresh");
}

/// A request whose access token has expired has nothing to go on with: it waits for the
/// session's refresh in flight for as long as that takes (here 3 s, beyond the 2 s a request
/// with working tokens waits), and gets the refreshed session, not a 503; one grant in all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_working_tokens_waits_for_the_refresh_in_flight() {
    let (stack, proxy) = behind_proxy().await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    tokio::time::sleep(Duration::from_millis(6_200)).await;
    proxy.delay_token_answers(Duration::from_secs(3));
    let grants = stack.idp.idp.stats().refresh_grants;

    let refreshing = me_in_flight(&browser, &stack);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = Instant::now();
    let waiting = status_of(&browser, stack.app.url("/api/v1/me")).await;
    let waited = started.elapsed();
    assert_eq!(waiting.status(), 200, "waited for the refresh, after {waited:?}");
    assert!(waited >= Duration::from_millis(2_200), "it waited for the refresh itself: {waited:?}");
    assert_eq!(refreshing.await.unwrap(), 200);
    proxy.delay_token_answers(Duration::ZERO);
    assert_eq!(stack.idp.idp.stats().refresh_grants, grants + 1, "one refresh for both");
}

/// A request whose client goes away while its refresh is on the way (a closed tab, a page that
/// navigated on) does not lose the refresh: with rotation the provider has retired the old
/// refresh token by then, and only the answer's new one works. Here the answer takes 2 s and the
/// client gives up after 0.3 s; the refresh completes without it, and the session goes on with
/// its tokens (without the refresh task, the next refresh presents the retired token and the
/// provider answers `invalid_grant`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_completes_when_its_request_is_cancelled() {
    let (stack, proxy) = behind_proxy().await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    proxy.delay_token_answers(Duration::from_secs(2));
    let impatient = browser.get(stack.app.url("/api/v1/me")).timeout(Duration::from_millis(300)).send().await;
    assert!(impatient.is_err(), "the client gave up before the answer");
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    proxy.delay_token_answers(Duration::ZERO);
    assert_eq!(status_of(&browser, stack.app.url("/api/v1/me")).await.status(), 200, "the same session");
    assert!(stack.idp.idp.stats().refresh_grants >= 1, "the cancelled request's refresh happened");
    // And the session goes on refreshing with the rotated tokens.
    for round in 1..=2 {
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        assert_eq!(status_of(&browser, stack.app.url("/api/v1/me")).await.status(), 200, "round {round}");
    }
}

/// OpenID Connect Core §12.2: a refreshed ID token's `sub` must be the one of the sign-in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_answered_with_someone_elses_tokens_ends_the_session() {
    let (stack, proxy) = behind_proxy().await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    let someone_else = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, ADMIN).await;
    proxy.tamper(tokens_of(&someone_else));
    the_refresh_ends_the_session(&stack, &browser, "another sub").await;
}

/// OpenID Connect Core §12.2: a refreshed ID token keeps the `auth_time` of the sign-in; the
/// tokens of a later sign-in of the same person are not a refresh of this one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_answered_with_another_sign_ins_tokens_ends_the_session() {
    let (stack, proxy) = behind_proxy().await;
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    // `auth_time` counts seconds: a sign-in more than a second later has another.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let later = initiate_auth(&stack.idp.domain, defaults::CLIENT_ID, USER).await;
    proxy.tamper(tokens_of(&later));
    the_refresh_ends_the_session(&stack, &browser, "another auth_time").await;
}

/// OpenID Connect Core §12.2: a refreshed ID token comes from the issuer of the sign-in. The
/// app accepts two issuers here (Cognito emits a pool's under two hosts, `COGNITO_ISSUERS`), and
/// the refresh brings an ID token of the other one, validly signed by the pool, about the same
/// person and sign-in: the session ends all the same. Without the tampering, refreshes pass.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refreshed_id_token_from_the_other_accepted_issuer_ends_the_session() {
    for tampered in [false, true] {
        let keys = tempfile::tempdir().unwrap();
        let keys_file = keys.path().join("keys.json");
        let setup = IdpSetup { keys_file: Some(keys_file.clone()), ..five_second_tokens() };
        let proxy = TokenProxy::start().await;
        let vars = [("COGNITO_DOMAIN", proxy.url.as_str()), ("TOKEN_REFRESH_SKEW_SECS", "2")];
        let mut stack = spawn_stack_with(&vars, setup).await;
        proxy.forward_to(&stack.idp.domain);
        // The provider's own issuer, and the pool's other form.
        let second = format!("https://issuer-cognito-idp.us-east-1.amazonaws.com/{}", defaults::USER_POOL_ID);
        let issuers = format!("{},{second}", stack.idp.idp.issuer());
        stack.restart_app_with(&[("COGNITO_ISSUERS", issuers.as_str())]).await;
        let browser = browser();
        stack.sign_in(&browser, USER, None).await;
        if tampered {
            proxy.tamper(move |json| {
                let token = json["id_token"].as_str().unwrap().to_string();
                let resigned = resigned_id_token(&keys_file, &token, |claims| {
                    claims.insert("iss".into(), Value::String(second.clone()));
                });
                json["id_token"] = Value::String(resigned);
            });
            the_refresh_ends_the_session(&stack, &browser, "another iss").await;
        } else {
            tokio::time::sleep(Duration::from_millis(3_500)).await;
            let page = status_of(&browser, stack.app.url("/dashboard")).await;
            assert_eq!(page.status(), 200, "refreshed from the same issuer");
            assert_eq!(stack.idp.idp.stats().refresh_grants, 1);
        }
    }
}

/// OpenID Connect Core §3.1.3.8: an ID token's `at_hash`, when it has one, is the hash of the
/// access token it came with, and the app checks it on refreshed tokens too. Here the refresh
/// brings back the sign-in's own ID token (same person,
/// same `auth_time`, still unexpired, validly signed) beside a new access token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refreshed_id_token_of_another_access_token_ends_the_session() {
    let (stack, proxy) = behind_proxy().await;
    let first_id_token = std::sync::Mutex::new(None::<Value>);
    proxy.tamper(move |json| {
        let mut first = first_id_token.lock().unwrap();
        match &*first {
            None => *first = Some(json["id_token"].clone()),
            Some(id_token) => json["id_token"] = id_token.clone(),
        }
    });
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    the_refresh_ends_the_session(&stack, &browser, "at_hash").await;
}

/// With rotation, a refresh replaces the refresh token; signing out afterwards revokes the one
/// the refresh brought (the newest), not the one of the sign-in, which the provider already
/// retired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_revokes_the_newest_refresh_token() {
    let (stack, proxy) = behind_proxy().await;
    let refresh_tokens = record_refresh_tokens(&proxy);
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(status_of(&browser, stack.app.url("/api/v1/me")).await.status(), 200, "refreshed");
    let issued = refresh_tokens.lock().unwrap().clone();
    assert_eq!(issued.len(), 2, "the sign-in's refresh token and the rotated one");
    assert_ne!(issued[0], issued[1]);

    let signed_out =
        browser.post(stack.app.url("/auth/logout")).header("origin", &stack.app.base_url).send().await.unwrap();
    assert_eq!(signed_out.status(), 303);
    assert_eq!(proxy.revoked_tokens(), vec![issued[1].clone()], "the newest refresh token is revoked");
}

/// Ending another session from the list, and signing out everywhere, revoke each session's
/// newest refresh token too: for a session that refreshed in another browser, the rotated one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ending_other_sessions_revokes_their_newest_refresh_tokens() {
    let (stack, proxy) = behind_proxy().await;
    let issued = record_refresh_tokens(&proxy);
    let issued = move || issued.lock().unwrap().clone();
    let (laptop, phone) = (browser(), browser());
    stack.sign_in(&laptop, USER, None).await;
    stack.sign_in(&phone, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(status_of(&phone, stack.app.url("/api/v1/me")).await.status(), 200, "the phone refreshed");
    let phones_newest = issued().last().cloned().unwrap();
    let html = status_of(&laptop, stack.app.url("/dashboard")).await.text().await.unwrap();
    let laptops_newest = issued().last().cloned().unwrap();
    assert_eq!(issued().len(), 4, "two sign-ins, two refreshes");
    let phone_key = common::another_listed_session(&html);

    assert_eq!(stack.end_listed_session(&laptop, &phone_key).await.status(), 303);
    assert_eq!(proxy.revoked_tokens(), vec![phones_newest], "the phone's newest refresh token");

    let tablet = browser();
    stack.sign_in(&tablet, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;
    assert_eq!(status_of(&tablet, stack.app.url("/api/v1/me")).await.status(), 200, "the tablet refreshed");
    let tablets_newest = issued().last().cloned().unwrap();
    let everywhere = stack.sign_out(&laptop, true).await;
    assert_eq!(everywhere.status(), 303);
    let mut revoked = proxy.revoked_tokens()[1..].to_vec();
    revoked.sort();
    let mut newest = vec![laptops_newest, tablets_newest];
    newest.sort();
    assert_eq!(revoked, newest, "each remaining session's newest refresh token");
}

/// A sign-out while a refresh is on its way waits for it, and revokes the refresh token that
/// refresh brings: revoking the sign-in's (which the provider retires as it rotates) would
/// leave the new one valid after the session ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_out_during_a_refresh_revokes_the_token_that_refresh_brings() {
    let (stack, proxy) = behind_proxy().await;
    let refresh_tokens = record_refresh_tokens(&proxy);
    let browser = browser();
    stack.sign_in(&browser, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;

    proxy.delay_token_answers(Duration::from_millis(1_500));
    let grants = stack.idp.idp.stats().refresh_grants;
    let refreshing = me_in_flight(&browser, &stack);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(stack.idp.idp.stats().refresh_grants, grants + 1, "the provider rotated; its answer is on its way");
    let signed_out =
        browser.post(stack.app.url("/auth/logout")).header("origin", &stack.app.base_url).send().await.unwrap();
    assert_eq!(signed_out.status(), 303);
    let in_flight = refreshing.await.unwrap();
    assert!(in_flight == 200 || in_flight == 401, "the request in flight ends cleanly: {in_flight}");

    let issued = refresh_tokens.lock().unwrap().clone();
    assert_ne!(issued[0], issued[1], "rotated");
    assert_eq!(proxy.revoked_tokens(), vec![issued[1].clone()], "the refresh's token is revoked");
    assert_eq!(status_of(&browser, stack.app.url("/api/v1/me")).await.status(), 401, "signed out");
}

/// Every refresh token the provider hands out through `proxy`, in order.
fn record_refresh_tokens(proxy: &TokenProxy) -> std::sync::Arc<std::sync::Mutex<Vec<String>>> {
    let refresh_tokens: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let kept = refresh_tokens.clone();
    proxy.tamper(move |answer| {
        if let Some(token) = answer["refresh_token"].as_str() {
            kept.lock().unwrap().push(token.to_string());
        }
    });
    refresh_tokens
}

/// A token with a made-up `kid` (and no valid signature), as anyone can send.
fn forged_token(n: usize) -> String {
    let header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"RS256","kid":"forged-{n}"}}"#));
    let payload = URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#);
    format!("{header}.{payload}.c2lnbmF0dXJl")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn forged_key_ids_do_not_delay_a_real_key_rotation() {
    let stack = spawn_stack_with(&[("TOKEN_REFRESH_SKEW_SECS", "2")], five_second_tokens()).await;
    let first = browser();
    stack.sign_in(&first, USER, None).await;
    tokio::time::sleep(Duration::from_millis(3_500)).await;

    // A flood of forged Bearer tokens, each naming a new key, runs throughout.
    let flood = {
        let url = stack.app.url("/api/v1/me");
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut refused = 0;
            for n in 0..400 {
                let response = client.get(&url).bearer_auth(forged_token(n)).send().await.unwrap();
                assert_eq!(response.status(), 401);
                refused += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            refused
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let fetches_before = stack.idp.idp.stats().jwks_requests;
    stack.idp.idp.rotate_keys().unwrap();

    // New tokens are signed with the new keys: a sign-in and a refresh right after the
    // rotation both need them at once.
    let second = browser();
    let callback = stack.sign_in(&second, USER, None).await;
    assert_eq!(callback.status(), 303, "sign-in with the new keys succeeds during the flood");
    let me = first.get(stack.app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200, "a refresh signed with the new keys keeps the session");
    let me = second.get(stack.app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), 200);

    assert_eq!(flood.await.unwrap(), 400);
    let fetches = stack.idp.idp.stats().jwks_requests - fetches_before;
    assert!(fetches <= 4, "the forged key ids cost at most one fetch per 10 s, plus the rotation's: {fetches}");
}
