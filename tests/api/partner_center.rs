//! The Partner Center API (`/v1`): token checks, the MFA gate, roles, wire conventions, profiles,
//! roles and the MFA reports, through real HTTP.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

const PC: &str = "https://api.partnercenter.microsoft.com";

/// A server with one default-scenario sandbox.
struct Pc {
    s: Server,
    sb: Value,
}

impl Pc {
    async fn new() -> Self {
        let s = server().await;
        let sb = s.create_sandbox(json!({})).await.unwrap();
        Pc { s, sb }
    }
    fn sid(&self) -> String {
        self.sb["id"].as_str().unwrap().to_owned()
    }
    fn tenant(&self) -> &Value {
        &self.sb["tenants"][0]
    }
    fn tid(&self) -> &str {
        self.tenant()["id"].as_str().unwrap()
    }
    /// Users of the default scenario: 0 admin (Global admin), 1 agent (Admin agent), 2 nomfa (Sales agent).
    fn user(&self, i: usize) -> &str {
        self.tenant()["users"][i]["id"].as_str().unwrap()
    }
    fn app(&self) -> &str {
        self.sb["apps"][0]["clientId"].as_str().unwrap()
    }
    async fn mint(&self, body: Value) -> String {
        let (st, t) = post(&self.s, &format!("/sandbox/v1/sandboxes/{}/tokens", self.sid()), body).await;
        assert_eq!(st, StatusCode::OK, "{t}");
        t["access_token"].as_str().unwrap().to_owned()
    }
    async fn user_token(&self, i: usize, mfa: bool) -> String {
        self.mint(json!({"clientId": self.app(), "userId": self.user(i), "mfa": mfa}))
            .await
    }
    async fn app_token(&self) -> String {
        self.mint(json!({"clientId": self.app()})).await
    }
    async fn call(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, HeaderMap, Value) {
        let mut req = self.s.client().request(method, self.s.url(path)).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let (st, h) = (res.status(), res.headers().clone());
        let text = res.text().await.unwrap();
        (st, h, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
    async fn get(&self, path: &str, token: &str) -> (StatusCode, Value) {
        let (st, _, v) = self.call(Method::GET, path, token, None).await;
        (st, v)
    }
    async fn advance(&self, by: &str) {
        let (st, _) = post(
            &self.s,
            &format!("/sandbox/v1/sandboxes/{}/clock", self.sid()),
            json!({"advance": by}),
        )
        .await;
        assert_eq!(st, StatusCode::OK);
    }
}

/// Asserts a Partner Center error body.
#[track_caller]
fn assert_pc(got: &(StatusCode, Value), status: u16, code: u64) {
    assert_eq!(got.0.as_u16(), status, "{}", got.1);
    assert_eq!(got.1["code"], code, "{}", got.1);
    assert!(
        got.1["description"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        got.1
    );
    assert!(got.1["data"].is_array(), "{}", got.1);
    assert_eq!(got.1["source"], "PartnerFD", "{}", got.1);
}

/// The raw HTTP/1.1 response head, to read the status line's reason phrase.
async fn raw_head(s: &Server, path: &str, token: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(s.addr()).await.unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n",
        s.addr()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split("\r\n\r\n").next().unwrap().to_owned()
}

#[tokio::test]
async fn app_user_token_without_mfa_gets_401_mfa_required() {
    let pc = Pc::new().await;
    // A real password sign-in of the user without MFA, at the v1 token endpoint.
    let res =
        pc.s.client()
            .post(pc.s.url(&format!("/{}/oauth2/token", pc.tid())))
            .form(&[
                ("grant_type", "password"),
                ("client_id", pc.app()),
                ("client_secret", "sbx~Contoso-CPV-app-secret-2026"),
                ("username", "nomfa@contosojp.onmicrosoft.com"),
                ("password", "Sandbox-NoMfa-2026!"),
                ("resource", PC),
            ])
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();

    let head = raw_head(&pc.s, "/v1/profiles/legalbusiness", &token).await;
    let status_line = head.lines().next().unwrap();
    assert_eq!(status_line, "HTTP/1.1 401 Unauthorized - MFA required");
    assert!(
        head.lines()
            .any(|l| l.eq_ignore_ascii_case("www-authenticate: Bearer error=\"invalid_token\"")),
        "{head}"
    );
    let got = pc.get("/v1/profiles/legalbusiness", &token).await;
    assert_pc(&got, 401, 900421);

    // The same user with a second factor passes the gate.
    let mfa = pc.user_token(2, true).await;
    assert_eq!(pc.get("/v1/profiles/legalbusiness", &mfa).await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_mfa_token_reads_the_legal_business_profile_in_the_real_shape() {
    let pc = Pc::new().await;
    let token = pc.user_token(0, true).await;
    let res =
        pc.s.client()
            .get(pc.s.url("/v1/profiles/legalbusiness?vettingVersion=Current"))
            .bearer_auth(&token)
            .header("MS-RequestId", "11111111-2222-3333-4444-555555555555")
            .header("MS-CorrelationId", "corr-1")
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers().clone();
    assert_eq!(h["ms-requestid"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(h["ms-correlationid"], "corr-1");
    assert!(h.contains_key("ms-cv"));
    assert_eq!(h["content-type"], "application/json; charset=utf-8");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["companyName"], "Contoso Japan 株式会社");
    assert_eq!(p["address"]["country"], "JP");
    assert_eq!(p["address"]["addressLine1"], "港南 2-16-3");
    assert_eq!(p["primaryContact"]["email"], "taro.yamada@contoso.co.jp");
    assert_eq!(p["vettingStatus"], "authorized");
    assert_eq!(p["vettingSubStatus"], "none");
    assert_eq!(p["profileType"], "LegalBusinessProfile");
    assert_eq!(p["links"]["self"]["uri"], "/profiles/legalbusiness");
    assert_eq!(p["attributes"]["objectType"], "LegalBusinessProfile");

    // Without request ids the server makes them up.
    let (_, h, _) = pc.call(Method::GET, "/v1/profiles/legalbusiness", &token, None).await;
    assert!(uuid::Uuid::parse_str(h["ms-requestid"].to_str().unwrap()).is_ok());
}

#[tokio::test]
async fn app_only_tokens_pass_only_where_the_real_api_takes_them() {
    let pc = Pc::new().await;
    // A real client-credentials token.
    let res =
        pc.s.client()
            .post(pc.s.url(&format!("/{}/oauth2/v2.0/token", pc.tid())))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", pc.app()),
                ("client_secret", "sbx~Contoso-CPV-app-secret-2026"),
                ("scope", "https://api.partnercenter.microsoft.com/.default"),
            ])
            .send()
            .await
            .unwrap();
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(pc.get("/v1/profiles/legalbusiness", &token).await.0, StatusCode::OK);
    assert_pc(&pc.get("/v1/profiles/organization", &token).await, 403, 2032);
    assert_pc(&pc.get("/v1/partnerRequests", &token).await, 403, 2032);
    let put = pc
        .call(Method::PUT, "/v1/profiles/legalbusiness", &token, Some(json!({})))
        .await;
    assert_pc(&(put.0, put.2), 403, 2032);
}

#[tokio::test]
async fn a_user_without_an_allowed_role_gets_403_900150() {
    let pc = Pc::new().await;
    let sales = pc.user_token(2, true).await;
    let (st, _, p) = pc.call(Method::GET, "/v1/profiles/legalbusiness", &sales, None).await;
    assert_eq!(st, StatusCode::OK);
    let put = pc
        .call(Method::PUT, "/v1/profiles/legalbusiness", &sales, Some(p))
        .await;
    assert_pc(&(put.0, put.2.clone()), 403, 900150);
    assert_eq!(
        put.2["description"],
        "The supplied role does not have the rights to perform the requested operation"
    );
    assert_pc(&pc.get("/v1/roles", &sales).await, 403, 900150);
    let agent = pc.user_token(1, true).await;
    assert_eq!(pc.get("/v1/partnerRequests", &agent).await.0, StatusCode::OK);
    assert_pc(&pc.get("/v1/roles", &agent).await, 403, 900150);
}

fn tamper(token: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    claims["amr"] = json!(["pwd", "mfa"]);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{}.{}", parts[0], body, parts[2])
}

fn alg_none(token: &str) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let parts: Vec<&str> = token.split('.').collect();
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    format!("{header}.{}.", parts[1])
}

#[tokio::test]
async fn bad_tokens_get_401_and_nothing_else() {
    let pc = Pc::new().await;
    let path = "/v1/profiles/legalbusiness";
    // No token at all.
    let res = pc.s.client().get(pc.s.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_pc(&(StatusCode::UNAUTHORIZED, res.json().await.unwrap()), 401, 800001);

    let no_mfa = pc.user_token(0, false).await;
    for bad in [
        tamper(&no_mfa),
        alg_none(&no_mfa),
        "not.a.jwt".to_owned(),
        "garbage".to_owned(),
    ] {
        let (st, h, body) = pc.call(Method::GET, path, &bad, None).await;
        assert_pc(&(st, body), 401, 400);
        assert!(h["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer error=\"invalid_token\""));
    }
    // A Graph token is for another audience.
    let graph = pc
        .mint(
            json!({"clientId": pc.app(), "userId": pc.user(0), "mfa": true, "audience": "https://graph.microsoft.com"}),
        )
        .await;
    let got = pc.get(path, &graph).await;
    assert_pc(&got, 401, 400);
    assert_eq!(got.1["description"], "Access denied", "the documented text");
    assert!(
        got.1["pcsandbox"]["explanation"].as_str().unwrap().contains("audience"),
        "{}",
        got.1
    );

    // A token from another server's sandbox names a tenant this server does not have.
    let other = Pc::new().await;
    let foreign = other.user_token(0, true).await;
    assert_pc(&pc.get(path, &foreign).await, 401, 400);

    // A valid token stops working when the sandbox clock passes its expiry (even once cached)...
    let good = pc.user_token(0, true).await;
    assert_eq!(pc.get(path, &good).await.0, StatusCode::OK);
    pc.advance("PT2H").await;
    let got = pc.get(path, &good).await;
    assert_pc(&got, 401, 400);
    assert!(
        got.1["pcsandbox"]["explanation"].as_str().unwrap().contains("expired"),
        "{}",
        got.1
    );

    // ...and when its sandbox is deleted.
    let fresh = pc.user_token(0, true).await;
    assert_eq!(pc.get(path, &fresh).await.0, StatusCode::OK);
    let (st, _) = call(
        &pc.s,
        Method::DELETE,
        &format!("/sandbox/v1/sandboxes/{}", pc.sid()),
        None,
    )
    .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_pc(&pc.get(path, &fresh).await, 401, 400);
}

#[tokio::test]
async fn the_mfa_gate_is_lifted_by_a_technical_exception_or_enforcement_off() {
    let pc = Pc::new().await;
    let path = "/v1/profiles/legalbusiness";
    let no_mfa = pc.user_token(0, false).await;
    assert_pc(&pc.get(path, &no_mfa).await, 401, 900421);

    let tenant_url = format!("/sandbox/v1/sandboxes/{}/tenants/{}", pc.sid(), pc.tid());
    let (st, t) = call(
        &pc.s,
        Method::PATCH,
        &tenant_url,
        Some(json!({"mfaTechnicalException": true})),
    )
    .await;
    assert_eq!((st, &t["mfaTechnicalException"]), (StatusCode::OK, &json!(true)));
    assert_eq!(pc.get(path, &no_mfa).await.0, StatusCode::OK);
    call(
        &pc.s,
        Method::PATCH,
        &tenant_url,
        Some(json!({"mfaTechnicalException": false})),
    )
    .await;
    assert_pc(&pc.get(path, &no_mfa).await, 401, 900421);

    let sb_url = format!("/sandbox/v1/sandboxes/{}", pc.sid());
    let (st, sb) = call(&pc.s, Method::PATCH, &sb_url, Some(json!({"mfaEnforcement": "off"}))).await;
    assert_eq!((st, &sb["mfaEnforcement"]), (StatusCode::OK, &json!("off")));
    assert_eq!(pc.get(path, &no_mfa).await.0, StatusCode::OK);
    let bad = call(
        &pc.s,
        Method::PATCH,
        &sb_url,
        Some(json!({"mfaEnforcement": "sometimes"})),
    )
    .await;
    assert_problem(&bad, 400, "InvalidField", Some("mfaEnforcement"));

    // A reset returns to the scenario's policy.
    let (_, sb) = post(&pc.s, &format!("{sb_url}/reset"), json!({})).await;
    assert_eq!(sb["mfaEnforcement"], "enforced");
    assert_pc(&pc.get(path, &no_mfa).await, 401, 900421);
}

fn legal_body_pascal() -> Value {
    json!({
        "CompanyName": "Contoso Japan 株式会社",
        "Address": {"Country": "jp", "City": "港区", "State": "東京都", "AddressLine1": "港南 2-16-3",
                    "AddressLine2": null, "PostalCode": "108-0075", "Region": null},
        "PrimaryContact": {"FirstName": "花子", "LastName": "佐藤", "Email": "hanako.sato@contoso.co.jp", "PhoneNumber": "03-0000-0000"},
        "VettingStatus": "authorized",
        "Links": {"Self": {"Uri": "/profiles/legalbusiness", "Method": "GET", "Headers": []}},
        "Attributes": {"ObjectType": "LegalBusinessProfile"}
    })
}

/// Profile reads are cached; a write, a reset and a second sandbox must still be seen at once.
#[tokio::test]
async fn cached_profile_reads_follow_writes_and_resets() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    let path = "/v1/profiles/legalbusiness";
    let (_, before) = pc.get(path, &admin).await;
    assert_eq!(before["primaryContact"]["firstName"], "太郎");
    let (st, _, _) = pc.call(Method::PUT, path, &admin, Some(legal_body_pascal())).await;
    assert_eq!(st, StatusCode::OK);
    let (_, after) = pc.get(path, &admin).await;
    assert_eq!(after["primaryContact"]["firstName"], "花子");
    assert_ne!(after["attributes"]["etag"], before["attributes"]["etag"]);

    // Another sandbox from the same scenario has its own partner, untouched.
    let other = pc.s.create_sandbox(json!({})).await.unwrap();
    let (st, t) = post(
        &pc.s,
        &format!("/sandbox/v1/sandboxes/{}/tokens", other["id"].as_str().unwrap()),
        json!({"clientId": other["apps"][0]["clientId"], "userId": other["tenants"][0]["users"][0]["id"], "mfa": true}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{t}");
    let other_admin = t["access_token"].as_str().unwrap();
    assert_eq!(pc.get(path, other_admin).await.1["primaryContact"]["firstName"], "太郎");

    let (st, _) = post(&pc.s, &format!("/sandbox/v1/sandboxes/{}/reset", pc.sid()), json!({})).await;
    assert_eq!(st, StatusCode::OK);
    let (_, reset) = pc.get(path, &admin).await;
    assert_eq!(reset["primaryContact"]["firstName"], "太郎");
    assert_eq!(reset["attributes"]["etag"], before["attributes"]["etag"]);
}

#[tokio::test]
async fn property_names_and_enum_values_are_read_in_any_case() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    let (st, _, p) = pc
        .call(
            Method::PUT,
            "/v1/profiles/legalbusiness",
            &admin,
            Some(legal_body_pascal()),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p}");
    assert_eq!(p["primaryContact"]["firstName"], "花子");
    assert_eq!(p["address"]["country"], "JP");
    for v in ["current", "CURRENT", "LastFinalized", "last_finalized", "none"] {
        let (st, p) = pc
            .get(&format!("/v1/profiles/legalbusiness?VettingVersion={v}"), &admin)
            .await;
        assert_eq!(st, StatusCode::OK, "{v}: {p}");
        assert_eq!(p["primaryContact"]["firstName"], "花子");
    }
    let (_, none) = pc.get("/v1/profiles/legalbusiness?vettingVersion=none", &admin).await;
    assert_eq!(none["vettingStatus"], "none");
    let got = pc.get("/v1/profiles/legalbusiness?vettingVersion=latest", &admin).await;
    assert_pc(&got, 400, 900126);
}

#[tokio::test]
async fn bad_input_gets_partner_center_400s_and_changes_nothing() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    let (_, before) = pc.get("/v1/profiles/legalbusiness", &admin).await;
    let path = "/v1/profiles/legalbusiness";

    let res =
        pc.s.client()
            .put(pc.s.url(path))
            .bearer_auth(&admin)
            .header("content-type", "application/json")
            .body("{\"companyName\": ")
            .send()
            .await
            .unwrap();
    assert_pc(&(res.status(), res.json().await.unwrap()), 400, 800002);

    let mut wrong_type = legal_body_pascal();
    wrong_type["CompanyName"] = json!(42);
    let (st, _, body) = pc.call(Method::PUT, path, &admin, Some(wrong_type)).await;
    assert_pc(&(st, body.clone()), 400, 800002);
    assert_eq!(body["data"][0], "companyname");

    let mut long = legal_body_pascal();
    long["Address"]["AddressLine1"] = json!("x".repeat(201));
    let (st, _, body) = pc.call(Method::PUT, path, &admin, Some(long)).await;
    assert_pc(&(st, body.clone()), 400, 2000);
    assert_eq!(body["data"][0], "address.addressLine1");

    let mut email = legal_body_pascal();
    email["PrimaryContact"]["Email"] = json!("not-an-address");
    let (st, _, body) = pc.call(Method::PUT, path, &admin, Some(email)).await;
    assert_pc(&(st, body.clone()), 400, 2000);
    assert_eq!(body["data"][0], "primaryContact.email");

    let mut missing = legal_body_pascal();
    missing["Address"].as_object_mut().unwrap().remove("City");
    let (st, _, body) = pc.call(Method::PUT, path, &admin, Some(missing)).await;
    assert_pc(&(st, body.clone()), 400, 2000);
    assert_eq!(body["data"][0], "address.city");

    let (_, after) = pc.get(path, &admin).await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn mpn_profiles_by_own_account_and_by_id() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    let global = pc.tenant()["partner"]["partnerIds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "PartnerGlobal")
        .unwrap()["partnerId"]
        .as_str()
        .unwrap()
        .to_owned();
    let (st, p) = pc.get("/v1/profiles/mpn", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(p["mpnId"], global.as_str());
    assert_eq!(p["partnerName"], "Contoso Japan 株式会社");
    assert_eq!(p["profileType"], "MpnProfile");
    let (st, p) = pc.get(&format!("/v1/profiles/mpn?mpnId={global}"), &admin).await;
    assert_eq!((st, p["mpnId"].as_str()), (StatusCode::OK, Some(global.as_str())));

    let unknown = if global == "9999999" { "9999998" } else { "9999999" };
    let got = pc.get(&format!("/v1/profiles/mpn?mpnId={unknown}"), &admin).await;
    assert_pc(&got, 404, 3000);
    assert_eq!(
        got.1["description"],
        format!("Partner Organization with partner_id {unknown} could not be found")
    );
    assert_pc(&pc.get("/v1/profiles/mpn?mpnId=abc", &admin).await, 400, 2000);
}

#[tokio::test]
async fn the_organization_profile_reads_and_updates() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    let (st, o) = pc.get("/v1/profiles/organization", &admin).await;
    assert_eq!(st, StatusCode::OK, "{o}");
    assert_eq!(o["tenantId"], pc.tid());
    assert_eq!(o["domain"], "contosojp.onmicrosoft.com");
    assert_eq!(o["culture"], "ja-JP");
    assert_eq!(o["profileType"], "OrganizationProfile");
    let mut edited = o.clone();
    edited["companyName"] = json!("Contoso Japan KK");
    edited["language"] = json!("en");
    edited["culture"] = json!("en-US");
    let (st, _, o2) = pc
        .call(Method::PUT, "/v1/profiles/organization", &admin, Some(edited))
        .await;
    assert_eq!(st, StatusCode::OK, "{o2}");
    assert_eq!(
        (o2["companyName"].as_str(), o2["culture"].as_str()),
        (Some("Contoso Japan KK"), Some("en-US"))
    );
    assert!(o2["attributes"]["etag"].is_string());
    let (_, o3) = pc.get("/v1/profiles/organization", &admin).await;
    assert_eq!(o3, o2);
}

#[tokio::test]
async fn roles_and_role_members_with_paging_and_refusals() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    let (st, roles) = pc.get("/v1/roles", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(roles["totalCount"], 13);
    assert!(roles["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["name"] == "Executive Report Viewer" && r["category"] == "Company"));
    assert_eq!(roles["attributes"]["objectType"], "Collection");
    let id_of = |name: &str| {
        roles["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let ga = id_of("Global Admin");
    let members_path = format!("/v1/roles/{ga}/usermembers");

    // Partner Center wants the account id.
    let (st, _, body) = pc
        .call(Method::POST, &members_path, &admin, Some(json!({"Id": pc.user(1)})))
        .await;
    assert_pc(&(st, body.clone()), 400, 2000);
    assert_eq!(body["description"], "Account Id has to be set.");
    let (st, _, m) = pc
        .call(
            Method::POST,
            &members_path,
            &admin,
            Some(json!({"AccountId": pc.tid(), "Id": pc.user(1)})),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED, "{m}");
    assert_eq!(m["userPrincipalName"], "agent@contosojp.onmicrosoft.com");
    assert_eq!(m["roleId"], ga.as_str());

    // Two members now; one per page.
    let (st, h, page1) = pc
        .call(Method::GET, &format!("{members_path}?size=1"), &admin, None)
        .await;
    assert_eq!(st, StatusCode::OK);
    assert!(h.contains_key("ms-cv"));
    assert_eq!(
        (page1["totalCount"].as_u64(), page1["items"].as_array().unwrap().len()),
        (Some(1), 1)
    );
    let next = &page1["links"]["next"];
    assert!(next["uri"].as_str().unwrap().contains("seekOperation=Next"));
    assert_eq!(next["headers"][0]["key"], "MS-ContinuationToken");
    let token = next["headers"][0]["value"].as_str().unwrap();
    // The SDK seeks with the token and seekOperation alone: the token keeps the page size.
    let res =
        pc.s.client()
            .get(pc.s.url(&format!("{members_path}?seekOperation=Next")))
            .bearer_auth(&admin)
            .header("MS-ContinuationToken", token)
            .send()
            .await
            .unwrap();
    let page2: Value = res.json().await.unwrap();
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_ne!(page1["items"][0]["id"], page2["items"][0]["id"]);
    assert!(page2["links"].get("next").is_none());
    let got = pc.get(&format!("{members_path}?seekOperation=Next"), &admin).await;
    assert_pc(&got, 400, 2000);

    // The new Global admin's cached token sees the role at once.
    let agent = pc.user_token(1, true).await;
    assert_eq!(pc.get("/v1/roles", &agent).await.0, StatusCode::OK);
    let (st, _, _) = pc
        .call(Method::DELETE, &format!("{members_path}/{}", pc.user(1)), &admin, None)
        .await;
    assert_eq!(st, StatusCode::NO_CONTENT);
    assert_pc(&pc.get("/v1/roles", &agent).await, 403, 900150);

    // The last Global admin stays; bad ids are 400, unknown ones 404.
    let (st, _, body) = pc
        .call(Method::DELETE, &format!("{members_path}/{}", pc.user(0)), &admin, None)
        .await;
    assert_pc(&(st, body), 400, 2000);
    assert_pc(&pc.get("/v1/roles/not-a-guid/usermembers", &admin).await, 400, 2000);
    let unknown = "/v1/roles/00000000-0000-0000-0000-000000000000/usermembers";
    assert_pc(&pc.get(unknown, &admin).await, 404, 1000);
    let (st, _, body) = pc
        .call(
            Method::POST,
            &members_path,
            &admin,
            Some(json!({"accountId": pc.tid(), "id": "00000000-0000-0000-0000-000000000001"})),
        )
        .await;
    assert_pc(&(st, body), 404, 60002);
}

#[tokio::test]
async fn mfa_reports_and_the_journal_follow_the_calls_made() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    let nomfa = pc.user_token(2, false).await;
    let app_only = pc.app_token().await;
    assert_eq!(pc.get("/v1/profiles/legalbusiness", &admin).await.0, StatusCode::OK);
    assert_eq!(
        pc.get("/v1/profiles/legalbusiness", &nomfa).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(pc.get("/v1/profiles/legalbusiness", &app_only).await.0, StatusCode::OK);

    let (st, non) = pc.get("/v1/nonMfaCompliantPartnerPrincipals", &admin).await;
    assert_eq!(st, StatusCode::OK, "{non}");
    assert_eq!(non["totalCount"], 1);
    assert_eq!(non["items"][0]["upn"], "nomfa@contosojp.onmicrosoft.com");
    assert_eq!(non["items"][0]["objectId"], pc.user(2));
    assert!(non["items"][0]["lastNonMfaCompliantRequestDateTime"].is_string());

    let (st, adoption) = pc.get("/v1/applicationmfaadoptionstatus", &admin).await;
    assert_eq!(st, StatusCode::OK);
    let rows = adoption.as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["applicationId"], pc.app());
    // App+User calls only: the admin's, the no-MFA one and the first report call.
    assert_eq!(rows[0]["totalRequestCount"], 3);
    assert_eq!(rows[0]["mfaCompliantRequestCount"], 2);

    // Not paged, as the real report: every request of the window in one answer.
    let (st, reqs) = pc.get("/v1/partnerRequests", &admin).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(reqs["totalCount"], 4);
    assert_eq!(reqs["items"].as_array().unwrap().len(), 4);
    assert_eq!(
        reqs["items"][0]["operationName"],
        "Get /v{version}/applicationmfaadoptionstatus"
    );
    assert_eq!(reqs["items"][0]["mfaCompliant"], true);
    assert_eq!(reqs["items"][0]["sourceIpAddress"], "127.0.0.1");
    assert!(reqs["links"].get("next").is_none());

    let (st, journal) = get(&pc.s, &format!("/sandbox/v1/sandboxes/{}/requests", pc.sid())).await;
    assert_eq!(st, StatusCode::OK);
    let items = journal["items"].as_array().unwrap();
    assert_eq!(items.len(), 6, "{journal}");
    let refused = items.iter().find(|i| i["status"] == 401).unwrap();
    assert_eq!(
        (refused["caller"].as_str(), refused["mfa"].as_bool()),
        (Some("app+user"), Some(false))
    );
    assert!(items.iter().any(|i| i["caller"] == "app-only"));
}

#[tokio::test]
async fn unknown_paths_and_methods_get_partner_center_errors() {
    let pc = Pc::new().await;
    let admin = pc.user_token(0, true).await;
    assert_pc(&pc.get("/v1/nothing/here", &admin).await, 404, 1000);
    let (st, _, body) = pc
        .call(Method::DELETE, "/v1/profiles/legalbusiness", &admin, None)
        .await;
    assert_pc(&(st, body), 405, 1000);
    let (st, yaml) = get(&pc.s, "/openapi/partner-center.yaml").await;
    assert_eq!(st, StatusCode::OK);
    assert!(yaml.as_str().unwrap().contains("/v1/profiles/legalbusiness"));
}
