//! Sign-in throttling as Entra's smart lockout does it: wrong passwords and wrong verification
//! codes are counted per user; past a threshold the account is locked for a while on the sandbox
//! clock, longer after each lockout. Entra's defaults: 10 failed passwords, a first lockout of 60
//! seconds that grows with each further one. A sign-in flow also ends after a few wrong codes,
//! so one flow cannot be used to try codes forever.
//!
//! With these numbers, an attacker who knows the password and tries codes as fast as the server
//! answers gets 5 codes per lockout, and lockouts double: a million tries over hours leave a few
//! dozen codes checked, where a 6-digit TOTP with a ±1 step window needs ~333,000 on average.

use serde::{Deserialize, Serialize};

/// Wrong passwords before a lockout (Entra's smart lockout default).
pub const PASSWORD_THRESHOLD: u32 = 10;
/// Wrong verification codes before a lockout.
pub const CODE_THRESHOLD: u32 = 5;
/// Wrong codes one sign-in flow takes before it ends.
pub const CODES_PER_FLOW: u32 = 3;
/// The first lockout; each further one doubles it.
pub const FIRST_LOCKOUT_SECS: i64 = 60;
/// The longest lockout: a day.
pub const MAX_LOCKOUT_SECS: i64 = 86_400;

/// A user's failed sign-in attempts. Times are unix seconds on the sandbox clock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Guard {
    pub failed_passwords: u32,
    pub failed_codes: u32,
    /// Lockouts so far (each doubles the next one's length); a successful sign-in clears it.
    pub lockouts: u32,
    pub locked_until: Option<i64>,
}

/// What kind of secret was wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Password,
    Code,
}

impl Guard {
    /// `Some(until)` while the account is locked.
    pub fn locked(&self, now: i64) -> Option<i64> {
        self.locked_until.filter(|u| now < *u)
    }

    /// Counts a wrong secret; returns when the account is now locked until, if this failure
    /// locked it.
    pub fn failed(&mut self, factor: Factor, now: i64) -> Option<i64> {
        let (count, threshold) = match factor {
            Factor::Password => (&mut self.failed_passwords, PASSWORD_THRESHOLD),
            Factor::Code => (&mut self.failed_codes, CODE_THRESHOLD),
        };
        *count = count.saturating_add(1);
        if *count < threshold {
            return None;
        }
        let secs = FIRST_LOCKOUT_SECS
            .saturating_mul(1i64.checked_shl(self.lockouts.min(30)).unwrap_or(i64::MAX))
            .min(MAX_LOCKOUT_SECS);
        self.lockouts = self.lockouts.saturating_add(1);
        self.failed_passwords = 0;
        self.failed_codes = 0;
        let until = now.saturating_add(secs);
        self.locked_until = Some(until);
        Some(until)
    }

    /// A sign-in step that passed clears the count of its factor; a finished sign-in clears all.
    pub fn passed(&mut self, factor: Factor) {
        match factor {
            Factor::Password => self.failed_passwords = 0,
            Factor::Code => *self = Guard::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_wrong_passwords_lock_the_account_for_a_minute_then_longer() {
        let mut g = Guard::default();
        for _ in 0..9 {
            assert_eq!(g.failed(Factor::Password, 1_000), None);
        }
        assert_eq!(g.failed(Factor::Password, 1_000), Some(1_060));
        assert_eq!(g.locked(1_059), Some(1_060));
        assert_eq!(g.locked(1_060), None);
        for _ in 0..9 {
            g.failed(Factor::Password, 2_000);
        }
        assert_eq!(
            g.failed(Factor::Password, 2_000),
            Some(2_120),
            "the second lockout is twice as long"
        );
        g.passed(Factor::Code);
        assert_eq!(g, Guard::default());
    }

    #[test]
    fn lockouts_never_overflow_and_stay_under_a_day() {
        let mut g = Guard {
            lockouts: u32::MAX,
            ..Guard::default()
        };
        for _ in 0..CODE_THRESHOLD {
            g.failed(Factor::Code, i64::MAX - 10);
        }
        assert_eq!(g.locked_until, Some(i64::MAX));
        let mut g = Guard {
            lockouts: 40,
            ..Guard::default()
        };
        for _ in 0..CODE_THRESHOLD {
            g.failed(Factor::Code, 0);
        }
        assert_eq!(g.locked_until, Some(MAX_LOCKOUT_SECS));
    }
}
