//! Retry policy: exponential backoff with jitter, bounded in count and total time, and
//! the rules for which failures may be retried for which requests.

use std::time::Duration;

use rand::Rng;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (0 disables retrying).
    pub max_retries: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt.
    pub max_total: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 6,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            max_total: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..Default::default()
        }
    }

    /// Delay before retry number `retry` (0-based): "equal jitter", i.e. half of the
    /// capped exponential step plus a random share of the other half, so that clients
    /// that failed together do not come back together, yet never retry instantly.
    pub fn delay(&self, retry: u32) -> Duration {
        let cap = self.exp_cap(retry);
        let half = cap / 2;
        let extra_ms = half.as_millis() as u64;
        let jitter = if extra_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=extra_ms)
        };
        half + Duration::from_millis(jitter)
    }

    fn exp_cap(&self, retry: u32) -> Duration {
        let factor = 1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX);
        self.base_delay
            .checked_mul(factor)
            .unwrap_or(self.max_delay)
            .min(self.max_delay)
    }

    /// Whether retry number `retry` may start after `elapsed`, given it would sleep `delay`.
    pub fn allows(&self, retry: u32, elapsed: Duration, delay: Duration) -> bool {
        retry < self.max_retries && elapsed + delay <= self.max_total
    }
}

/// Whether a request may be sent again when it fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Safety {
    /// Reads: GET (also via method override).
    Read,
    /// A read that moves the server on: a cursor read hands out the next page, so a
    /// request that may have reached the server is never sent again (the page it
    /// carried would be skipped). Only refusals that ran nothing are retried; the
    /// caller recovers from the rest by reading again from a known position.
    ReadOnce,
    /// A write the caller declared idempotent (e.g. an update with a revision check, a
    /// cursor deletion).
    Idempotent,
    /// A write that must not be repeated once it may have reached the server. `sent`
    /// describes it for the error message.
    Write { sent: String },
}

impl Safety {
    pub fn repeatable(&self) -> bool {
        matches!(self, Safety::Read | Safety::Idempotent)
    }
}

/// How one attempt ended, as far as retrying is concerned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Attempt<'a> {
    /// The server answered with this status and Kintone code.
    Status { status: u16, code: Option<&'a str> },
    /// The connection could not be established: nothing was sent.
    NotSent,
    /// The request was (or may have been) sent, then the connection broke or timed out.
    MaybeSent,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Retry,
    /// Return the error as it is.
    Fail,
    /// A write that may have been applied: report `WriteOutcomeUnknown`.
    OutcomeUnknown,
}

pub fn verdict(attempt: &Attempt<'_>, safety: &Safety) -> Verdict {
    match attempt {
        // GAIA_TO04 is Kintone refusing the request before running it (§9.2), so even a
        // write is safe to send again.
        Attempt::Status {
            status: 429,
            code: Some("GAIA_TO04"),
        } => Verdict::Retry,
        // A 429 without a Kintone body comes from the concurrency limiter too.
        Attempt::Status {
            status: 429,
            code: None,
        } => Verdict::Retry,
        // 503 (maintenance, overload) and gateway errors may come from a proxy after the
        // request went through, so only repeatable requests are retried.
        Attempt::Status {
            status: 502..=504, ..
        } if safety.repeatable() => Verdict::Retry,
        Attempt::Status { .. } => Verdict::Fail,
        Attempt::NotSent => Verdict::Retry,
        Attempt::MaybeSent if safety.repeatable() => Verdict::Retry,
        Attempt::MaybeSent => match safety {
            Safety::Write { .. } => Verdict::OutcomeUnknown,
            _ => Verdict::Fail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_bounded_and_jittered() {
        let p = RetryPolicy {
            max_retries: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_total: Duration::from_secs(5),
        };
        for retry in 0..30 {
            let cap = Duration::from_millis(100)
                .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
                .min(Duration::from_secs(2));
            for _ in 0..50 {
                let d = p.delay(retry);
                assert!(
                    d >= cap / 2 && d <= cap,
                    "retry {retry}: {d:?} vs cap {cap:?}"
                );
            }
        }
        assert!(p.delay(40) <= Duration::from_secs(2));
        // Jitter: not every delay is the same.
        let ds: std::collections::HashSet<_> = (0..50).map(|_| p.delay(3)).collect();
        assert!(ds.len() > 1);
        assert!(p.allows(0, Duration::ZERO, Duration::from_millis(100)));
        assert!(!p.allows(10, Duration::ZERO, Duration::from_millis(100)));
        assert!(!p.allows(1, Duration::from_millis(4950), Duration::from_millis(100)));
        assert!(!RetryPolicy::none().allows(0, Duration::ZERO, Duration::ZERO));
    }

    #[test]
    fn verdicts() {
        let w = Safety::Write {
            sent: "add 1 record".into(),
        };
        let r = Safety::Read;
        let to04 = Attempt::Status {
            status: 429,
            code: Some("GAIA_TO04"),
        };
        let tm12 = Attempt::Status {
            status: 429,
            code: Some("GAIA_TM12"),
        };
        let s503 = Attempt::Status {
            status: 503,
            code: None,
        };
        let s400 = Attempt::Status {
            status: 400,
            code: Some("CB_VA01"),
        };
        assert_eq!(verdict(&to04, &w), Verdict::Retry);
        assert_eq!(verdict(&to04, &r), Verdict::Retry);
        assert_eq!(verdict(&tm12, &r), Verdict::Fail);
        assert_eq!(verdict(&s503, &r), Verdict::Retry);
        assert_eq!(verdict(&s503, &Safety::Idempotent), Verdict::Retry);
        assert_eq!(verdict(&s503, &w), Verdict::Fail);
        assert_eq!(verdict(&s400, &r), Verdict::Fail);
        assert_eq!(verdict(&Attempt::NotSent, &w), Verdict::Retry);
        assert_eq!(verdict(&Attempt::MaybeSent, &r), Verdict::Retry);
        assert_eq!(verdict(&Attempt::MaybeSent, &w), Verdict::OutcomeUnknown);
        assert_eq!(
            verdict(&Attempt::MaybeSent, &Safety::Idempotent),
            Verdict::Retry
        );
        // A cursor read: refusals that ran nothing are retried, nothing else.
        let once = Safety::ReadOnce;
        assert_eq!(verdict(&to04, &once), Verdict::Retry);
        assert_eq!(verdict(&Attempt::NotSent, &once), Verdict::Retry);
        assert_eq!(verdict(&Attempt::MaybeSent, &once), Verdict::Fail);
        assert_eq!(verdict(&s503, &once), Verdict::Fail);
    }
}
