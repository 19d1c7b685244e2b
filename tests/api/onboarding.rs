//! Onboarding through real HTTP: registration, the three checks, their remedies, the mailbox and
//! what a `/v1` client sees at each step.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::support::*;

struct Ob {
    s: Server,
    sb: Value,
}

const LEGAL: &str = "/v1/profiles/legalbusiness";

impl Ob {
    async fn new() -> Self {
        let s = server().await;
        let sb = s.create_sandbox(json!({"scenario": "onboarding"})).await.unwrap();
        Ob { s, sb }
    }
    fn sid(&self) -> &str {
        self.sb["id"].as_str().unwrap()
    }
    /// 0 admin (Global admin), 1 legal (Account admin), 2 sales (Sales agent).
    fn user(&self, i: usize) -> &str {
        self.sb["tenants"][0]["users"][i]["id"].as_str().unwrap()
    }
    fn path(&self, rest: &str) -> String {
        format!("/sandbox/v1/sandboxes/{}{rest}", self.sid())
    }
    async fn act(&self, action: &str, body: Value) -> (StatusCode, Value) {
        post(&self.s, &self.path(&format!("/actions/{action}")), body).await
    }
    async fn register(&self, change: impl FnOnce(&mut Value)) -> (StatusCode, Value) {
        let mut body = registration(self.user(0));
        change(&mut body);
        self.act("register-partner", body).await
    }
    async fn mailbox(&self) -> Vec<Value> {
        let (st, m) = get(&self.s, &self.path("/mailbox")).await;
        assert_eq!(st, StatusCode::OK, "{m}");
        m["items"].as_array().unwrap().clone()
    }
    /// The link of the newest email-ownership message.
    async fn newest_link(&self) -> String {
        let mails = self.mailbox().await;
        let m = mails
            .iter()
            .find(|m| m["subject"].as_str().unwrap().contains("Verify your email"))
            .expect("an email-ownership message");
        m["links"][0].as_str().unwrap().to_owned()
    }
    async fn follow(&self, link: &str) -> (StatusCode, String) {
        let res = self.s.client().get(link).send().await.unwrap();
        (res.status(), res.text().await.unwrap())
    }
    async fn advance(&self, body: Value) {
        let (st, b) = post(&self.s, &self.path("/clock"), body).await;
        assert_eq!(st, StatusCode::OK, "{b}");
    }
    /// `vettingStatus`/`vettingSubStatus` as a `/v1` client with an MFA token sees them.
    async fn vetting(&self, version: &str) -> (String, String) {
        let (st, t) = post(
            &self.s,
            &self.path("/tokens"),
            json!({"clientId": self.sb["apps"][0]["clientId"], "userId": self.user(0), "mfa": true}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{t}");
        let res = self
            .s
            .client()
            .get(self.s.url(&format!("{LEGAL}?vettingVersion={version}")))
            .bearer_auth(t["access_token"].as_str().unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let p: Value = res.json().await.unwrap();
        (
            p["vettingStatus"].as_str().unwrap().to_owned(),
            p["vettingSubStatus"].as_str().unwrap().to_owned(),
        )
    }
    async fn partner(&self) -> Value {
        let (_, sb) = get(&self.s, &self.path("")).await;
        sb["tenants"][0]["partner"].clone()
    }
}

fn registration(admin: &str) -> Value {
    json!({
        "as": admin,
        "companyName": "Fabrikam Japan 株式会社",
        "website": "https://www.fabrikam.co.jp",
        "address": {"country": "JP", "state": "東京都", "city": "千代田区",
                    "addressLine1": "丸の内 2-7-2", "postalCode": "100-7090"},
        "primaryContact": {"firstName": "花子", "lastName": "佐藤",
                           "email": "hanako.sato@fabrikam.co.jp", "phoneNumber": "03-1234-0000"}
    })
}

fn check<'a>(partner: &'a Value, name: &str) -> &'a Value {
    &partner["verification"]["checks"][name]
}

#[tokio::test]
async fn registration_to_approved_through_the_email_link() {
    let ob = Ob::new().await;
    let (st, r) = ob.register(|_| {}).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let p = &r["partner"];
    let ids = p["partnerIds"].as_array().unwrap();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0]["type"], "PartnerGlobal");
    assert_eq!(ids[1]["type"], "PartnerLocation");
    for id in ids {
        assert_eq!(id["status"], "inactive");
        assert_eq!(id["partnerId"].as_str().unwrap().len(), 7);
        assert_eq!(id["country"], "JP");
    }
    assert_ne!(ids[0]["partnerId"], ids[1]["partnerId"]);
    assert_eq!(p["programs"][0]["program"], "ai-cloud-partner-program");
    assert_eq!(p["programs"][0]["status"], "pending");
    assert_eq!(p["verification"]["status"], "pending");
    assert_eq!(p["verification"]["label"]["ja-JP"], "保留中");
    assert_eq!(check(p, "emailOwnership")["state"], "pending");
    assert_eq!(check(p, "emailOwnership")["label"]["ja-JP"], "保留中");
    assert_eq!(check(p, "employment")["state"], "approved");
    assert_eq!(check(p, "employment")["label"]["ja-JP"], "承認済み");
    assert_eq!(check(p, "company")["state"], "approved");
    assert_eq!(
        ob.vetting("Current").await,
        ("pending".into(), "email_ownership".into())
    );
    assert_eq!(ob.vetting("LastFinalized").await, ("none".into(), "none".into()));

    let mails = ob.mailbox().await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["to"], "hanako.sato@fabrikam.co.jp");
    assert!(mails[0]["body"]
        .as_str()
        .unwrap()
        .contains("[メールアドレスを確認する]"));
    let (_, only_hers) = get(&ob.s, &ob.path("/mailbox?to=HANAKO.SATO@fabrikam.co.jp")).await;
    assert_eq!(only_hers["items"].as_array().unwrap().len(), 1);
    let (_, nobody) = get(&ob.s, &ob.path("/mailbox?to=someone@else.jp")).await;
    assert_eq!(nobody["items"].as_array().unwrap().len(), 0);

    let link = ob.newest_link().await;
    let (st, page) = ob.follow(&link).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("メールの確認に成功しました"), "{page}");

    assert_eq!(ob.vetting("Current").await, ("authorized".into(), "none".into()));
    assert_eq!(ob.vetting("LastFinalized").await, ("authorized".into(), "none".into()));
    assert_eq!(ob.vetting("None").await, ("none".into(), "none".into()));
    let p = ob.partner().await;
    assert_eq!(p["verification"]["status"], "authorized");
    assert_eq!(p["verification"]["label"]["ja-JP"], "承認済み");
    assert!(p["partnerIds"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "active"));
    assert_eq!(p["programs"][0]["status"], "active");
    assert_eq!(p["programs"][0]["statusLabel"]["ja-JP"], "アクティブ");
    assert!(ob.mailbox().await[0]["subject"]
        .as_str()
        .unwrap()
        .contains("確認が完了しました"));

    // The link has done its work.
    let (st, page) = ob.follow(&link).await;
    assert_eq!(st, StatusCode::OK);
    assert!(page.contains("既に確認されています"), "{page}");
    let res =
        ob.s.client()
            .get(&link)
            .header("accept-language", "en-US")
            .send()
            .await
            .unwrap();
    assert!(res.text().await.unwrap().contains("already verified"));
}

