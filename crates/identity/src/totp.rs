//! TOTP as authenticator apps implement it: RFC 6238 over HMAC-SHA-1 (RFC 4226), 6 digits,
//! 30-second steps, accepting one step either side for clock drift, never the same step twice.

use hmac::{Hmac, Mac};
use sha1::Sha1;

pub const STEP_SECONDS: i64 = 30;
pub const DIGITS: u32 = 6;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpError {
    #[error("the stored TOTP secret is not valid base32")]
    BadSecret,
    #[error("the code is not a {DIGITS}-digit number")]
    Malformed,
    #[error("the code does not match")]
    Mismatch,
    #[error("the code was already used")]
    Replayed,
}

fn decode_secret(secret_b32: &str) -> Result<Vec<u8>, TotpError> {
    let clean: String = secret_b32
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    data_encoding::BASE32_NOPAD
        .decode(clean.as_bytes())
        .map_err(|_| TotpError::BadSecret)
}

/// The HOTP value for a counter (RFC 4226 section 5.3).
pub fn hotp(key: &[u8], counter: u64) -> u32 {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(key) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[19] & 0x0f) as usize;
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(DIGITS)
}

/// The time step that contains `unix_seconds`.
pub fn step_at(unix_seconds: i64) -> i64 {
    unix_seconds.div_euclid(STEP_SECONDS)
}

/// The 6-digit code for the given time, zero-padded.
pub fn code_at(secret_b32: &str, unix_seconds: i64) -> Result<String, TotpError> {
    let key = decode_secret(secret_b32)?;
    Ok(format!("{:06}", hotp(&key, step_at(unix_seconds) as u64)))
}

/// Checks a code against the steps `now-1 ..= now+1`. `last_used_step` is the step of the last
/// accepted code; a code of that step or an earlier one is a replay. Returns the matched step,
/// which the caller stores as the new `last_used_step`.
pub fn verify(secret_b32: &str, code: &str, unix_seconds: i64, last_used_step: Option<i64>) -> Result<i64, TotpError> {
    let code = code.trim();
    if code.len() != DIGITS as usize || !code.chars().all(|c| c.is_ascii_digit()) {
        return Err(TotpError::Malformed);
    }
    let key = decode_secret(secret_b32)?;
    let now = step_at(unix_seconds);
    for step in [now - 1, now, now + 1] {
        if step >= 0 && format!("{:06}", hotp(&key, step as u64)) == code {
            if last_used_step.is_some_and(|last| step <= last) {
                return Err(TotpError::Replayed);
            }
            return Ok(step);
        }
    }
    Err(TotpError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1 key "12345678901234567890", 8 digits truncated to 6.
    #[test]
    fn matches_the_rfc_6238_test_vectors() {
        let secret = data_encoding::BASE32_NOPAD.encode(b"12345678901234567890");
        for (t, eight) in [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
        ] {
            assert_eq!(code_at(&secret, t).unwrap(), eight[2..], "t={t}");
        }
    }

    #[test]
    fn accepts_one_step_of_drift_and_refuses_replay() {
        let secret = "JBSWY3DPEHPK3PXP";
        let t = 1_800_000_000;
        let code = code_at(secret, t).unwrap();
        let step = verify(secret, &code, t, None).unwrap();
        assert_eq!(step, step_at(t));
        assert_eq!(verify(secret, &code, t + 30, None).unwrap(), step);
        assert_eq!(verify(secret, &code, t - 30, None).unwrap(), step);
        assert_eq!(verify(secret, &code, t + 60, None), Err(TotpError::Mismatch));
        assert_eq!(verify(secret, &code, t, Some(step)), Err(TotpError::Replayed));
        let next = code_at(secret, t + 30).unwrap();
        assert_eq!(verify(secret, &next, t + 30, Some(step)).unwrap(), step + 1);
        assert_eq!(verify(secret, "12345", t, None), Err(TotpError::Malformed));
        assert_eq!(verify("!!!", "123456", t, None), Err(TotpError::BadSecret));
    }

    /// The attack the lockout exists for: someone who knows the password submits every one of
    /// the 1,000,000 codes, as fast as a server answers (100 a second of sandbox time). The
    /// lockout rule decides which attempts are checked at all; none of them may succeed.
    #[test]
    fn a_brute_force_of_a_million_codes_does_not_succeed() {
        use domain::lockout::{Factor, Guard};
        let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
        let start = 1_790_000_000i64;
        let mut guard = Guard::default();
        let last = None;
        let mut checked = 0u32;
        for (i, code) in (0..1_000_000u32).enumerate() {
            let now = start + i as i64 / 100;
            if guard.locked(now).is_some() {
                continue;
            }
            checked += 1;
            match verify(secret, &format!("{code:06}"), now, last) {
                Ok(step) => panic!("code {code:06} was accepted at attempt {i} (step {step})"),
                Err(_) => {
                    guard.failed(Factor::Code, now);
                }
            }
        }
        // Lockouts of 60 s, 120 s, 240 s... over ~2.8 hours leave a few dozen codes checked.
        assert!(checked <= 40, "{checked} codes were checked");
    }
}
