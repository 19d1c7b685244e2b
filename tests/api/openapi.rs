//! The OpenAPI documents and the server agree: every `/v1` operation in
//! openapi/partner-center.yaml is a route of the access table, and the other way round; every
//! route of the table reaches the gate of the running server (not the 404 of an unknown path).

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::support::server;

const PARTNER_CENTER: &str = include_str!("../../openapi/partner-center.yaml");

/// `/v1/customers/{customer_id}` -> `/v1/customers/{}`.
fn shape(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[test]
fn every_documented_operation_is_routed_and_every_route_documented() {
    let doc: Value = serde_saphyr::from_str(PARTNER_CENTER).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "put", "post", "patch", "delete", "head"] {
            if item.get(method).is_some() {
                documented.insert((method.to_ascii_uppercase(), shape(path)));
            }
        }
    }
    let routed: BTreeSet<(String, String)> = domain::access::ROUTES
        .iter()
        .map(|(m, t, _)| (m.to_string(), shape(t)))
        .collect();
    let missing: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(missing.is_empty(), "routes without an OpenAPI operation: {missing:?}");
    assert!(unrouted.is_empty(), "OpenAPI operations without a route: {unrouted:?}");
    // Each operation has an id and answers errors in the documented form.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if method == "parameters" {
                continue;
            }
            assert!(op["operationId"].is_string(), "{method} {path} has no operationId");
            assert!(
                op["responses"]["default"].is_object(),
                "{method} {path} has no default response"
            );
        }
    }
}

#[tokio::test]
async fn every_route_of_the_access_table_reaches_the_gate() {
    let s = server().await;
    for (method, template, _) in domain::access::ROUTES {
        let path = template
            .split('/')
            .map(|seg| if seg.starts_with('{') { "x1" } else { seg })
            .collect::<Vec<_>>()
            .join("/");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let res = s.client().request(m, s.url(&path)).send().await.unwrap();
        // No token: the gate answers 401 (an unknown route would be 404, a wrong method 405).
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {path}");
        // The same in another case and with a trailing slash, as the real front door routes it.
        let upper = format!("{}/", path.to_ascii_uppercase().replace("/X1", "/x1"));
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let res = s.client().request(m, s.url(&upper)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{method} {upper}");
    }
}