#[tokio::test]
async fn a_webmail_contact_is_rejected_and_fixed_by_correcting_the_contact() {
    let ob = Ob::new().await;
    let (st, r) = ob
        .register(|b| b["primaryContact"]["email"] = json!("hanako.sato@gmail.com"))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let email = check(&r["partner"], "emailOwnership");
    assert_eq!(email["state"], "rejected");
    assert_eq!(email["label"]["ja-JP"], "拒否");
    assert_eq!(email["reason"]["code"], "webmail");
    assert!(email["reason"]["ja-JP"].as_str().unwrap().contains("ウェブベース"));
    assert_eq!(
        ob.vetting("Current").await,
        ("rejected".into(), "email_ownership".into())
    );
    // No link was sent: the address is the problem, so a resend is refused.
    assert!(ob
        .mailbox()
        .await
        .iter()
        .all(|m| m["links"].as_array().unwrap().is_empty() || !m["subject"].as_str().unwrap().contains("Verify")));
    let got = ob.act("resend-verification-email", json!({"as": ob.user(0)})).await;
    assert_problem(&got, 409, "EmailAddressNotAllowed", None);

    // The Account admin corrects the contact: a new verification, a link, approval.
    let (st, r) = ob
        .act(
            "update-legal-profile",
            json!({"as": ob.user(1), "primaryContact": {"firstName": "花子", "lastName": "佐藤",
                   "email": "hanako.sato@fabrikam.co.jp", "phoneNumber": "03-1234-0000"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["partner"]["verification"]["version"], 2);
    assert_eq!(
        ob.vetting("Current").await,
        ("pending".into(), "email_ownership".into())
    );
    assert_eq!(
        ob.vetting("LastFinalized").await,
        ("rejected".into(), "email_ownership".into())
    );
    let (st, _) = ob.follow(&ob.newest_link().await).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ob.vetting("Current").await, ("authorized".into(), "none".into()));
}

#[tokio::test]
async fn an_onmicrosoft_contact_is_rejected() {
    let ob = Ob::new().await;
    let (_, r) = ob
        .register(|b| b["primaryContact"]["email"] = json!("admin@fabrikamjp.onmicrosoft.com"))
        .await;
    assert_eq!(check(&r["partner"], "emailOwnership")["reason"]["code"], "onMicrosoft");
    assert_eq!(check(&r["partner"], "employment")["state"], "rejected");
}

#[tokio::test]
async fn employment_rejected_then_approved_after_a_reviewed_document() {
    let ob = Ob::new().await;
    let (_, r) = ob
        .register(|b| b["primaryContact"]["email"] = json!("hanako@fabrikam-group.jp"))
        .await;
    let emp = check(&r["partner"], "employment");
    assert_eq!(emp["state"], "rejected");
    assert_eq!(emp["reason"]["code"], "domainMismatch");
    assert!(emp["reason"]["ja-JP"].as_str().unwrap().contains("fabrikam-group.jp"));
    assert_eq!(
        ob.vetting("Current").await,
        ("rejected".into(), "employment_verification".into())
    );
    // The account owner gets the failure notice.
    assert!(ob
        .mailbox()
        .await
        .iter()
        .any(|m| m["subject"].as_str().unwrap().contains("確認に失敗しました")));

    // Only a role that may edit the legal profile may upload, and only the matching kind.
    let sales = ob
        .act(
            "upload-document",
            json!({"as": ob.user(2), "check": "employment", "kind": "domain-ownership"}),
        )
        .await;
    assert_problem(&sales, 403, "RoleRequired", None);
    assert!(sales.1["messages"]["ja-JP"]
        .as_str()
        .unwrap()
        .contains("アカウント管理者"));
    let wrong = ob
        .act(
            "upload-document",
            json!({"as": ob.user(1), "check": "employment", "kind": "registry-certificate"}),
        )
        .await;
    assert_problem(&wrong, 400, "WrongDocumentKind", Some("kind"));
    assert_eq!(check(&ob.partner().await, "employment")["state"], "rejected");

    let (st, r) = ob
        .act(
            "upload-document",
            json!({"as": ob.user(1), "check": "employment", "kind": "domain-ownership"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let emp = check(&r["partner"], "employment");
    assert_eq!(emp["state"], "pending");
    assert!(emp["reviewDue"].is_string());
    assert_eq!(emp["documents"][0]["kind"], "domain-ownership");
    assert_eq!(
        ob.vetting("Current").await,
        ("pending".into(), "email_ownership".into())
    );

    ob.follow(&ob.newest_link().await).await;
    assert_eq!(
        ob.vetting("Current").await,
        ("pending".into(), "employment_verification".into())
    );
    // The review takes two business days on the sandbox clock.
    ob.advance(json!({"businessDays": 1})).await;
    assert_eq!(check(&ob.partner().await, "employment")["state"], "pending");
    ob.advance(json!({"businessDays": 1})).await;
    assert_eq!(check(&ob.partner().await, "employment")["state"], "approved");
    assert_eq!(ob.vetting("Current").await, ("authorized".into(), "none".into()));
}

#[tokio::test]
async fn company_rejected_names_the_difference_and_a_fresh_certificate_fixes_it() {
    let ob = Ob::new().await;
    let (_, r) = ob.register(|b| b["address"]["city"] = json!("港区")).await;
    let co = check(&r["partner"], "company");
    assert_eq!(co["state"], "rejected");
    assert_eq!(co["reason"]["code"], "addressDiffers");
    assert!(co["reason"]["ja-JP"].as_str().unwrap().contains("市区町村"), "{co}");
    assert_eq!(ob.vetting("Current").await.0, "rejected");

    // The registry certificate must be recent: 13 months old is rejected, the check stays 拒否.
    let now = chrono::DateTime::parse_from_rfc3339(r["now"].as_str().unwrap()).unwrap();
    let old = (now - chrono::Duration::days(400)).format("%Y-%m-%d").to_string();
    let fresh = (now - chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    let future = (now + chrono::Duration::days(3)).format("%Y-%m-%d").to_string();
    let missing = ob
        .act(
            "upload-document",
            json!({"as": ob.user(0), "check": "company", "kind": "registry-certificate"}),
        )
        .await;
    assert_problem(&missing, 400, "Required", Some("issuedOn"));
    let ahead = ob
        .act(
            "upload-document",
            json!({"as": ob.user(0), "check": "company", "kind": "registry-certificate", "issuedOn": future}),
        )
        .await;
    assert_problem(&ahead, 400, "IssuedInFuture", Some("issuedOn"));
    let (st, r) = ob
        .act(
            "upload-document",
            json!({"as": ob.user(0), "check": "company", "kind": "registry-certificate", "issuedOn": old}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let co = check(&r["partner"], "company");
    assert_eq!(co["state"], "rejected");
    assert_eq!(co["reason"]["code"], "documentTooOld");

    let (_, r) = ob
        .act(
            "upload-document",
            json!({"as": ob.user(0), "check": "company", "kind": "registry-certificate", "issuedOn": fresh}),
        )
        .await;
    assert_eq!(check(&r["partner"], "company")["state"], "pending");
    ob.follow(&ob.newest_link().await).await;
    assert_eq!(
        ob.vetting("Current").await,
        ("pending".into(), "business_verification".into())
    );
    ob.advance(json!({"advance": "P7D"})).await;
    assert_eq!(ob.vetting("Current").await, ("authorized".into(), "none".into()));
}

#[tokio::test]
async fn links_expire_and_a_resend_voids_the_old_one() {
    let ob = Ob::new().await;
    ob.register(|_| {}).await;
    let first = ob.newest_link().await;
    ob.advance(json!({"advance": "P8D"})).await;
    let p = ob.partner().await;
    assert_eq!(check(&p, "emailOwnership")["state"], "rejected");
    assert_eq!(check(&p, "emailOwnership")["reason"]["code"], "linkExpired");
    assert_eq!(
        ob.vetting("Current").await,
        ("rejected".into(), "email_ownership".into())
    );
    let (st, page) = ob.follow(&first).await;
    assert_eq!(st, StatusCode::GONE);
    assert!(page.contains("有効期限が切れています"), "{page}");

    let (st, r) = ob.act("resend-verification-email", json!({"as": ob.user(0)})).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(check(&r["partner"], "emailOwnership")["state"], "pending");
    let second = ob.newest_link().await;
    assert_ne!(first, second);
    let (st, page) = ob.follow(&first).await;
    assert_eq!(st, StatusCode::GONE);
    assert!(page.contains("このリンクは無効です"), "{page}");
    let (st, _) = ob.follow(&second).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(ob.vetting("Current").await.0, "authorized");
    let again = ob.act("resend-verification-email", json!({"as": ob.user(0)})).await;
    assert_problem(&again, 409, "EmailAlreadyVerified", None);

    let unknown =
        ob.s.client()
            .get(ob.s.url("/dashboard/verification/email/nope"))
            .send()
            .await
            .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn decide_verification_forces_outcomes_and_last_finalized_keeps_the_old_one() {
    let ob = Ob::new().await;
    ob.register(|_| {}).await;
    let (st, r) = ob
        .act(
            "decide-verification",
            json!({"check": "company", "outcome": "rejected", "reason": "登記簿と不一致"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(check(&r["partner"], "company")["reason"]["ja-JP"], "登記簿と不一致");
    assert_eq!(
        ob.vetting("Current").await,
        ("rejected".into(), "business_verification".into())
    );
    for c in ["company", "emailOwnership"] {
        let (st, _) = ob
            .act("decide-verification", json!({"check": c, "outcome": "Approved"}))
            .await;
        assert_eq!(st, StatusCode::OK);
    }
    assert_eq!(ob.vetting("Current").await.0, "authorized");

    // A new contact starts a new verification; while it runs, the last finished one stays visible.
    let (st, r) = ob
        .act(
            "update-legal-profile",
            json!({"as": ob.user(0), "primaryContact": {"firstName": "太郎", "lastName": "鈴木",
                   "email": "taro.suzuki@fabrikam.co.jp", "phoneNumber": "03-1234-0001"}}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(r["partner"]["verification"]["version"], 2);
    assert_eq!(
        ob.vetting("Current").await,
        ("pending".into(), "email_ownership".into())
    );
    assert_eq!(ob.vetting("LastFinalized").await, ("authorized".into(), "none".into()));
    // A new legal name the registry does not know is rejected at once (and so finished).
    let (st, r) = ob
        .act(
            "update-legal-profile",
            json!({"as": ob.user(0), "companyName": "Fabrikam 株式会社"}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    assert_eq!(check(&r["partner"], "company")["reason"]["code"], "nameDiffers");
    assert_eq!(
        ob.vetting("Current").await,
        ("rejected".into(), "business_verification".into())
    );
    // The partner IDs stay active through a re-verification.
    assert!(ob.partner().await["partnerIds"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "active"));

    let bad = ob
        .act("decide-verification", json!({"check": "company", "outcome": "maybe"}))
        .await;
    assert_problem(&bad, 400, "InvalidOutcome", Some("outcome"));
    let bad = ob
        .act(
            "decide-verification",
            json!({"check": "identity", "outcome": "approved"}),
        )
        .await;
    assert_problem(&bad, 400, "UnknownCheck", Some("check"));
}

#[tokio::test]
async fn refused_registrations_change_nothing() {
    let ob = Ob::new().await;
    let got = ob.register(|b| b["as"] = json!(ob.user(2))).await;
    assert_problem(&got, 403, "GlobalAdminRequired", None);
    assert_eq!(
        got.1["messages"]["ja-JP"],
        "この操作を行うには、グローバル管理者のロールが必要です。"
    );
    let got = ob.register(|b| b["as"] = json!(ob.user(1))).await;
    assert_problem(&got, 403, "GlobalAdminRequired", None);
    let got = ob
        .register(|b| {
            b["primaryContact"].as_object_mut().unwrap().remove("phoneNumber");
        })
        .await;
    assert_problem(&got, 400, "Required", Some("primaryContact.phoneNumber"));
    assert_eq!(got.1["messages"]["ja-JP"], "この項目は必須です。");
    let got = ob
        .register(|b| {
            b["address"].as_object_mut().unwrap().remove("state");
        })
        .await;
    assert_problem(&got, 400, "Required", Some("address.state"));
    let got = ob.register(|b| b["as"] = json!("not-a-user")).await;
    assert_problem(&got, 404, "NotFound", Some("as"));
    let got = ob
        .register(|b| b.as_object_mut().unwrap().remove("as").map(|_| ()).unwrap())
        .await;
    assert_problem(&got, 400, "Required", Some("as"));
    let got = ob
        .register(|b| b["primaryContact"]["email"] = json!("not-an-address"))
        .await;
    assert_problem(&got, 400, "InvalidField", Some("primaryContact.email"));
    let got = ob.register(|b| b["colour"] = json!("blue")).await;
    assert_problem(&got, 400, "InvalidField", Some("colour"));
    let got = post_raw(&ob.s, &ob.path("/actions/register-partner"), "{\"as\": ").await;
    assert_eq!(got.0, StatusCode::BAD_REQUEST);
    let got = ob.act("enroll-everything", json!({})).await;
    assert_problem(&got, 404, "UnknownAction", None);
    // Nothing happened: no partner, no mail.
    assert!(ob.partner().await.is_null());
    assert!(ob.mailbox().await.is_empty());
    // Actions before registration have nothing to act on.
    let got = ob.act("resend-verification-email", json!({"as": ob.user(0)})).await;
    assert_problem(&got, 404, "NotAPartner", None);

    let (st, _) = ob.register(|_| {}).await;
    assert_eq!(st, StatusCode::CREATED);
    let again = ob.register(|_| {}).await;
    assert_problem(&again, 409, "AlreadyRegistered", None);
}

#[tokio::test]
async fn the_registry_and_review_time_are_set_per_sandbox_and_reset_with_it() {
    let ob = Ob::new().await;
    let (_, reg) = get(&ob.s, &ob.path("/registry")).await;
    assert_eq!(reg["items"].as_array().unwrap().len(), 2);
    let (st, e) = post(
        &ob.s,
        &ob.path("/registry"),
        json!({"companyName": "株式会社トレイ", "address": {"country": "JP", "city": "札幌市", "addressLine1": "北一条西 1-1", "postalCode": "060-0001"}}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    let bad = post(
        &ob.s,
        &ob.path("/registry"),
        json!({"companyName": "X", "address": {"country": "JP"}}),
    )
    .await;
    assert_eq!(bad.0, StatusCode::BAD_REQUEST);
    let (st, sb) = call(
        &ob.s,
        reqwest::Method::PATCH,
        &ob.path(""),
        Some(json!({"reviewBusinessDays": 5})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{sb}");
    assert_eq!(sb["reviewBusinessDays"], 5);
    let bad = call(
        &ob.s,
        reqwest::Method::PATCH,
        &ob.path(""),
        Some(json!({"reviewBusinessDays": 61})),
    )
    .await;
    assert_problem(&bad, 400, "InvalidField", Some("reviewBusinessDays"));

    ob.register(|_| {}).await;
    let (st, sb) = post(&ob.s, &ob.path("/reset"), json!({})).await;
    assert_eq!(st, StatusCode::OK);
    assert!(sb["tenants"][0]["partner"].is_null());
    assert_eq!(sb["reviewBusinessDays"], 2);
    assert!(ob.mailbox().await.is_empty());
    let (_, reg) = get(&ob.s, &ob.path("/registry")).await;
    assert_eq!(reg["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn the_default_partner_is_fully_verified() {
    let s = server().await;
    let sb = s.create_sandbox(json!({})).await.unwrap();
    let p = &sb["tenants"][0]["partner"];
    assert_eq!(p["verification"]["status"], "authorized");
    for c in ["emailOwnership", "employment", "company"] {
        assert_eq!(p["verification"]["checks"][c]["state"], "approved");
    }
    let programs: Vec<&str> = p["programs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["program"].as_str().unwrap())
        .collect();
    assert_eq!(programs, ["ai-cloud-partner-program", "csp-indirect-provider"]);
    assert!(p["partnerIds"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "active"));
    // A PUT through /v1 is a profile update: verified again, and the registry still knows Contoso.
    let (st, t) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/{}/tokens", sb["id"].as_str().unwrap()),
        json!({"clientId": sb["apps"][0]["clientId"], "userId": sb["tenants"][0]["users"][0]["id"], "mfa": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    let token = t["access_token"].as_str().unwrap();
    let res = s.client().get(s.url(LEGAL)).bearer_auth(token).send().await.unwrap();
    let mut profile: Value = res.json().await.unwrap();
    profile["primaryContact"]["email"] = json!("hanako@contoso.co.jp");
    let res = s
        .client()
        .put(s.url(LEGAL))
        .bearer_auth(token)
        .json(&profile)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["vettingStatus"], "pending");
    assert_eq!(after["vettingSubStatus"], "email_ownership");
    let (_, mail) = get(
        &s,
        &format!(
            "/sandbox/v1/sandboxes/{}/mailbox?to=hanako@contoso.co.jp",
            sb["id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(mail["items"].as_array().unwrap().len(), 1);
}
