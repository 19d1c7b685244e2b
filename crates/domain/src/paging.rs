//! Paging of Partner Center collections (NETSDK `SeekBasedResourceCollection`,
//! `CustomerCollectionOperations.QueryAsync`): the first page is asked for with `size` (0 or
//! absent: the default page); every later page with `seekOperation` and the
//! `MS-ContinuationToken` header alone: the .NET SDK sends neither `size` nor the filter again.
//!
//! So the token carries all of it: the collection it belongs to, where the page it came with
//! starts, the page size and the list's own parameters (a customer filter). It is opaque to
//! clients; a token replayed on another collection is refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::{Deserialize, Serialize};

pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 1000;

/// The longest token read: a filter is short; anything longer is not one of ours.
const MAX_TOKEN: usize = 4096;

/// `seekOperation`: the SDK's `SeekOperation` member names, or their numbers (the swagger's
/// integer enum 0..4). `PageIndex` has no documented parameter and is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seek {
    Next,
    Previous,
    First,
    Last,
}

impl Seek {
    pub const NAMES: [&'static str; 4] = ["Next", "Previous", "First", "Last"];

    pub fn parse(raw: &str) -> Option<Seek> {
        match crate::vetting::enum_key(raw).as_str() {
            "next" | "0" => Some(Seek::Next),
            "previous" | "1" => Some(Seek::Previous),
            "first" | "2" => Some(Seek::First),
            "last" | "3" => Some(Seek::Last),
            _ => None,
        }
    }
}

/// Where a page starts: an offset, or the last page of whatever the list holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    At(usize),
    Last,
}

/// One page of a list as asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub start: Start,
    pub size: usize,
}

impl Page {
    pub fn first(size: usize) -> Page {
        Page {
            start: Start::At(0),
            size,
        }
    }

    /// The range of `total` items this page covers.
    pub fn slice(self, total: usize) -> std::ops::Range<usize> {
        let size = self.size.max(1);
        let start = match self.start {
            Start::At(o) => o.min(total),
            Start::Last if total == 0 => 0,
            Start::Last => (total - 1) / size * size,
        };
        start..start.saturating_add(size).min(total)
    }
}

/// What a continuation token holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    #[serde(rename = "c")]
    pub scope: String,
    /// The first item of the page this token came with.
    #[serde(rename = "o")]
    pub offset: usize,
    #[serde(rename = "s")]
    pub size: usize,
    /// The list's own parameters (the raw customer filter), kept for the pages that follow.
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub params: Option<String>,
}

impl Cursor {
    pub fn token(&self) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(self).unwrap_or_default())
    }

    pub fn read(token: &str) -> Option<Cursor> {
        let t = token.trim().trim_end_matches('=');
        if t.len() > MAX_TOKEN {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(t).ok()?;
        let c: Cursor = serde_json::from_slice(&raw).ok()?;
        (c.size >= 1 && c.size <= MAX_PAGE_SIZE).then_some(c)
    }
}

/// Why a page request is refused, with the parameter at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagingError {
    Size(String),
    Seek(String),
    /// The token is missing, not ours, or from another collection.
    Token(String),
    /// The query's parameters contradict the token's.
    Params(String),
}

/// The page the caller asked for and the list parameters that apply to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub page: Page,
    pub params: Option<String>,
}

/// A page size: `None` or 0 is the default page (the SDK sends `size=0` when it has none).
pub fn page_size(requested: Option<i64>, max: usize) -> Result<Option<usize>, PagingError> {
    match requested {
        None | Some(0) => Ok(None),
        Some(n) if n >= 1 && (n as u64) <= max as u64 => Ok(Some(n as usize)),
        Some(n) => Err(PagingError::Size(format!(
            "size must be between 1 and {max} (0 for the default page), not {n}"
        ))),
    }
}

