//! The soak run behind `scripts/soak.sh` (ignored by the test command): simulated people sign in
//! through a round-robin proxy in front of three instances on one Redis, with 5-second tokens and
//! refresh-token rotation, and keep using pages and the API. It prints sessions lost (must be
//! 0), refresh grants per session per expiry (must be 1), and latency percentiles.
//!
//! Grants per expiry: with rotation (and no grace period) a refresh token works once, so a
//! second grant for the same expiry would be refused (`invalid_grant`) and sign the person out.
//! The run counts the grants the provider issued, the refreshes the instances completed and
//! the grants that failed: one grant per expiry means issued = completed and none failed (with
//! rotation, a second grant for one expiry presents a retired refresh token and fails), and
//! no more grants than tokens that can have come due (a refresh before its token was due
//! would succeed, and is caught by that bound).
//!
//! `SOAK_USERS` (default 200) and `SOAK_SECS` (default 120) size the run.

mod common;

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use common::{IdpSetup, USER, cluster::spawn_cluster, hosted_ui_sign_in};

const TOKEN_SECS: u64 = 5;
const SKEW_SECS: u64 = 2;

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a soak run of minutes: scripts/soak.sh"]
async fn soak() {
    let users = setting("SOAK_USERS", 200) as usize;
    let duration = Duration::from_secs(setting("SOAK_SECS", 120));
    let setup = IdpSetup {
        id_token_ttl: Duration::from_secs(TOKEN_SECS),
        access_token_ttl: Duration::from_secs(TOKEN_SECS),
        refresh_token_rotation: true,
        ..IdpSetup::default()
    };
    let cluster = Arc::new(
        spawn_cluster(
            3,
            &[("TOKEN_REFRESH_SKEW_SECS", &SKEW_SECS.to_string()), ("SIGN_IN_RATE_PER_MINUTE", "100000")],
            setup,
        )
        .await,
    );
    let metrics = leptos_cognito::server::metrics::recorder();
    let latencies = Arc::new(Mutex::new(Vec::<Duration>::new()));
    let started = Instant::now();
    let people = (0..users).map(|n| {
        let cluster = cluster.clone();
        let latencies = latencies.clone();
        tokio::spawn(async move {
            let browser = common::browser();
            let callback = hosted_ui_sign_in(&browser, &cluster.base_url, USER, None).await;
            if browser.get(&callback).send().await.map(|r| r.status().as_u16()).unwrap_or(0) != 303 {
                return (false, Duration::ZERO);
            }
            let signed_in_at = Instant::now();
            let paths = ["/api/v1/me", "/dashboard", "/api/v1/ping", "/"];
            let mut i = n;
            let mut lost = false;
            while started.elapsed() < duration {
                let path = paths[i % paths.len()];
                i += 1;
                let sent = Instant::now();
                let status = browser.get(cluster.url(path)).send().await.map(|r| r.status().as_u16()).unwrap_or(0);
                latencies.lock().unwrap().push(sent.elapsed());
                if status != 200 {
                    eprintln!("user {n}: {path} answered {status} after {:?}", signed_in_at.elapsed());
                    lost = true;
                    break;
                }
                // Each person makes a request every 0.5-1.5 s.
                tokio::time::sleep(Duration::from_millis(500 + (n as u64 * 37 % 1000))).await;
            }
            (!lost, signed_in_at.elapsed())
        })
    });
    let (mut lost, mut came_due) = (0, 0);
    for person in people.collect::<Vec<_>>() {
        let (kept, signed_in_for) = person.await.expect("joined");
        lost += usize::from(!kept);
        // Tokens are due every TOKEN_SECS - SKEW_SECS at the soonest: the most grants this
        // session could need.
        came_due += signed_in_for.as_secs().div_ceil(TOKEN_SECS - SKEW_SECS);
    }
    let grants = cluster.idp.idp.stats().refresh_grants;
    let rendered = metrics.render();
    let refreshes = |outcome_ok: bool| -> f64 {
        rendered
            .lines()
            .filter(|line| line.starts_with("lc_refresh_grants_total{"))
            .filter(|line| line.contains("outcome=\"ok\"") == outcome_ok)
            .filter_map(|line| line.rsplit_once(' ')?.1.parse::<f64>().ok())
            .sum()
    };
    let (completed, failed) = (refreshes(true), refreshes(false));
    let mut latencies = latencies.lock().unwrap().clone();
    latencies.sort();
    let percentile = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!("soak: {users} people, {:?}, 3 instances on one Redis behind a round-robin proxy", duration);
    println!("soak: requests {}, per instance {:?}", latencies.len(), cluster.served());
    println!("soak: sessions lost {lost}");
    println!(
        "soak: refresh grants issued {grants}, refreshes completed {}, failed {}: {:.3} grants per session per expiry",
        completed as u64,
        failed as u64,
        grants as f64 / completed.max(1.0)
    );
    println!("soak: tokens that could have come due {came_due}: no refresh before its token was due");
    println!("soak: latency p50 {:?}, p99 {:?}", percentile(0.5), percentile(0.99));
    assert_eq!(lost, 0, "sessions lost");
    assert_eq!(failed, 0.0, "failed refresh grants");
    assert_eq!(grants as f64, completed, "one grant per expiry");
    assert!(grants <= came_due, "no refresh before its token was due: {grants} grants, {came_due} at most");
}
