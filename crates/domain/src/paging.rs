//! Paging of Partner Center collections: `size` and, for the next page, the `MS-ContinuationToken`
//! header with `seekOperation=Next` (NETSDK `SeekBasedResourceCollection`, `GetCustomers`).
//!
//! The token is opaque to clients; here it carries the offset of the next item, bound to the
//! collection it came from so that a token replayed on another list is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 1000;

/// One page of a list: which items, and where the next page starts (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub offset: usize,
    pub size: usize,
}

impl Page {
    /// The range of `total` items this page covers and the offset of the next page.
    pub fn slice(self, total: usize) -> (std::ops::Range<usize>, Option<usize>) {
        let start = self.offset.min(total);
        let end = start.saturating_add(self.size).min(total);
        (start..end, (end < total).then_some(end))
    }
}

/// The continuation token for the page starting at `offset` of the collection `scope`.
pub fn continuation_token(scope: &str, offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{scope}|{offset}"))
}

/// The offset a continuation token points at, if it is one of ours for `scope`.
pub fn read_continuation_token(scope: &str, token: &str) -> Option<usize> {
    let raw = URL_SAFE_NO_PAD.decode(token.trim().trim_end_matches('=')).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (s, offset) = text.rsplit_once('|')?;
    (s == scope).then(|| offset.parse().ok()).flatten()
}

/// Validates a requested page size.
pub fn page_size(requested: Option<i64>) -> Result<usize, String> {
    match requested {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if n >= 1 && n as u64 <= MAX_PAGE_SIZE as u64 => Ok(n as usize),
        Some(n) => Err(format!("size must be between 1 and {MAX_PAGE_SIZE}, not {n}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_cover_the_list_once() {
        let p = Page { offset: 0, size: 2 };
        assert_eq!(p.slice(5), (0..2, Some(2)));
        assert_eq!(Page { offset: 4, size: 2 }.slice(5), (4..5, None));
        assert_eq!(Page { offset: 9, size: 2 }.slice(5), (5..5, None));
        assert_eq!(Page { offset: 0, size: 5 }.slice(5), (0..5, None));
    }

    #[test]
    fn continuation_tokens_round_trip_and_stay_in_their_collection() {
        let t = continuation_token("roles/x", 40);
        assert_eq!(read_continuation_token("roles/x", &t), Some(40));
        assert_eq!(read_continuation_token("roles/y", &t), None);
        assert_eq!(read_continuation_token("roles/x", "garbage!"), None);
    }

    #[test]
    fn page_sizes_are_bounded() {
        assert_eq!(page_size(None), Ok(DEFAULT_PAGE_SIZE));
        assert_eq!(page_size(Some(5)), Ok(5));
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(100_000)).is_err());
    }
}
