//! Partner Center collections: `{"totalCount","items","links","attributes"}`. A page that has
//! others around it links to them (`links.next`, `links.previous`) with the `MS-ContinuationToken`
//! header to send, and gives the token as `continuationToken` too (NETSDK `ResourceCollection`,
//! `SeekBasedResourceCollection`).

use domain::paging::{Cursor, Page};
use serde::Serialize;
use serde_json::{json, Value};

pub fn link(uri: &str) -> Value {
    json!({"uri": uri, "method": "GET", "headers": []})
}

/// `links` of a single resource, typed: `{"self": {"uri", "method": "GET", "headers": []}}`.
#[derive(Serialize)]
pub struct SelfLinks<'a> {
    #[serde(rename = "self")]
    own: Link<'a>,
}

#[derive(Serialize)]
struct Link<'a> {
    uri: &'a str,
    method: &'static str,
    headers: [(); 0],
}

impl<'a> SelfLinks<'a> {
    pub fn to(uri: &'a str) -> Self {
        SelfLinks {
            own: Link {
                uri,
                method: "GET",
                headers: [],
            },
        }
    }
}

/// One page of a paged list.
pub struct Paged<'a> {
    /// The collection the page's token is bound to.
    pub scope: &'a str,
    pub page: Page,
    /// The list's own parameters (a customer filter), carried by the token.
    pub params: Option<String>,
}

impl Paged<'_> {
    /// The items of `all` on this page, and the links to the pages around it.
    pub fn answer<T>(&self, all: &[T], self_uri: &str, out: impl Fn(&T) -> Value) -> Value {
        let range = self.page.slice(all.len());
        let (start, end) = (range.start, range.end);
        let items: Vec<Value> = all[range].iter().map(out).collect();
        let base = self_uri.split_once('?').map_or(self_uri, |(b, _)| b);
        let token = Cursor {
            scope: self.scope.to_owned(),
            offset: start,
            size: self.page.size.max(1),
            params: self.params.clone(),
        }
        .token();
        let seek = |op: &str| {
            json!({
                "uri": format!("{base}?seekOperation={op}"),
                "method": "GET",
                "headers": [{"key": "MS-ContinuationToken", "value": token}],
            })
        };
        let mut links = serde_json::Map::new();
        links.insert("self".into(), link(self_uri));
        if end < all.len() {
            links.insert("next".into(), seek("Next"));
        }
        if start > 0 {
            links.insert("previous".into(), seek("Previous"));
        }
        // `totalCount` counts the items of this page, as on the invoices' documented pages
        // (SDKDOC `get-invoiceline-items.md`: size=2, totalCount 2, and a next link).
        let mut body = json!({"totalCount": items.len(), "items": items});
        if end < all.len() {
            body["continuationToken"] = json!(token);
        }
        body["links"] = Value::Object(links);
        body["attributes"] = json!({"objectType": "Collection"});
        body
    }
}

/// A collection answered whole, in one page (no continuation).
pub fn whole(items: Vec<Value>, self_uri: &str) -> Value {
    json!({
        "totalCount": items.len(),
        "items": items,
        "links": {"self": link(self_uri)},
        "attributes": {"objectType": "Collection"},
    })
}
