//! Webhook deliveries never reach the server itself (its control plane, its token endpoints),
//! whatever name the URL uses.

use reqwest::Method;
use serde_json::{json, Value};
use testkit::Mfa;

use crate::support::server;

#[tokio::test]
async fn a_webhook_cannot_call_the_servers_own_control_plane() {
    let s = server().await;
    let attacker = s.scenario("default").await.unwrap();
    let victim = s.scenario("default").await.unwrap();
    let token = attacker
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let victim_app = victim.app_token().await.unwrap();
    let rollover = |host: &str| {
        format!(
            "http://{host}:{}/sandbox/v1/sandboxes/{}/keys/rollover",
            s.addr().port(),
            victim.id()
        )
    };
    // An address the server listens on is refused at registration already.
    let (st, r) = attacker
        .v1(
            Method::POST,
            "/webhooks/v1/registration",
            &token,
            Some(json!({"WebhookUrl": rollover("127.0.0.1"), "WebhookEvents": ["test-created"]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 400, "{r}");
    assert!(r.to_string().contains("own listeners"), "{r}");
    // A name is resolved when delivering, and refused then.
    let (st, r) = attacker
        .v1(
            Method::POST,
            "/webhooks/v1/registration",
            &token,
            Some(json!({"WebhookUrl": rollover("localhost"), "WebhookEvents": ["test-created"]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{r}");
    attacker
        .v1(Method::POST, "/webhooks/v1/registration/validationEvents", &token, None)
        .await
        .unwrap();
    let mut delivery = Value::Null;
    for _ in 0..200 {
        let (_, journal) = attacker
            .control(Method::GET, "/webhook-deliveries", None)
            .await
            .unwrap();
        delivery = journal["items"][0].clone();
        if delivery["status"] == "failed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(delivery["status"], "failed", "{delivery}");
    let attempts = delivery["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 1, "a refusal is not retried: {delivery}");
    let error = attempts[0]["error"].as_str().unwrap();
    assert!(
        error.contains("outbound policy") && error.contains("own listeners"),
        "{error}"
    );
    // The victim's keys were never rolled over: its tokens still work.
    let (st, _) = victim.get_v1("/v1/roles", &victim_app).await.unwrap();
    assert_ne!(st, 401);
}