/// Resolves a page request of the collection `scope`.
///
/// `params` are the list parameters in the query (a filter); on a seek they may be left out
/// (the token has them) but may not differ from the token's.
pub fn resolve(
    scope: &str,
    size: Option<usize>,
    default_size: usize,
    seek: Option<&str>,
    token: Option<&str>,
    params: Option<&str>,
) -> Result<Resolved, PagingError> {
    let Some(raw_seek) = seek.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(Resolved {
            page: Page::first(size.unwrap_or(default_size)),
            params: params.map(str::to_owned),
        });
    };
    let op = Seek::parse(raw_seek).ok_or_else(|| {
        PagingError::Seek(format!(
            "seekOperation '{raw_seek}' is not one of {}",
            Seek::NAMES.join(", ")
        ))
    })?;
    let token = token.map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| {
        PagingError::Token(format!(
            "seekOperation={raw_seek} needs the MS-ContinuationToken header from the previous page"
        ))
    })?;
    let cursor = Cursor::read(token)
        .filter(|c| c.scope == scope)
        .ok_or_else(|| PagingError::Token("The continuation token is not valid for this collection".into()))?;
    if let Some(p) = params {
        if cursor.params.as_deref() != Some(p) {
            return Err(PagingError::Params(
                "The filter differs from the one the continuation token was issued for".into(),
            ));
        }
    }
    let size = size.unwrap_or(cursor.size);
    let start = match op {
        Seek::Next => Start::At(cursor.offset.saturating_add(cursor.size)),
        Seek::Previous => Start::At(cursor.offset.saturating_sub(size)),
        Seek::First => Start::At(0),
        Seek::Last => Start::Last,
    };
    Ok(Resolved {
        page: Page { start, size },
        params: cursor.params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(scope: &str, offset: usize, size: usize, params: Option<&str>) -> String {
        Cursor {
            scope: scope.into(),
            offset,
            size,
            params: params.map(Into::into),
        }
        .token()
    }

    #[test]
    fn pages_cover_the_list_once() {
        assert_eq!(Page::first(2).slice(5), 0..2);
        let at = |o, size| Page {
            start: Start::At(o),
            size,
        };
        assert_eq!(at(4, 2).slice(5), 4..5);
        assert_eq!(at(9, 2).slice(5), 5..5);
        assert_eq!(at(0, 5).slice(5), 0..5);
        let last = |size| Page {
            start: Start::Last,
            size,
        };
        assert_eq!(last(2).slice(5), 4..5);
        assert_eq!(last(5).slice(5), 0..5);
        assert_eq!(last(2).slice(4), 2..4);
        assert_eq!(last(2).slice(0), 0..0);
    }

    #[test]
    fn size_zero_is_the_default_page() {
        assert_eq!(page_size(Some(0), MAX_PAGE_SIZE), Ok(None));
        assert_eq!(page_size(None, MAX_PAGE_SIZE), Ok(None));
        assert_eq!(page_size(Some(5), MAX_PAGE_SIZE), Ok(Some(5)));
        assert!(page_size(Some(-1), MAX_PAGE_SIZE).is_err());
        assert!(page_size(Some(501), 500).is_err());
        let r = resolve("customers", None, 100, None, None, None).unwrap();
        assert_eq!(r.page, Page::first(100));
    }

    #[test]
    fn a_seek_needs_only_the_token_which_keeps_size_and_filter() {
        let t = token("customers", 0, 2, Some("{\"Field\":\"Domain\"}"));
        let r = resolve("customers", None, 100, Some("Next"), Some(&t), None).unwrap();
        assert_eq!(
            r.page,
            Page {
                start: Start::At(2),
                size: 2
            }
        );
        assert_eq!(r.params.as_deref(), Some("{\"Field\":\"Domain\"}"));
        // The same filter may be repeated; another one is refused.
        assert!(resolve(
            "customers",
            None,
            100,
            Some("next"),
            Some(&t),
            Some("{\"Field\":\"Domain\"}")
        )
        .is_ok());
        assert!(matches!(
            resolve("customers", None, 100, Some("Next"), Some(&t), Some("{}")),
            Err(PagingError::Params(_))
        ));
    }

    #[test]
    fn every_seek_operation_moves_from_the_tokens_page() {
        let t = token("roles/x", 4, 2, None);
        let at = |op| {
            resolve("roles/x", None, 100, Some(op), Some(&t), None)
                .unwrap()
                .page
                .start
        };
        assert_eq!(at("Next"), Start::At(6));
        assert_eq!(at("Previous"), Start::At(2));
        assert_eq!(at("First"), Start::At(0));
        assert_eq!(at("Last"), Start::Last);
        assert_eq!(at("0"), Start::At(6));
        assert_eq!(at("3"), Start::Last);
        assert!(matches!(
            resolve("roles/x", None, 100, Some("PageIndex"), Some(&t), None),
            Err(PagingError::Seek(_))
        ));
    }

    #[test]
    fn tokens_stay_in_their_collection_and_garbage_is_refused() {
        let t = token("roles/x", 40, 10, None);
        assert!(resolve("roles/x", None, 100, Some("Next"), Some(&t), None).is_ok());
        for bad in [
            token("roles/y", 40, 10, None),
            "garbage!".into(),
            "a".repeat(10_000),
            token("roles/x", 0, 0, None),
        ] {
            assert!(matches!(
                resolve("roles/x", None, 100, Some("Next"), Some(&bad), None),
                Err(PagingError::Token(_))
            ));
        }
        assert!(matches!(
            resolve("roles/x", None, 100, Some("Next"), None, None),
            Err(PagingError::Token(_))
        ));
    }
}
