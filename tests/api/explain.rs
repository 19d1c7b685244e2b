//! Every refusal is explained in the journal, on every surface: the rule (its code), the field at
//! fault and what stood behind it; `GET .../requests/{id}` and `?refused=true` show them.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::identity::{World, PC};
use crate::support::{get, post};

impl World {
    fn cp(&self, rest: &str) -> String {
        format!("/sandbox/v1/sandboxes/{}{rest}", self.sb["id"].as_str().unwrap())
    }

    async fn refusals(&self) -> Vec<Value> {
        let (st, j) = get(&self.s, &self.cp("/requests?refused=true")).await;
        assert_eq!(st, StatusCode::OK, "{j}");
        j["items"].as_array().unwrap().clone()
    }
}

#[tokio::test]
async fn a_token_refusal_says_why_for_this_user() {
    let w = World::new().await;
    let upn = w.user(1)["userPrincipalName"].as_str().unwrap().to_owned();
    let (st, e) = w
        .token(&[
            ("grant_type", "password"),
            ("client_id", w.public()),
            ("username", &upn),
            ("password", "Secure-Password-1"),
            ("scope", PC),
        ])
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(e["error_codes"][0], 50076);
    let refused = w.refusals().await;
    let r = &refused[0];
    assert_eq!(
        (r["surface"].as_str(), r["status"].as_u64()),
        (Some("entra"), Some(400)),
        "{r}"
    );
    assert_eq!(r["operation"], "token password");
    assert_eq!(r["userPrincipalName"], upn.as_str());
    assert_eq!(r["refusal"]["code"], "AADSTS50076");
    let why = r["refusal"]["explanation"].as_str().unwrap();
    assert!(why.contains(&upn) && why.contains("MFA registered"), "{why}");
    // A wrong password says which rule, and not the password.
    w.token(&[
        ("grant_type", "password"),
        ("client_id", w.public()),
        ("username", &upn),
        ("password", "not-it"),
        ("scope", PC),
    ])
    .await;
    let r = &w.refusals().await[0];
    assert_eq!(r["refusal"]["code"], "AADSTS50126");
    assert!(
        !r.to_string().contains("not-it"),
        "the journal never keeps a password: {r}"
    );
}

#[tokio::test]
async fn control_plane_and_partner_center_refusals_name_their_rule_and_field() {
    let w = World::new().await;
    // An action refused by the portal's rule: no partner account to accept an agreement for.
    let res =
        w.s.client()
            .post(w.s.url(&w.cp("/actions/accept-agreement")))
            .json(&json!({"as": w.user(0)["id"], "agreementType": "MicrosoftPartnerAgreement"}))
            .send()
            .await
            .unwrap();
    assert!(res.status().is_client_error());
    let rid = res.headers()["ms-requestid"].to_str().unwrap().to_owned();
    let body: Value = res.json().await.unwrap();
    let (st, one) = get(&w.s, &w.cp(&format!("/requests/{rid}"))).await;
    assert_eq!(st, StatusCode::OK, "{one}");
    assert_eq!(one["surface"], "control-plane");
    assert_eq!(one["operation"], "action accept-agreement");
    assert_eq!(one["refusal"]["code"], body["code"], "{one} {body}");
    assert_eq!(one["refusal"]["explanation"], body["detail"]);
    // A bad field names itself.
    let (st, _) = post(
        &w.s,
        &w.cp("/actions/register-partner"),
        json!({"as": w.user(0)["id"], "compnyName": "x"}),
    )
    .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let r = &w.refusals().await[0];
    assert_eq!(
        (r["refusal"]["code"].as_str(), r["refusal"]["field"].as_str()),
        (Some("InvalidField"), Some("compnyName"))
    );

    // /v1: the role rule (900150), with the documented text on the wire and the journal's note.
    let (st, t) = post(
        &w.s,
        &w.cp("/tokens"),
        json!({"clientId": w.conf(), "userId": w.user(0)["id"], "mfa": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let token = t["access_token"].as_str().unwrap();
    let res =
        w.s.client()
            .get(w.s.url("/v1/profiles/legalbusiness"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let r = &w.refusals().await[0];
    assert_eq!(
        (r["surface"].as_str(), r["refusal"]["code"].as_str()),
        (Some("partner-center"), Some("900150")),
        "{r}"
    );
    // Unknown request ids are a 404 that names the field.
    let (st, e) = get(&w.s, &w.cp("/requests/nope")).await;
    assert_eq!((st, e["field"].as_str()), (StatusCode::NOT_FOUND, Some("requestId")));
}
