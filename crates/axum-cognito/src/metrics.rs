//! Prometheus metrics of the auth paths, recorded through the `metrics` facade and rendered by
//! `metrics-exporter-prometheus` on a listener of their own (`METRICS_ADDR`), never on the app's.
//!
//! Every metric is named here, once, with its labels; `docs/operations.md` lists them with the
//! alert a team would put on each. Label values come from fixed sets (route templates, outcome
//! names, status codes): never a raw path, a user, or a token.

use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, OnceLock},
    time::Duration,
};

use metrics::{Counter, Histogram, counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

/// Seconds: from a cache hit to a slow provider call.
const BUCKETS: &[f64] = &[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's recorder, installed on first use (several servers in one test process share
/// it, as they share the process).
pub fn recorder() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new();
            let builder = match builder.set_buckets(BUCKETS) {
                Ok(builder) => builder,
                Err(_) => PrometheusBuilder::new(),
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            handle
        })
        .clone()
}

/// Drains histogram samples into their buckets every five seconds. The exporter keeps each
/// sample until it is drained, which a scrape also does; without this, a server that nobody
/// scrapes for a while (no scraper yet, or one that is down) would hold every request's
/// latency in memory. `PrometheusBuilder::install` runs the same upkeep; `build_recorder`
/// leaves it to the caller. Runs until the runtime stops.
pub fn spawn_upkeep(handle: PrometheusHandle) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            handle.run_upkeep();
        }
    });
}

/// Counts a finished sign-in callback (`lc_sign_ins_total`); `outcome`: success, not_signed_in (a
/// `prompt=none` sign-in that found nobody signed in at the provider), or
/// a `SignInError` kind.
pub fn sign_in(outcome: &'static str) {
    counter!("lc_sign_ins_total", "outcome" => outcome).increment(1);
}

/// Counts a sign-out (`lc_sign_outs_total`); `scope`: this_session or everywhere.
pub fn sign_out(scope: &'static str) {
    counter!("lc_sign_outs_total", "scope" => scope).increment(1);
}

/// `reason`: invalid_grant, rejected_token, idle, max_age, sign_out, sign_out_everywhere, ended_by_owner,
/// replaced (a new sign-in in the same browser).
pub fn session_ended(reason: &'static str) {
    counter!("lc_sessions_ended_total", "reason" => reason).increment(1);
}

/// `outcome`: ok, invalid_grant, throttled, provider_unavailable, refused, malformed,
/// rejected_token, keys_unavailable.
pub fn refresh_grant(outcome: &'static str, took: Duration) {
    counter!("lc_refresh_grants_total", "outcome" => outcome).increment(1);
    histogram!("lc_refresh_grant_duration_seconds").record(took.as_secs_f64());
}

/// Records how long a request waited for its session's refresh lock
/// (`lc_refresh_lock_wait_seconds`).
pub fn refresh_lock_wait(waited: Duration) {
    histogram!("lc_refresh_lock_wait_seconds").record(waited.as_secs_f64());
}

/// `outcome`: ok or rejected; `reason`: a `VerifyError` kind, or `none`.
pub fn bearer_verification(outcome: &'static str, reason: &'static str) {
    // The common case, on every Bearer request, from a handle looked up once.
    if (outcome, reason) == ("ok", "none")
        && let Some(handles) = hot_handles()
    {
        handles.bearer_ok.increment(1);
        return;
    }
    counter!("lc_bearer_verifications_total", "outcome" => outcome, "reason" => reason).increment(1);
}

/// Counts a lookup in the cache of verified access tokens (`lc_verified_token_cache_total`);
/// `result`: hit or miss.
pub fn verified_token_cache(hit: bool) {
    if let Some(handles) = hot_handles() {
        if hit { &handles.cache_hit } else { &handles.cache_miss }.increment(1);
        return;
    }
    counter!("lc_verified_token_cache_total", "result" => if hit { "hit" } else { "miss" }).increment(1);
}

/// Handles of the series every Bearer request moves. A handle skips the registry lookup (a
/// hash of name and labels) that `counter!` does each time; it is taken only once the
/// recorder is installed, so it never points at the no-op recorder.
struct HotHandles {
    bearer_ok: Counter,
    cache_hit: Counter,
    cache_miss: Counter,
}

