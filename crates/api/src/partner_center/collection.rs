//! Partner Center collections: `{"totalCount","items","links","attributes"}`; a next page is
//! offered as `links.next` carrying the `MS-ContinuationToken` header, plus `continuationToken`
//! (NETSDK `ResourceCollection`, `SeekBasedResourceCollection`).

use domain::paging;
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

/// `self_uri` is the collection's own URI (relative, as Partner Center writes it); `next` the
/// offset of the next page, if any, within the collection `scope`.
pub fn collection(
    items: Vec<Value>,
    total: usize,
    self_uri: &str,
    scope: &str,
    size: usize,
    next: Option<usize>,
) -> Value {
    let mut links = serde_json::Map::new();
    links.insert("self".into(), link(self_uri));
    let mut out = json!({
        "totalCount": total,
        "items": items,
    });
    if let Some(offset) = next {
        let token = paging::continuation_token(scope, offset);
        // The next page keeps the list's own parameters (a customer filter) besides the paging ones.
        let (base, query) = self_uri.split_once('?').unwrap_or((self_uri, ""));
        let kept: String = query
            .split('&')
            .filter(|kv| {
                let k = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
                !kv.is_empty() && k != "size" && k != "seekoperation"
            })
            .map(|kv| format!("{kv}&"))
            .collect();
        links.insert(
            "next".into(),
            json!({
                "uri": format!("{base}?{kept}size={size}&seekOperation=Next"),
                "method": "GET",
                "headers": [{"key": "MS-ContinuationToken", "value": token}],
            }),
        );
        out["continuationToken"] = json!(token);
    }
    out["links"] = Value::Object(links);
    out["attributes"] = json!({"objectType": "Collection"});
    out
}

/// A collection answered whole, in one page (no continuation).
pub fn whole(items: Vec<Value>, self_uri: &str) -> Value {
    let total = items.len();
    collection(items, total, self_uri, self_uri, total.max(1), None)
}
