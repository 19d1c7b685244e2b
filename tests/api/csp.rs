//! STEP2 and STEP4 through real HTTP: a reseller from registration to 「間接リセラーの状態
//! アクティブ」 and a provider relationship, every enrollment refusal with its message, the MPA
//! status check before and after acceptance, customers for the reseller and their agreements.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::*;

struct Csp {
    s: Server,
    sb: Value,
}

/// Tenants of the `indirect-reseller` scenario.
const CONTOSO: usize = 0;
const FABRIKAM: usize = 1;
const FABRIKAM_CSP: usize = 2;
const LITWARE: usize = 3;

const NAME_EXISTS: &str =
    "この名前は既にシステムに存在します。名前を変更するか、Microsoft サポートにお問い合わせください";

impl Csp {
    async fn new(scenario: &str) -> Self {
        let s = server().await;
        let sb = s.create_sandbox(json!({ "scenario": scenario })).await.unwrap();
        Csp { s, sb }
    }
    fn sid(&self) -> &str {
        self.sb["id"].as_str().unwrap()
    }
    fn tenant(&self, t: usize) -> &str {
        self.sb["tenants"][t]["id"].as_str().unwrap()
    }
    fn user(&self, t: usize, u: usize) -> &str {
        self.sb["tenants"][t]["users"][u]["id"].as_str().unwrap()
    }
    fn path(&self, rest: &str) -> String {
        format!("/sandbox/v1/sandboxes/{}{rest}", self.sid())
    }
    async fn act(&self, action: &str, body: Value) -> (StatusCode, Value) {
        post(&self.s, &self.path(&format!("/actions/{action}")), body).await
    }
    async fn partner(&self, t: usize) -> Value {
        let (_, sb) = get(&self.s, &self.path("")).await;
        sb["tenants"][t]["partner"].clone()
    }
    async fn mailbox(&self, to: &str) -> Vec<Value> {
        let (st, m) = get(&self.s, &self.path(&format!("/mailbox?to={to}"))).await;
        assert_eq!(st, StatusCode::OK, "{m}");
        m["items"].as_array().unwrap().clone()
    }
    async fn follow_newest_email_link(&self, to: &str) {
        let mails = self.mailbox(to).await;
        let link = mails
            .iter()
            .find(|m| m["subject"].as_str().unwrap().contains("Verify your email"))
            .expect("an email-ownership message")["links"][0]
            .as_str()
            .unwrap()
            .to_owned();
        let res = self.s.client().get(&link).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{link}");
    }
    /// An MFA token of a user, for an app of the sandbox.
    async fn token(&self, t: usize, u: usize) -> String {
        let app = self.sb["apps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["tenantId"] == self.sb["tenants"][t]["id"])
            .unwrap_or(&self.sb["apps"][0]);
        let (st, tok) = post(
            &self.s,
            &self.path("/tokens"),
            json!({"clientId": app["clientId"], "userId": self.user(t, u), "mfa": true}),
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{tok}");
        tok["access_token"].as_str().unwrap().to_owned()
    }
    async fn v1(&self, token: &str, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut req = self.s.client().request(method, self.s.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let st = res.status();
        let text = res.text().await.unwrap();
        (st, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
    /// Registers Fabrikam (its partner IDs inactive until verified); the action's answer.
    async fn register_fabrikam(&self) -> Value {
        let (st, r) = self
            .act(
                "register-partner",
                json!({
                    "as": self.user(FABRIKAM, 0),
                    "companyName": "Fabrikam Japan 株式会社",
                    "website": "https://www.fabrikam.co.jp",
                    "address": {"country": "JP", "state": "東京都", "city": "千代田区",
                                "addressLine1": "丸の内 2-7-2", "postalCode": "100-7090"},
                    "primaryContact": {"firstName": "花子", "lastName": "佐藤",
                                       "email": "hanako.sato@fabrikam.co.jp", "phoneNumber": "03-1234-0000"}
                }),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{r}");
        r
    }
    /// Registers Fabrikam and confirms the email: its partner IDs are active. Returns (PGA, PLA).
    async fn fabrikam_verified(&self) -> (String, String) {
        self.register_fabrikam().await;
        self.follow_newest_email_link("hanako.sato@fabrikam.co.jp").await;
        let p = self.partner(FABRIKAM).await;
        assert_eq!(p["verification"]["status"], "authorized", "{p}");
        let ids = p["partnerIds"].as_array().unwrap();
        assert!(ids.iter().all(|i| i["status"] == "active"));
        (
            ids[0]["partnerId"].as_str().unwrap().to_owned(),
            ids[1]["partnerId"].as_str().unwrap().to_owned(),
        )
    }
}

fn enrollment(as_user: &str, partner_id: &str, name: &str, email: &str) -> Value {
    json!({
        "as": as_user,
        "partnerId": partner_id,
        "companyName": name,
        "primaryContact": {"firstName": "花子", "lastName": "佐藤", "email": email, "phoneNumber": "03-1234-0000"},
        "supportProfile": {"website": "https://www.fabrikam.co.jp/support", "email": "support@fabrikam.co.jp"}
    })
}

#[track_caller]
fn assert_refusal(got: &(StatusCode, Value), status: u16, code: &str, ja: &str) {
    assert_eq!(got.0.as_u16(), status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    let msg = got.1["messages"]["ja-JP"].as_str().unwrap_or_default();
    assert!(msg.contains(ja), "{msg} does not contain {ja}");
    assert!(got.1["messages"]["en-US"].as_str().is_some_and(|m| !m.is_empty()));
}

#[tokio::test]
async fn a_reseller_walks_from_registration_to_active_and_a_provider_relationship() {
    let c = Csp::new("indirect-reseller").await;
    let (pga, pla) = c.fabrikam_verified().await;
    let admin = c.user(FABRIKAM, 0);
    let contoso = c.token(CONTOSO, 0).await;
    let status = |q: String| {
        let c = &c;
        let t = contoso.clone();
        async move {
            c.v1(
                &t,
                Method::GET,
                &format!("/v1/compliance/csp/agreementstatus?{q}"),
                None,
            )
            .await
        }
    };
    // Not yet a CSP account: the provider's check says so.
    let (st, e) = status(format!("mpnId={pla}")).await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(2204)), "{e}");
    assert_eq!(e["source"], "PartnerFD");

    // Each refusal of the enrollment, with the portal's message.
    let hanako = "hanako.sato@fabrikam.co.jp";
    let name = "Fabrikam Japan 株式会社 ";
    let got = c
        .act("enroll-csp-indirect-reseller", enrollment(admin, &pga, name, hanako))
        .await;
    assert_refusal(
        &got,
        400,
        "LocationIdRequired",
        "\"グローバル\" のパートナー ID を使用することはできません",
    );
    assert_eq!(got.1["field"], "partnerId");
    let litware_pla = c.partner(LITWARE).await["partnerIds"][1]["partnerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(admin, &litware_pla, name, hanako),
        )
        .await;
    assert_refusal(
        &got,
        400,
        "CountryMismatch",
        "場所のパートナー ID がアクティブで、CSP アカウントと同じ国にある必要があります。",
    );
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(admin, "9999999", name, hanako),
        )
        .await;
    assert_refusal(&got, 404, "PartnerIdNotFound", "9999999");
    for (email, code) in [
        ("hanako@gmail.com", "WebmailAddress"),
        ("admin@fabrikamjp.onmicrosoft.com", "OnMicrosoftAddress"),
    ] {
        let got = c
            .act("enroll-csp-indirect-reseller", enrollment(admin, &pla, name, email))
            .await;
        assert_refusal(&got, 400, code, ".onmicrosoft.com アドレスを含む、ウェブベースの電子メール サービスの電子メール アドレスはご利用いただけません。");
        assert_eq!(got.1["field"], "primaryContact.email");
    }
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(admin, &pla, "Fabrikam Japan 株式会社", hanako),
        )
        .await;
    assert_refusal(&got, 409, "NameExists", NAME_EXISTS);
    assert_eq!(got.1["messages"]["ja-JP"], NAME_EXISTS);
    assert_eq!(got.1["field"], "companyName");
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(c.user(FABRIKAM, 1), &pla, name, hanako),
        )
        .await;
    assert_refusal(&got, 403, "GlobalAdminRequired", "グローバル管理者");
    assert_eq!(c.partner(FABRIKAM).await["csp"], Value::Null, "refusals change nothing");

    // A trailing space gets past the taken name: enrolled, verified afresh, reseller pending.
    let (st, r) = c
        .act("enroll-csp-indirect-reseller", enrollment(admin, &pla, name, hanako))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let p = &r["partner"];
    assert_eq!(p["csp"]["partnerId"], pla.as_str());
    assert_eq!(p["csp"]["canTransact"], false);
    assert_eq!(p["verification"]["status"], "pending");
    assert_eq!(p["verification"]["version"], 2);
    assert_eq!(p["verification"]["checks"]["emailOwnership"]["state"], "pending");
    let reseller = p["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["program"] == "csp-indirect-reseller")
        .unwrap()
        .clone();
    assert_eq!(reseller["status"], "pending");
    assert_eq!(reseller["statusLine"]["ja-JP"], "間接リセラーの状態 保留中");

    // The MPA waits for the authorized profile; before it, the check answers 2203 / 2206.
    let mpa = |who: &str| json!({"as": who, "agreementType": "MicrosoftPartnerAgreement"});
    let got = c.act("accept-agreement", mpa(admin)).await;
    assert_refusal(&got, 409, "ProfileNotAuthorized", "承認済み");
    let (st, e) = status(format!("mpnId={pla}")).await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(2203)), "{e}");
    assert_eq!(
        e["description"],
        format!("MPN Id {pla} has not signed Microsoft Partner Agreement (MPA) for the CSP region where the order is being placed. Please advise your reseller to sign MPA to continue with the order.")
    );
    let fabrikam_tenant = c.tenant(FABRIKAM).to_owned();
    let (st, e) = status(format!("tenantId={fabrikam_tenant}")).await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(2206)), "{e}");
    assert_eq!(
        e["description"],
        format!("Parnter Center Account associated to Tenant Id {fabrikam_tenant} hasn't signed the agreement")
    );

    c.follow_newest_email_link(hanako).await;
    let p = c.partner(FABRIKAM).await;
    assert_eq!(p["verification"]["status"], "authorized", "{p}");
    let got = c.act("accept-agreement", mpa(c.user(FABRIKAM, 1))).await;
    assert_refusal(&got, 403, "GlobalAdminRequired", "グローバル管理者");
    let got = c
        .act(
            "accept-agreement",
            json!({"as": admin, "agreementType": "MicrosoftCloudAgreement"}),
        )
        .await;
    assert_refusal(&got, 400, "UnknownAgreementType", "MicrosoftPartnerAgreement");
    let (st, r) = c.act("accept-agreement", mpa(admin)).await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let p = &r["partner"];
    let reseller = p["programs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["program"] == "csp-indirect-reseller")
        .unwrap()
        .clone();
    assert_eq!(reseller["status"], "active");
    assert_eq!(reseller["statusLine"]["ja-JP"], "間接リセラーの状態 アクティブ");
    assert_eq!(p["csp"]["canTransact"], true);
    assert_eq!(p["agreements"][0]["agreementType"], "MicrosoftPartnerAgreement");
    assert_eq!(p["agreements"][0]["acceptedByUpn"], "admin@fabrikamjp.onmicrosoft.com");
    assert_refusal(
        &c.act("accept-agreement", mpa(admin)).await,
        409,
        "AgreementAlreadyAccepted",
        "同意済み",
    );

    // After the MPA: signed by the PLA, the PGA and the CSP tenant; the PLA is valid on record.
    for q in [
        format!("mpnId={pla}"),
        format!("mpnid={pga}"),
        format!("tenantId={fabrikam_tenant}"),
    ] {
        let (st, b) = status(q.clone()).await;
        assert_eq!(st, StatusCode::OK, "{q}: {b}");
        assert_eq!(b, json!({"isAgreementSigned": true}));
    }
    let (st, v) = c
        .v1(
            &contoso,
            Method::POST,
            "/v1/partners/validateresellers",
            Some(json!({"partnerIds": [pla, pga, "123"]})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let r = v["validationResults"].as_array().unwrap();
    assert_eq!(r[0], json!({"partnerId": pla, "isValidPartnerIdOnRecord": true}));
    assert_eq!(r[1]["isValidPartnerIdOnRecord"], false);
    assert_eq!(r[1]["errorCode"], 900400);
    assert!(r[2]["errorDescription"]
        .as_str()
        .unwrap()
        .starts_with("The PLA ID (formerly MPN ID) 123 "));

    // STEP4: Contoso's Admin agent invites; the mail links to the request page.
    let (st, inv) = c
        .act(
            "invite-reseller",
            json!({"as": c.user(CONTOSO, 1), "resellerPartnerId": pla}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{inv}");
    let req = &inv["request"];
    assert_eq!(req["state"], "pending");
    let id = req["id"].as_str().unwrap().to_owned();
    let mail = c
        .mailbox(hanako)
        .await
        .into_iter()
        .find(|m| {
            m["subject"]
                .as_str()
                .unwrap()
                .contains("間接プロバイダー パートナーシップの要求")
        })
        .expect("an invitation");
    let link = mail["links"][0].as_str().unwrap().to_owned();
    assert!(
        link.ends_with(&format!("/commerce/indirectresellers/relationshiprequest/{id}")),
        "{link}"
    );
    // The page is the portal's and needs a signed-in reseller admin (tests/api/portal.rs walks it).
    let page = c.s.client().get(&link).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    let to = page.headers()["location"].to_str().unwrap();
    assert!(
        to.starts_with("/dashboard/signin?return=%2Fcommerce%2Findirectresellers%2Frelationshiprequest%2F"),
        "{to}"
    );

    let respond =
        |decision: &str, consent: bool| json!({"as": admin, "requestId": id, "decision": decision, "consent": consent});
    let got = c.act("respond-relationship-request", respond("approve", false)).await;
    assert_refusal(&got, 400, "ConsentRequired", "にチェックを入れてください");
    let got = c
        .act(
            "respond-relationship-request",
            json!({"as": c.user(CONTOSO, 0), "requestId": id, "decision": "approve", "consent": true}),
        )
        .await;
    assert_refusal(&got, 403, "OtherOrganizationsRequest", "別の組織");
    let (st, r) = c.act("respond-relationship-request", respond("postpone", false)).await;
    assert_eq!(
        (st, r["request"]["state"].as_str()),
        (StatusCode::OK, Some("postponed")),
        "{r}"
    );
    // Inviting again re-opens a postponed request.
    let (st, again) = c
        .act(
            "invite-reseller",
            json!({"as": c.user(CONTOSO, 0), "resellerPartnerId": pla}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{again}");
    assert_eq!(again["request"]["id"], id.as_str());
    assert_eq!(again["request"]["state"], "pending");
    let (st, r) = c.act("respond-relationship-request", respond("approve", true)).await;
    assert_eq!(
        (st, r["request"]["state"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{r}"
    );
    assert!(c
        .mailbox("taro.yamada@contoso.co.jp")
        .await
        .iter()
        .any(|m| m["subject"].as_str().unwrap().contains("承認しました")));

    // Both sides list the relationship.
    let (st, list) = c
        .v1(
            &contoso,
            Method::GET,
            "/v1/relationships?relationship_type=IsIndirectCloudSolutionProviderOf",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list["totalCount"], 1);
    assert_eq!(
        list["items"][0],
        json!({
            "id": fabrikam_tenant,
            "name": "Fabrikam Japan 株式会社",
            "relationshipType": "is_indirect_cloud_solution_provider_of",
            "state": "Active",
            "mpnId": pla,
            "location": "JP",
            "attributes": {"objectType": "PartnerRelationship"}
        })
    );
    assert_eq!(list["attributes"]["objectType"], "Collection");
    let fabrikam = c.token(FABRIKAM, 0).await;
    let (st, list) = c
        .v1(
            &fabrikam,
            Method::GET,
            "/v1/relationships?relationship_type=IsIndirectResellerOf",
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{list}");
    assert_eq!(list["items"][0]["name"], "Contoso Japan 株式会社");
    assert_eq!(list["items"][0]["relationshipType"], "is_indirect_reseller_of");
    assert_eq!(list["items"][0]["id"], c.tenant(CONTOSO));

    // The provider creates a customer for its reseller; the reseller sees it too.
    let (st, cust) = c
        .v1(
            &contoso,
            Method::POST,
            "/v1/customers",
            Some(customer("fabrikamcustomer1", Some(&fabrikam_tenant))),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{cust}");
    assert_eq!(cust["associatedPartnerId"], fabrikam_tenant.as_str());
    assert_eq!(cust["relationshipToPartner"], "reseller");
    assert_eq!(cust["companyProfile"]["domain"], "fabrikamcustomer1.onmicrosoft.com");
    assert_eq!(cust["userCredentials"]["userName"], "admin");
    let cid = cust["id"].as_str().unwrap().to_owned();
    let (st, rel) = c
        .v1(
            &contoso,
            Method::GET,
            &format!("/v1/customers/{cid}/relationships"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{rel}");
    assert_eq!(rel["items"][0]["id"], fabrikam_tenant.as_str());
    assert_eq!(rel["items"][0]["mpnId"], pla.as_str());
    assert!(
        cust["billingProfile"]["attributes"]["etag"].as_str().is_some(),
        "{cust}"
    );
    let (st, rel) = c
        .v1(
            &fabrikam,
            Method::GET,
            &format!("/v1/customers/{cid}/relationships"),
            None,
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{rel}");
    assert_eq!(
        rel["items"][0]["id"],
        c.tenant(CONTOSO),
        "the reseller sees the provider"
    );
    assert_eq!(
        rel["items"][0]["relationshipType"], "is_indirect_reseller_of",
        "the caller's own relationship, as in /v1/relationships"
    );
    let (st, mine) = c.v1(&fabrikam, Method::GET, "/v1/customers", None).await;
    assert_eq!(st, StatusCode::OK, "{mine}");
    assert_eq!(mine["totalCount"], 1);
    assert!(mine["items"][0].get("userCredentials").is_none());
}

fn customer(domain: &str, reseller: Option<&str>) -> Value {
    let mut c = json!({
        "CompanyProfile": {"Domain": domain},
        "BillingProfile": {
            "Email": "hanako@wingtip.co.jp", "Culture": "ja-JP", "Language": "ja",
            "CompanyName": "Wingtip Toys 株式会社",
            "DefaultAddress": {"FirstName": "花子", "LastName": "佐藤", "AddressLine1": "港南 2-16-3",
                               "City": "港区", "State": "東京都", "PostalCode": "108-0075",
                               "Country": "JP", "PhoneNumber": "03-0000-0000"}
        },
        "RelationshipToPartner": "none",
        "Attributes": {"ObjectType": "Customer"}
    });
    if let Some(r) = reseller {
        c["AssociatedPartnerId"] = json!(r);
    }
    c
}

#[tokio::test]
async fn a_second_tenant_can_be_the_csp_account_of_a_location_id_once() {
    let c = Csp::new("indirect-reseller").await;
    let (_, pla) = c.fabrikam_verified().await;
    // Another company's location needs a contact in that company's domains.
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(c.user(FABRIKAM_CSP, 0), &pla, "Fabrikam CSP", "someone@contoso.co.jp"),
        )
        .await;
    assert_refusal(&got, 403, "PartnerIdOfAnotherCompany", "別の会社");
    // The new organization account links Fabrikam's location; a trailing period passes the name.
    let body = json!({
        "as": c.user(FABRIKAM_CSP, 0),
        "partnerId": pla,
        "companyName": "Fabrikam Japan 株式会社.",
        "primaryContact": {"firstName": "花子", "lastName": "佐藤",
                           "email": "hanako.sato@fabrikam.co.jp", "phoneNumber": "03-1234-0000"}
    });
    let (st, r) = c.act("enroll-csp-indirect-reseller", body).await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    let p = &r["partner"];
    assert_eq!(p["tenantId"], c.tenant(FABRIKAM_CSP));
    assert_eq!(p["csp"]["locationTenantId"], c.tenant(FABRIKAM));
    assert_eq!(p["csp"]["support"]["website"], "https://www.fabrikam.co.jp");
    assert_eq!(p["partnerIds"], json!([]));
    // The company and employment checks pass on the location's address and website.
    assert_eq!(p["verification"]["checks"]["company"]["state"], "approved", "{p}");
    assert_eq!(p["verification"]["checks"]["employment"]["state"], "approved", "{p}");
    assert_eq!(p["verification"]["checks"]["emailOwnership"]["state"], "pending");

    // The location is taken now: Fabrikam's own tenant cannot associate it again.
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(
                c.user(FABRIKAM, 0),
                &pla,
                "Fabrikam Japan 株式会社 ",
                "hanako.sato@fabrikam.co.jp",
            ),
        )
        .await;
    assert_refusal(&got, 409, "PartnerIdAlreadyAssociated", "既に別の CSP アカウント");
    // And the CSP account cannot enroll twice.
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(
                c.user(FABRIKAM_CSP, 0),
                &pla,
                "Fabrikam X",
                "hanako.sato@fabrikam.co.jp",
            ),
        )
        .await;
    assert_refusal(&got, 409, "AlreadyEnrolled", "既に CSP 間接リセラー");
}

#[tokio::test]
async fn an_inactive_location_id_is_refused() {
    let c = Csp::new("indirect-reseller").await;
    let r = c.register_fabrikam().await;
    let pla = r["partner"]["partnerIds"][1]["partnerId"].as_str().unwrap();
    let got = c
        .act(
            "enroll-csp-indirect-reseller",
            enrollment(
                c.user(FABRIKAM_CSP, 0),
                pla,
                "Fabrikam CSP",
                "hanako.sato@fabrikam.co.jp",
            ),
        )
        .await;
    assert_refusal(&got, 409, "LocationIdInactive", "アクティブではありません");
}

#[tokio::test]
async fn the_mpa_status_check_answers_every_documented_bad_request() {
    let c = Csp::new("indirect-reseller").await;
    let t = c.token(CONTOSO, 0).await;
    let q = |s: &str| format!("/v1/compliance/csp/agreementstatus{s}");
    let litware = c.tenant(LITWARE).to_owned();
    for (query, code, description, source) in [
        ("", 2001, "Both MPN Id and Tenant Id cannot be empty.".to_owned(), "ComplianceController"),
        (
            "?mpnId=1234567&tenantId=6e6aef4a-0000-0000-0000-000000000000",
            2000,
            "Both MPN Id and Tenant Id should not be passed.".into(),
            "ComplianceController",
        ),
        ("?mpnId=12a4", 2000, "MPN Id must be numeric.".into(), "PartnerApiServiceControllers"),
        ("?tenantId=nope", 2000, "Tenant Id must be a GUID.".into(), "PartnerApiServiceControllers"),
        (
            "?mpnId=123456",
            2200,
            "MPN Id 123456 is either invalid or not yet migrated to Partner Center. Please advise your reseller to migrate the reseller MPN ID to Partner Center to continue with this order.".into(),
            "PartnerFD",
        ),
        (
            "?tenantId=12345678-ACBD-1234-ABCD-123456789ABC",
            2205,
            "Partner Center doesn't find any account associated to the Tenant ID 12345678-ACBD-1234-ABCD-123456789ABC".into(),
            "PartnerFD",
        ),
        (
            &format!("?tenantId={litware}"),
            2205,
            format!("Partner Center doesn't find any account associated to the Tenant ID {litware}"),
            "PartnerFD",
        ),
    ] {
        let (st, e) = c.v1(&t, Method::GET, &q(query), None).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{query}: {e}");
        assert_eq!(e["code"], code, "{query}: {e}");
        assert_eq!(e["description"], description.as_str(), "{query}");
        assert_eq!(e["source"], source, "{query}");
    }
    // A Litware PLA: a partner, but no CSP account.
    let pla = c.partner(LITWARE).await["partnerIds"][1]["partnerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, e) = c.v1(&t, Method::GET, &q(&format!("?mpnId={pla}")), None).await;
    assert_eq!(e["code"], 2204, "{e}");
    // App+User only, and for order agents.
    let helpdesk = c.token(CONTOSO, 2).await;
    let (st, e) = c.v1(&helpdesk, Method::GET, &q("?mpnId=1234567"), None).await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::FORBIDDEN, Some(900150)), "{e}");
    let (st, _) = c
        .v1(&t, Method::GET, "/v1/compliance/mpn/agreementstatus?mpnId=1", None)
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_default_provider_invites_its_reseller_and_sells_to_its_customers() {
    let c = Csp::new("default").await;
    let northwind = c.partner(1).await;
    let pla = northwind["csp"]["partnerId"].as_str().unwrap().to_owned();
    assert_eq!(northwind["csp"]["canTransact"], true, "{northwind}");
    let contoso_admin = c.user(0, 0);
    let contoso = c.token(0, 0).await;

    // Before the relationship, no customer can be created for the reseller.
    let reseller_tenant = c.tenant(1).to_owned();
    let (st, e) = c
        .v1(
            &contoso,
            Method::POST,
            "/v1/customers",
            Some(customer("wingtip1", Some(&reseller_tenant))),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(e["data"][0], "associatedPartnerId");

    // Refused invitations: by a non-provider, for an unknown ID, as a user without the role.
    let got = c
        .act("invite-reseller", json!({"as": c.user(1, 0), "resellerPartnerId": pla}))
        .await;
    assert_refusal(&got, 403, "NotAnIndirectProvider", "間接プロバイダー");
    let got = c
        .act(
            "invite-reseller",
            json!({"as": contoso_admin, "resellerPartnerId": "1234567"}),
        )
        .await;
    assert_refusal(&got, 404, "NotAnIndirectReseller", "1234567");
    let got = c
        .act("invite-reseller", json!({"as": c.user(0, 2), "resellerPartnerId": pla}))
        .await;
    assert_eq!(got.0, StatusCode::FORBIDDEN, "{}", got.1);

    let (st, inv) = c
        .act(
            "invite-reseller",
            json!({"as": contoso_admin, "resellerPartnerId": pla}),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{inv}");
    let id = inv["request"]["id"].as_str().unwrap().to_owned();
    // Inviting again re-sends the open request.
    let (st, again) = c
        .act(
            "invite-reseller",
            json!({"as": contoso_admin, "resellerPartnerId": pla}),
        )
        .await;
    assert_eq!(
        (st, again["request"]["id"].as_str()),
        (StatusCode::OK, Some(id.as_str()))
    );
    assert_eq!(c.mailbox("ichiro.suzuki@northwind.co.jp").await.len(), 2);
    let got = c
        .act(
            "respond-relationship-request",
            json!({"as": c.user(1, 0), "requestId": "nope", "decision": "approve", "consent": true}),
        )
        .await;
    assert_refusal(&got, 404, "UnknownRelationshipRequest", "nope");
    let (st, r) = c
        .act(
            "respond-relationship-request",
            json!({"as": c.user(1, 0), "requestId": id, "decision": "approve", "consent": true}),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{r}");
    let got = c
        .act(
            "invite-reseller",
            json!({"as": contoso_admin, "resellerPartnerId": pla}),
        )
        .await;
    assert_refusal(&got, 409, "AlreadyRelated", "既に確立");
    // The request's page is the portal's: it asks for a sign-in first (tests/api/portal.rs
    // walks it signed in).
    let (st, _) = get(&c.s, &format!("/commerce/indirectresellers/relationshiprequest/{id}")).await;
    assert_eq!(st, StatusCode::SEE_OTHER);

    // Customers: for the reseller by tenant ID or by its partner ID, validated, paged, filtered.
    for (domain, reseller) in [
        ("wingtip1", Some(reseller_tenant.as_str())),
        ("wingtip2", Some(pla.as_str())),
        ("direct1", None),
    ] {
        let (st, cust) = c
            .v1(
                &contoso,
                Method::POST,
                "/v1/customers",
                Some(customer(domain, reseller)),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED, "{cust}");
    }
    let (st, e) = c
        .v1(
            &contoso,
            Method::POST,
            "/v1/customers",
            Some(customer("wingtip1", None)),
        )
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{e}");
    // The phone is required in the countries error-codes.md lists (RU among them), not in JP.
    let mut no_phone = customer("wingtip9", None);
    no_phone["BillingProfile"]["DefaultAddress"]
        .as_object_mut()
        .unwrap()
        .remove("PhoneNumber");
    let mut in_russia = no_phone.clone();
    in_russia["BillingProfile"]["DefaultAddress"]["Country"] = json!("RU");
    in_russia["CompanyProfile"]["OrganizationRegistrationNumber"] = json!("1234567");
    let (st, e) = c.v1(&contoso, Method::POST, "/v1/customers", Some(in_russia)).await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(600051)), "{e}");
    assert_eq!(e["description"], "Customer phone number is missing");
    let (st, e) = c.v1(&contoso, Method::POST, "/v1/customers", Some(no_phone)).await;
    assert_eq!(st, StatusCode::CREATED, "{e}");
    assert_eq!(e["billingProfile"]["defaultAddress"]["phoneNumber"], "");
    let wingtip9 = e["id"].as_str().unwrap().to_owned();
    let (st, _) = c
        .v1(&contoso, Method::DELETE, &format!("/v1/customers/{wingtip9}"), None)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    let (st, e) = c
        .v1(
            &contoso,
            Method::POST,
            "/v1/customers",
            Some(customer("bad-domain!", None)),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");

    let (st, page1) = c.v1(&contoso, Method::GET, "/v1/customers?size=2", None).await;
    assert_eq!(st, StatusCode::OK, "{page1}");
    assert_eq!(page1["totalCount"], 2, "totalCount counts the page's items");
    assert_eq!(page1["items"].as_array().unwrap().len(), 2);
    let next = &page1["links"]["next"];
    let token = next["headers"][0]["value"].as_str().unwrap();
    let res =
        c.s.client()
            .get(c.s.url(&format!("/v1{}", next["uri"].as_str().unwrap())))
            .bearer_auth(&contoso)
            .header("MS-ContinuationToken", token)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let page2: Value = res.json().await.unwrap();
    assert_eq!(page2["items"][0]["companyProfile"]["domain"], "direct1.onmicrosoft.com");
    let filter = format!(r#"{{"Field":"IndirectReseller","Value":"{reseller_tenant}","Operator":"starts_with"}}"#);
    let res =
        c.s.client()
            .get(c.s.url("/v1/customers"))
            .query(&[("size", "10"), ("filter", filter.as_str())])
            .bearer_auth(&contoso)
            .send()
            .await
            .unwrap();
    let filtered: Value = res.json().await.unwrap();
    assert_eq!(filtered["totalCount"], 2, "{filtered}");
    let cid = filtered["items"][0]["id"].as_str().unwrap().to_owned();
    let (st, one) = c.v1(&contoso, Method::GET, &format!("/v1/customers/{cid}"), None).await;
    assert_eq!((st, one["id"].as_str()), (StatusCode::OK, Some(cid.as_str())));
    let (st, e) = c.v1(&contoso, Method::GET, "/v1/customers/not-a-guid", None).await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(900118)), "{e}");

    // Agreements: metadata, an attestation, the duplicate in the extended error form.
    let (st, meta) = c.v1(&contoso, Method::GET, "/v1/agreements", None).await;
    assert_eq!(st, StatusCode::OK, "{meta}");
    assert_eq!(meta["totalCount"], 1);
    assert_eq!(meta["items"][0]["agreementType"], "MicrosoftCloudAgreement");
    let (_, all) = c
        .v1(&contoso, Method::GET, "/v1/agreements?agreementType=*", None)
        .await;
    assert_eq!(all["totalCount"], 2);
    let mca = all["items"][1]["templateId"].as_str().unwrap().to_owned();
    assert_eq!(mca, "117a77b0-9360-443b-8795-c6dedc750cf9");
    let attestation = json!({
        "primaryContact": {"firstName": "Tania", "lastName": "Carr", "email": "someone@example.com", "phoneNumber": "1234567890"},
        "templateId": mca, "dateAgreed": "2026-06-14T00:00:00.000Z", "type": "MicrosoftCustomerAgreement"
    });
    let path = format!("/v1/customers/{cid}/agreements");
    let (st, a) = c.v1(&contoso, Method::POST, &path, Some(attestation.clone())).await;
    assert_eq!(st, StatusCode::CREATED, "{a}");
    assert_eq!(a["userId"], contoso_admin);
    assert_eq!(a["type"], "MicrosoftCustomerAgreement");
    let (st, e) = c.v1(&contoso, Method::POST, &path, Some(attestation)).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    assert_eq!(
        e,
        json!({"code": 600061, "message": "A partner confirmed agreement already exists for the customer.",
               "description": "A partner confirmed agreement already exists for the customer.",
               "errorName": "PartnerConfirmedAgreementAlreadyExists", "isRetryable": false,
               "parameters": {}, "errorMessageExtended": "InternalErrorCode=600061"})
    );
    let (_, list) = c
        .v1(
            &contoso,
            Method::GET,
            &format!("{path}?agreementType=MicrosoftCustomerAgreement"),
            None,
        )
        .await;
    assert_eq!(list["totalCount"], 1);
    let (_, none) = c
        .v1(
            &contoso,
            Method::GET,
            &format!("{path}?agreementType=MicrosoftCloudAgreement"),
            None,
        )
        .await;
    assert_eq!(none["totalCount"], 0);
    let (_, req) = c
        .v1(&contoso, Method::GET, "/v1/customers/relationshiprequests", None)
        .await;
    assert_eq!(req["attributes"]["objectType"], "RelationshipRequest");
    assert!(req["url"].as_str().unwrap().contains(c.tenant(0)));
}
