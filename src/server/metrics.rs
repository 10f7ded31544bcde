//! Prometheus metrics of the auth paths, recorded through the `metrics` facade and rendered by
//! `metrics-exporter-prometheus` on a listener of their own (`METRICS_ADDR`), never on the app's.
//!
//! Every metric is named here, once, with its labels; `docs/operations.md` lists them with the
//! alert a team would put on each. Label values come from fixed sets (route templates, outcome
//! names, status codes): never a raw path, a user, or a token.

use std::{sync::OnceLock, time::Duration};

use metrics::{counter, gauge, histogram};
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

pub fn sign_in(outcome: &'static str) {
    counter!("lc_sign_ins_total", "outcome" => outcome).increment(1);
}

pub fn sign_out(scope: &'static str) {
    counter!("lc_sign_outs_total", "scope" => scope).increment(1);
}

/// `reason`: invalid_grant, rejected_token, max_age, sign_out, sign_out_everywhere, ended_by_owner.
pub fn session_ended(reason: &'static str) {
    counter!("lc_sessions_ended_total", "reason" => reason).increment(1);
}

/// `outcome`: ok, invalid_grant, throttled, provider_unavailable, refused, malformed,
/// rejected_token, keys_unavailable.
pub fn refresh_grant(outcome: &'static str, took: Duration) {
    counter!("lc_refresh_grants_total", "outcome" => outcome).increment(1);
    histogram!("lc_refresh_grant_duration_seconds").record(took.as_secs_f64());
}

pub fn refresh_lock_wait(waited: Duration) {
    histogram!("lc_refresh_lock_wait_seconds").record(waited.as_secs_f64());
}

/// `outcome`: ok or rejected; `reason`: a `VerifyError` kind, or `none`.
pub fn bearer_verification(outcome: &'static str, reason: &'static str) {
    counter!("lc_bearer_verifications_total", "outcome" => outcome, "reason" => reason).increment(1);
}

pub fn verified_token_cache(hit: bool) {
    counter!("lc_verified_token_cache_total", "result" => if hit { "hit" } else { "miss" }).increment(1);
}

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
/// Every request passes here: with `METRICS_ADDR` unset nothing is recorded, so the label
/// strings are not even built.
pub fn http_request(route: &str, status: u16, took: Duration) {
    if HANDLE.get().is_none() {
        return;
    }
    let route = route.to_string();
    counter!("lc_http_requests_total", "route" => route.clone(), "status" => status.to_string()).increment(1);
    histogram!("lc_http_request_duration_seconds", "route" => route).record(took.as_secs_f64());
}