fn hot_handles() -> Option<&'static HotHandles> {
    static HANDLES: OnceLock<HotHandles> = OnceLock::new();
    HANDLE.get()?;
    Some(HANDLES.get_or_init(|| HotHandles {
        bearer_ok: counter!("lc_bearer_verifications_total", "outcome" => "ok", "reason" => "none"),
        cache_hit: counter!("lc_verified_token_cache_total", "result" => "hit"),
        cache_miss: counter!("lc_verified_token_cache_total", "result" => "miss"),
    }))
}

/// Counts a fetch of the key set (`lc_jwks_fetches_total`); `outcome`: ok or error. Sets
/// `lc_jwks_keys` to `keys_loaded`, the keys loaded afterwards.
pub fn jwks_fetch(outcome: &'static str, keys_loaded: usize) {
    counter!("lc_jwks_fetches_total", "outcome" => outcome).increment(1);
    gauge!("lc_jwks_keys").set(keys_loaded as f64);
}

/// `endpoint`: token, revoke, initiate_auth; `status`: the HTTP status, or `network_error`.
pub fn provider_call(endpoint: &'static str, status: Option<u16>, took: Duration) {
    let status = status.map_or_else(|| "network_error".to_string(), |status| status.to_string());
    counter!("lc_provider_requests_total", "endpoint" => endpoint, "status" => status).increment(1);
    histogram!("lc_provider_request_duration_seconds", "endpoint" => endpoint).record(took.as_secs_f64());
}

/// `operation`: create, save, load, delete; `outcome`: ok or error.
pub fn store_operation(operation: &'static str, ok: bool, took: Duration) {
    let outcome = if ok { "ok" } else { "error" };
    counter!("lc_session_store_operations_total", "operation" => operation, "outcome" => outcome).increment(1);
    histogram!("lc_session_store_operation_duration_seconds", "operation" => operation).record(took.as_secs_f64());
}

/// `route`: the route template (`/api/v1/me`), `fallback` for anything unrouted.
/// Every request passes here: with `METRICS_ADDR` unset nothing is recorded; with it set the
/// labels are interned strings, so counting a request allocates nothing.
pub fn http_request(route: &str, status: u16, took: Duration) {
    if HANDLE.get().is_none() {
        return;
    }
    let (requests, duration) = http_handles(interned(route), status_label(status));
    requests.increment(1);
    duration.record(took.as_secs_f64());
}

/// The request counter and latency histogram of one route and status, looked up in the
/// registry once (the set is bounded: route templates times statuses).
fn http_handles(route: &'static str, status: &'static str) -> (Counter, Histogram) {
    type Handles = HashMap<(&'static str, &'static str), (Counter, Histogram)>;
    static HANDLES: OnceLock<Mutex<Handles>> = OnceLock::new();
    let mut handles = HANDLES.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    handles
        .entry((route, status))
        .or_insert_with(|| {
            (
                counter!("lc_http_requests_total", "route" => route, "status" => status),
                histogram!("lc_http_request_duration_seconds", "route" => route),
            )
        })
        .clone()
}

/// Route templates as `'static` labels. The set is bounded by the router's templates (plus
/// "fallback"), so each is leaked once and lives as long as the process anyway.
fn interned(route: &str) -> &'static str {
    static ROUTES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let mut routes = ROUTES.get_or_init(Default::default).lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match routes.get(route) {
        Some(known) => known,
        None => {
            let leaked: &'static str = Box::leak(route.to_owned().into_boxed_str());
            routes.insert(leaked);
            leaked
        }
    }
}

/// HTTP status codes (100 to 999, as `http` allows) as `'static` labels, built once.
fn status_label(status: u16) -> &'static str {
    static LABELS: OnceLock<Vec<&'static str>> = OnceLock::new();
    let labels =
        LABELS.get_or_init(|| (0..1000u16).map(|code| &*Box::leak(code.to_string().into_boxed_str())).collect());
    labels.get(usize::from(status)).copied().unwrap_or("other")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_interned() {
        assert_eq!(interned("/api/v1/me"), "/api/v1/me");
        assert!(std::ptr::eq(interned("/api/v1/me"), interned(&String::from("/api/v1/me"))), "one copy per route");
        assert_eq!((status_label(200), status_label(503), status_label(1000)), ("200", "503", "other"));
    }
}
