//! Etags as Partner Center writes them: a signed 64-bit number in a string
//! (`"etag": "-8799889149591823008"`, SDKDOC `create-a-customer.md`). Here the FNV-1a hash of the
//! resource's stored text: it changes exactly when the resource does and is the same after a
//! restart or on another build.

pub fn of_text(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h as i64).to_string()
}

/// The etag of a resource's JSON form.
pub fn of<T: serde::Serialize>(value: &T) -> String {
    of_text(&serde_json::to_string(value).unwrap_or_default())
}

/// An etag as a client sends it back: `If-Match: "123"`, `W/"123"` or the bare value.
pub fn normalise(raw: &str) -> &str {
    raw.trim().trim_start_matches("W/").trim_matches('"')
}

/// Whether a client's etag is the current one.
pub fn matches(sent: &str, current: &str) -> bool {
    normalise(sent) == normalise(current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags_are_stable_signed_numbers() {
        assert_eq!(of_text(""), (0xcbf2_9ce4_8422_2325u64 as i64).to_string());
        assert_ne!(of_text("a"), of_text("b"));
        assert!(of_text("profile").parse::<i64>().is_ok());
        assert!(matches("W/\"-12\"", "-12"));
        assert!(matches(" \"5\" ", "\"5\""));
        assert!(!matches("5", "6"));
    }
}
