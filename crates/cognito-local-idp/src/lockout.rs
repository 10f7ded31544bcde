//! Cognito's lockout after repeated wrong passwords ("Lockout behavior for failed sign-in
//! attempts", Amazon Cognito Developer Guide, Authentication): after five failed password
//! sign-ins a user is locked out for one second, and each further failure doubles the lockout,
//! up to about fifteen minutes: 2^(n-5) seconds after the n-th failure. Attempts during a
//! lockout answer "Password attempts exceeded" and do not count. A successful sign-in after the
//! lockout, or fifteen minutes without any attempt, starts the count again.
//!
//! The managed-login form and `InitiateAuth` share one count per user, as they share one user.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, SystemTime},
};

/// Failures allowed before the first lockout.
pub const FREE_FAILURES: u32 = 5;
/// The longest lockout ("approximately 15 minutes").
pub const LONGEST_LOCKOUT: Duration = Duration::from_secs(15 * 60);
/// Quiet time after which the count starts again.
pub const QUIET_RESET: Duration = Duration::from_secs(15 * 60);
/// Cognito's message for an attempt during a lockout (with `NotAuthorizedException`).
pub const PASSWORD_ATTEMPTS_EXCEEDED: &str = "Password attempts exceeded";

#[derive(Debug, Clone, Copy)]
struct Attempts {
    failures: u32,
    locked_until: Option<SystemTime>,
    last_attempt: SystemTime,
}

/// An attempt refused because the user is locked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockedOut;

/// Failed attempts per user. Keyed by the pool's username of an existing user, so it holds at
/// most one entry per user of the pool, whatever names an attacker tries.
#[derive(Debug, Default)]
pub struct Lockouts {
    attempts: Mutex<HashMap<String, Attempts>>,
}

impl Lockouts {
    /// Call before checking the password: refuses while a lockout runs. Every call is an attempt
    /// for the quiet-time reset.
    pub fn admit(&self, username: &str, now: SystemTime) -> Result<(), LockedOut> {
        let mut attempts = self.lock();
        let Some(entry) = attempts.get_mut(username) else { return Ok(()) };
        if entry.locked_until.is_some_and(|until| now < until) {
            entry.last_attempt = now;
            return Err(LockedOut);
        }
        if now.duration_since(entry.last_attempt).unwrap_or_default() >= QUIET_RESET {
            attempts.remove(username);
            return Ok(());
        }
        entry.last_attempt = now;
        Ok(())
    }

    /// A wrong password: counts, and from the fifth on starts a lockout.
    pub fn failed(&self, username: &str, now: SystemTime) {
        let mut attempts = self.lock();
        let entry = attempts.entry(username.to_string()).or_insert(Attempts {
            failures: 0,
            locked_until: None,
            last_attempt: now,
        });
        entry.failures = entry.failures.saturating_add(1);
        entry.last_attempt = now;
        entry.locked_until = lockout_after(entry.failures).map(|lockout| now + lockout);
    }

    /// A correct password (after `admit`): the count starts again.
    pub fn succeeded(&self, username: &str) {
        self.lock().remove(username);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Attempts>> {
        self.attempts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How long the `failures`-th failure locks the user out: none before the fifth, then
/// 2^(failures-5) seconds, at most [`LONGEST_LOCKOUT`].
pub fn lockout_after(failures: u32) -> Option<Duration> {
    let beyond = failures.checked_sub(FREE_FAILURES)?;
    let seconds = 1u64.checked_shl(beyond).unwrap_or(u64::MAX);
    Some(Duration::from_secs(seconds).min(LONGEST_LOCKOUT))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn lockouts_start_at_the_fifth_failure_and_double_up_to_fifteen_minutes() {
        assert_eq!(lockout_after(4), None);
        assert_eq!(lockout_after(5), Some(SECOND));
        assert_eq!(lockout_after(6), Some(2 * SECOND));
        assert_eq!(lockout_after(10), Some(32 * SECOND));
        assert_eq!(lockout_after(15), Some(LONGEST_LOCKOUT));
        assert_eq!(lockout_after(200), Some(LONGEST_LOCKOUT), "no overflow however many failures");
    }

    #[test]
    fn attempts_during_a_lockout_are_refused_and_do_not_count() {
        let lockouts = Lockouts::default();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        for _ in 0..5 {
            assert_eq!(lockouts.admit("alice", start), Ok(()));
            lockouts.failed("alice", start);
        }
        for _ in 0..10 {
            assert_eq!(lockouts.admit("alice", start), Err(LockedOut));
        }
        // One second later: admitted; the next failure is the sixth, two seconds.
        let later = start + SECOND;
        assert_eq!(lockouts.admit("alice", later), Ok(()));
        lockouts.failed("alice", later);
        assert_eq!(lockouts.admit("alice", later + SECOND), Err(LockedOut));
        assert_eq!(lockouts.admit("alice", later + 2 * SECOND), Ok(()));
        assert_eq!(lockouts.admit("bob", start), Ok(()), "one user's failures lock no one else");
    }

    #[test]
    fn success_or_fifteen_quiet_minutes_start_the_count_again() {
        let lockouts = Lockouts::default();
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        for _ in 0..5 {
            lockouts.failed("alice", start);
        }
        lockouts.succeeded("alice");
        lockouts.failed("alice", start);
        assert_eq!(lockouts.admit("alice", start), Ok(()), "one failure after a success locks nothing");

        for _ in 0..8 {
            lockouts.failed("alice", start);
        }
        let quiet = start + QUIET_RESET;
        assert_eq!(lockouts.admit("alice", quiet), Ok(()));
        lockouts.failed("alice", quiet);
        assert_eq!(lockouts.admit("alice", quiet), Ok(()), "the count started again: one failure");
    }
}
