//! The descriptions Partner Center documents for its error codes (SDKDOC `error-codes.md` at
//! MicrosoftDocs/partner-center-sdk@de1e685, with the endpoint pages' own texts where a page shows
//! another description for the same code). A client may match on them, so an error with one of
//! these codes carries the documented text as `description`; what pcsandbox can say beyond it
//! (which field, which rule, which state) goes to the body's `pcsandbox.explanation` field, which
//! the real service does not send, and to the journal.
//!
//! `{0}`, `{1}` stand for the values the real service fills in.

/// (code, documented descriptions). Codes that are not listed (2000 among them: the docs use it
/// with many texts) keep the description the rule gives.
pub const DOCUMENTED: &[(u32, &[&str])] = &[
    (400, &["Access denied"]),
    (1000, &["Not found"]),
    (
        2001,
        &[
            "Subscription quantity cannot be increased or decreased while subscription is being suspended",
            // verify-indirect-reseller-mpa-status.md, example 41.
            "Both MPN Id and Tenant Id cannot be empty.",
        ],
    ),
    (2032, &["Access denied"]),
    (2055, &["Etag is no longer valid"]),
    (
        3000,
        &[
            "Invalid property",
            // get-partner-by-mpn-id.md: the 404 of an unknown MPN ID.
            "Partner Organization with partner_id {0} could not be found",
        ],
    ),
    (60002, &["User object ID is not found"]),
    (60003, &["Tenant not found"]),
    // assign-licenses-to-a-user.md, the "license isn't available" example.
    (
        60012,
        &["We are sorry, it looks like you have run out of licenses. Buy more licenses, and then try again."],
    ),
    (600002, &["Organization registration ID value is not supported"]),
    (600049, &["Organization registration ID information is missing"]),
    (
        600050,
        &["Organization registration ID information is invalid and should be of the format {0}"],
    ),
    (600051, &["Customer phone number is missing"]),
    (800001, &["Partner Token missing in request context"]),
    (800002, &["Invalid request input"]),
    (800003, &["Unexpected service error"]),
    // New commerce. Codes the table does not have (the catalog's 4000xx, 900213 and 900214 of
    // the 2023 docs) keep the text the rule gives.
    (
        2002,
        &["Subscription quantity is not within minimum and maximum allowed quantity"],
    ),
    (
        2011,
        &["Subscription with ID {0} and deleted status cannot be updated."],
    ),
    (20000, &["Order ID not found"]),
    (
        20002,
        &["The partner ID {0} has no commerce relationship with the customer ID {1}."],
    ),
    (20003, &["Subscription with ID {0} not found."]),
    (800008, &["Unable to retrieve cart Id"]),
    (800009, &["Error in Cart item(s)"]),
    (800015, &["MPN ID is not found"]),
    (800016, &["MPN ID is not a valid Indirect Reseller"]),
    (800039, &["Reseller program status is not active"]),
    (800065, &["Cannot check out an already submitted cart {0}."]),
    (800095, &["Cannot update the seat quantity for this subscription"]),
    (800096, &["Cannot update the status for this subscription"]),
    (900118, &["Invalid Customer Id"]),
    (
        900123,
        &["Microsoft Partner Agreement has not been accepted by the indirect reseller"],
    ),
    (
        900124,
        &["Your company has not accepted the Microsoft Partner Agreement (MPA). The global admin of the CSP account must accept the MPA to resume the full transactional capabilities. Search {0} for your global admin and have them sign the MPA on the dashboard {1} to resume full transactional capabilities"],
    ),
    (
        900126,
        &["Unable to parse enum: {0} For more information, please visit {1}"],
    ),
    (900149, &["{0} program status is not active."]),
    (
        900150,
        &["The supplied role does not have the rights to perform the requested operation"],
    ),
];

/// Where `900126` sends the reader (its `{1}`).
pub const ERROR_CODES_URL: &str = "https://learn.microsoft.com/partner-center/developer/error-codes";

/// The documented descriptions of a code, if it has any.
pub fn documented(code: u32) -> Option<&'static [&'static str]> {
    DOCUMENTED.iter().find(|(c, _)| *c == code).map(|(_, d)| *d)
}

/// Whether `text` is `pattern` with its `{n}` placeholders filled by non-empty values.
pub fn matches(pattern: &str, text: &str) -> bool {
    let mut parts = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        match rest[open..].find('}') {
            Some(close) if rest[open + 1..open + close].chars().all(|c| c.is_ascii_digit()) => {
                parts.push(&rest[..open]);
                rest = &rest[open + close + 1..];
            }
            _ => break,
        }
    }
    parts.push(rest);
    if parts.len() == 1 {
        return text == pattern;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text.ends_with(last) || text.len() < first.len() + last.len() {
        return false;
    }
    let mut at = first.len();
    let end = text.len() - last.len();
    for literal in &parts[1..parts.len() - 1] {
        // Each placeholder takes at least one character.
        match text.get(at + 1..end).and_then(|t| t.find(literal)) {
            Some(i) => at = at + 1 + i + literal.len(),
            None => return false,
        }
    }
    end > at
}

/// The description to send for `code` and what of ours goes to the explanation: a text that
/// is not a documented one is replaced by the first documented text without placeholders (and
/// kept as the explanation); a code whose every text has placeholders keeps ours (its producer
/// fills them; the conformance suite checks it).
pub fn conform(code: u32, description: String) -> (String, Option<String>) {
    let Some(texts) = documented(code) else {
        return (description, None);
    };
    if texts.iter().any(|t| matches(t, &description)) {
        return (description, None);
    }
    match texts.iter().find(|t| !t.contains('{')) {
        Some(t) => ((*t).to_owned(), Some(description)),
        None => (description, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_filled_placeholders_only() {
        assert!(matches(
            "{0} program status is not active.",
            "CSP Indirect Provider program status is not active."
        ));
        assert!(!matches(
            "{0} program status is not active.",
            " program status is not active."
        ));
        assert!(matches(
            "Unable to parse enum: {0} For more information, please visit {1}",
            "Unable to parse enum: sortField For more information, please visit https://x"
        ));
        assert!(!matches(
            "Unable to parse enum: {0} For more information, please visit {1}",
            "Unable to parse enum: sortField. 'x' is not one of A, B."
        ));
        assert!(matches("Access denied", "Access denied"));
        assert!(!matches("Access denied", "Access denied: no."));
    }

    #[test]
    fn our_text_becomes_the_explanation_of_a_documented_code() {
        let (d, e) = conform(1000, "The customer x was not found.".into());
        assert_eq!(
            (d.as_str(), e.as_deref()),
            ("Not found", Some("The customer x was not found."))
        );
        let (d, e) = conform(
            3000,
            "Partner Organization with partner_id 42 could not be found".into(),
        );
        assert_eq!(
            (d.as_str(), e),
            ("Partner Organization with partner_id 42 could not be found", None)
        );
        let (d, e) = conform(2000, "Anything the rule says.".into());
        assert_eq!((d.as_str(), e), ("Anything the rule says.", None));
        let (d, e) = conform(800002, "Invalid request input: the body is not JSON.".into());
        assert_eq!((d.as_str(), e.is_some()), ("Invalid request input", true));
    }
}
