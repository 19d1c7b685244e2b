//! DNS rebinding and cross-site requests against a loopback server: a web page the developer
//! visits must not read or drive it.

use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{get, server, Server};

/// A raw HTTP/1.1 request with the given `Host`, as a browser sends it after a rebinding.
async fn with_host(s: &Server, method: &str, path: &str, host: &str, body: &str) -> (u16, String) {
    let mut c = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    c.write_all(req.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    c.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, text)
}

#[tokio::test]
async fn a_name_that_is_not_the_servers_gets_421_on_every_surface() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"name": "target"})).await.unwrap();
    let tid = sb["tenants"][0]["id"].as_str().unwrap();
    let port = s.addr().port();
    for path in [
        "/sandbox/v1/sandboxes/target".to_owned(),
        "/sandbox/v1/sandboxes".to_owned(),
        format!("/{tid}/v2.0/.well-known/openid-configuration"),
        "/v1/profiles/legalbusiness".to_owned(),
        "/console".to_owned(),
        "/healthz".to_owned(),
    ] {
        let (st, text) = with_host(&s, "GET", &path, &format!("rebind.evil.example:{port}"), "").await;
        assert_eq!(st, 421, "{path}: {text}");
        assert!(!text.contains("Sandbox-Admin-2026!"), "{path} leaked a password");
        for ok in [
            format!("localhost:{port}"),
            format!("127.0.0.1:{port}"),
            format!("[::1]:{port}"),
        ] {
            let (st, _) = with_host(&s, "GET", &path, &ok, "").await;
            assert_ne!(st, 421, "{path} with Host {ok}");
        }
    }
    // A write through a rebound name changes nothing.
    let (st, _) = with_host(
        &s,
        "POST",
        "/sandbox/v1/sandboxes/target/reset",
        &format!("rebind.evil.example:{port}"),
        "{}",
    )
    .await;
    assert_eq!(st, 421);
}

#[tokio::test]
async fn a_cross_site_page_cannot_drive_the_control_plane() {
    let s = server().await;
    let post = |origin: Option<&'static str>, site: Option<&'static str>, name: &'static str| {
        let s = &s;
        async move {
            let mut r = s
                .client()
                .post(s.url("/sandbox/v1/sandboxes"))
                .header("content-type", "text/plain")
                .body(json!({"name": name}).to_string());
            if let Some(o) = origin {
                r = r.header("origin", o);
            }
            if let Some(v) = site {
                r = r.header("sec-fetch-site", v);
            }
            let res = r.send().await.unwrap();
            let st = res.status();
            (st, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (st, body) = post(Some("https://evil.example"), None, "evil-1").await;
    assert_eq!(
        (st, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("CrossSiteRequest")),
        "{body}"
    );
    let (st, _) = post(Some("null"), None, "evil-2").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    let (st, _) = post(Some("http://localhost:3000"), None, "evil-3").await;
    assert_eq!(st, StatusCode::FORBIDDEN, "another port of localhost is another origin");
    let (st, _) = post(None, Some("cross-site"), "evil-4").await;
    assert_eq!(st, StatusCode::FORBIDDEN);
    for name in ["evil-1", "evil-2", "evil-3", "evil-4"] {
        let (st, _) = get(&s, &format!("/sandbox/v1/sandboxes/{name}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{name} was created");
    }
    // The server's own origin, and clients that are not browsers, are served.
    let own: &'static str = Box::leak(s.uri().to_owned().into_boxed_str());
    let (st, body) = post(Some(own), Some("same-origin"), "mine").await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
    let (st, body) = post(None, None, "scripted").await;
    assert_eq!(st, StatusCode::CREATED, "{body}");
}

#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused() {
    let s = server().await;
    let sb = s.create_sandbox(json!({"name": "shaped"})).await.unwrap();
    let tid = sb["tenants"][0]["id"].as_str().unwrap().to_owned();
    let users = format!("/sandbox/v1/sandboxes/shaped/tenants/{tid}/users");
    for body in ["[]", "\"x\"", "42", "null"] {
        let res = s
            .client()
            .post(s.url(&users))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
    }
    let (_, after) = get(&s, "/sandbox/v1/sandboxes/shaped").await;
    assert_eq!(
        after["tenants"][0]["users"], sb["tenants"][0]["users"],
        "no user was made"
    );
}
