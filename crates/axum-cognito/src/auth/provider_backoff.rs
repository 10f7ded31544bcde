//! How long to leave the identity provider alone after a refresh failed for a reason that may
//! pass: throttling (Cognito counts refresh grants against the account's request quota, so
//! retrying at once makes it worse), a network error or 5xx, an answer that does not parse,
//! signing keys that cannot be loaded.
//!
//! Exponential back-off, as the AWS SDKs retry throttled calls: the first failure waits
//! `FIRST_WAIT`, each further one twice as long up to `LONGEST_WAIT`; a success resets it.
//! Shared by every session of the instance, since all of them talk to the same provider.

use std::{
    sync::Mutex,
    time::{Duration, Instant},
};

const FIRST_WAIT: Duration = Duration::from_millis(500);
const LONGEST_WAIT: Duration = Duration::from_secs(30);

/// The back-off state shared by every session of the instance (see the module notes); the default
/// waits for nothing.
#[derive(Default)]
pub struct ProviderBackoff {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    failures: u32,
    until: Option<Instant>,
}

impl ProviderBackoff {
    /// Time left before the next attempt may be made; `None`: go ahead.
    pub fn remaining(&self) -> Option<Duration> {
        let state = self.lock();
        state.until.and_then(|until| until.checked_duration_since(Instant::now())).filter(|d| !d.is_zero())
    }

    /// Records a failure; returns how long to wait before the next attempt.
    pub fn failed(&self) -> Duration {
        let mut state = self.lock();
        let wait = FIRST_WAIT.saturating_mul(1 << state.failures.min(16)).min(LONGEST_WAIT);
        state.failures = state.failures.saturating_add(1);
        state.until = Some(Instant::now() + wait);
        wait
    }

    /// Records a success: attempts may go ahead now, and the next failure waits the shortest time
    /// again.
    pub fn succeeded(&self) {
        *self.lock() = State::default();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Plain field updates: a panic cannot leave the state inconsistent.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Seconds for a `Retry-After` header: the wait rounded up, at least one.
pub fn retry_after_secs(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0).max(u64::from(wait.is_zero()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_up_to_a_limit_and_reset_on_success() {
        let backoff = ProviderBackoff::default();
        assert!(backoff.remaining().is_none());
        // The figures the README gives: half a second, doubling, up to 30 s.
        let waits: Vec<Duration> = (0..9).map(|_| backoff.failed()).collect();
        let millis = |ms: u64| Duration::from_millis(ms);
        assert_eq!(
            waits,
            [
                millis(500),
                millis(1_000),
                millis(2_000),
                millis(4_000),
                millis(8_000),
                millis(16_000),
                millis(30_000),
                millis(30_000),
                millis(30_000)
            ]
        );
        assert!(backoff.remaining().is_some());
        for _ in 0..40 {
            backoff.failed();
        }
        assert_eq!(backoff.failed(), Duration::from_secs(30), "no overflow after many failures");
        backoff.succeeded();
        assert!(backoff.remaining().is_none());
        assert_eq!(backoff.failed(), millis(500));
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_secs(Duration::from_millis(500)), 1);
        assert_eq!(retry_after_secs(Duration::from_secs(2)), 2);
        assert_eq!(retry_after_secs(Duration::from_millis(2_001)), 3);
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
    }
}
