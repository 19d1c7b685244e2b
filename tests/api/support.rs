//! Helpers shared by the test modules.

use reqwest::{Method, StatusCode};
use serde_json::Value;
pub use testkit::Sandbox as Server;

pub async fn server() -> Server {
    Server::start().await.expect("server starts")
}

/// Sends a JSON request and returns status and body (JSON, or Null when empty).
pub async fn call(server: &Server, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = server.client().request(method, server.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("request");
    let status = res.status();
    let text = res.text().await.expect("body");
    let json = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, json)
}

pub async fn post(server: &Server, path: &str, body: Value) -> (StatusCode, Value) {
    call(server, Method::POST, path, Some(body)).await
}

pub async fn get(server: &Server, path: &str) -> (StatusCode, Value) {
    call(server, Method::GET, path, None).await
}

/// Sends raw bytes (for malformed bodies).
pub async fn post_raw(server: &Server, path: &str, body: &'static str) -> (StatusCode, Value) {
    let res = server
        .client()
        .post(server.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// Asserts a control-plane problem: status, code and the field it names.
#[track_caller]
pub fn assert_problem(got: &(StatusCode, Value), status: u16, code: &str, field: Option<&str>) {
    assert_eq!(got.0.as_u16(), status, "status of {}", got.1);
    assert_eq!(got.1["status"], status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    assert_eq!(got.1["field"].as_str(), field, "{}", got.1);
    assert!(got.1["detail"].as_str().is_some_and(|d| !d.is_empty()), "{}", got.1);
}
