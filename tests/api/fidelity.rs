//! The fidelity fixes, each through the real server: the .NET SDK's GET-then-PUT of the legal
//! profile, the organization etag, a filtered list paged by its token alone, the adoption report's
//! dates, the documented texts with pcsandbox's explanation beside them, and the newer endpoints'
//! refusals.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::{get, post, server, Server};

struct World {
    s: Server,
    sb: Value,
    admin: String,
}

impl World {
    async fn new() -> World {
        let s = server().await;
        let sb = s.create_sandbox(json!({})).await.unwrap();
        let body =
            json!({"clientId": sb["apps"][0]["clientId"], "userId": sb["tenants"][0]["users"][0]["id"], "mfa": true});
        let (st, t) = post(
            &s,
            &format!("/sandbox/v1/sandboxes/{}/tokens", sb["id"].as_str().unwrap()),
            body,
        )
        .await;
        assert_eq!(st, StatusCode::OK, "{t}");
        let admin = t["access_token"].as_str().unwrap().to_owned();
        World { s, sb, admin }
    }

    fn cp(&self, rest: &str) -> String {
        format!("/sandbox/v1/sandboxes/{}{rest}", self.sb["id"].as_str().unwrap())
    }

    async fn v1(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut r = self
            .s
            .client()
            .request(method, self.s.url(path))
            .bearer_auth(&self.admin);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        if let Some(b) = body {
            r = r.json(&b);
        }
        let res = r.send().await.unwrap();
        let st = res.status();
        let text = res.text().await.unwrap();
        (st, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn verification_version(&self) -> u64 {
        let (_, sb) = get(&self.s, &self.cp("")).await;
        sb["tenants"][0]["partner"]["verification"]["version"]
            .as_u64()
            .unwrap_or(0)
    }
}

/// The .NET SDK reads the profile, changes nothing (or a phone) and PUTs it back in PascalCase with
/// every approver field null: the verification stays; a new contact email starts a new one.
#[tokio::test]
async fn the_sdk_get_then_put_keeps_the_verification() {
    let w = World::new().await;
    let (st, legal) = w.v1(Method::GET, "/v1/profiles/legalbusiness", None, &[]).await;
    assert_eq!(st, StatusCode::OK, "{legal}");
    assert_eq!(legal["companyApproverEmail"], legal["primaryContact"]["email"]);
    assert_eq!(legal["companyApproverAddress"]["city"], legal["address"]["city"]);
    assert!(legal["companyApproverAddress"].get("firstName").is_none());
    let before = w.verification_version().await;
    let a = &legal["address"];
    let c = &legal["primaryContact"];
    let put = json!({
        "CompanyName": legal["companyName"],
        "Address": {"Country": a["country"], "Region": null, "City": a["city"], "State": a["state"],
                    "AddressLine1": a["addressLine1"], "AddressLine2": "", "PostalCode": a["postalCode"],
                    "FirstName": null, "LastName": null, "PhoneNumber": "03-9999-0000"},
        "PrimaryContact": {"FirstName": c["firstName"], "LastName": c["lastName"], "Email": c["email"], "PhoneNumber": c["phoneNumber"]},
        "CompanyApproverAddress": {"Country": null, "Region": null, "City": null, "State": null, "AddressLine1": null,
                                   "AddressLine2": null, "PostalCode": null, "FirstName": null, "LastName": null, "PhoneNumber": null},
        "CompanyApproverEmail": null,
        "VettingStatus": "authorized", "VettingSubStatus": "none",
        "Links": {"Self": {"Uri": "/profiles/legalbusiness", "Method": "GET", "Headers": []}},
        "Attributes": {"ObjectType": "LegalBusinessProfile"}
    });
    let (st, same) = w
        .v1(Method::PUT, "/v1/profiles/legalbusiness", Some(put.clone()), &[])
        .await;
    assert_eq!(st, StatusCode::OK, "{same}");
    assert_eq!(same["vettingStatus"], "authorized");
    assert_eq!(same["address"]["phoneNumber"], "03-9999-0000");
    assert_eq!(w.verification_version().await, before, "no new verification");

    let mut moved = put;
    moved["PrimaryContact"]["Email"] = json!("hanako.sato@contoso.co.jp");
    let (st, changed) = w.v1(Method::PUT, "/v1/profiles/legalbusiness", Some(moved), &[]).await;
    assert_eq!(st, StatusCode::OK, "{changed}");
    assert_eq!(
        changed["vettingStatus"], "pending",
        "a new contact email is verified again"
    );
    assert!(w.verification_version().await > before);
}

#[tokio::test]
async fn the_organization_profile_has_an_etag_and_refuses_a_stale_one() {
    let w = World::new().await;
    let (_, org) = w.v1(Method::GET, "/v1/profiles/organization", None, &[]).await;
    let etag = org["attributes"]["etag"].as_str().unwrap().to_owned();
    let mut body = org.clone();
    body["email"] = json!("partner-ops@contoso.co.jp");
    // Without an etag, as the documented request and the SDK send it.
    let mut no_etag = body.clone();
    no_etag["attributes"] = json!({"objectType": "OrganizationProfile"});
    let (st, updated) = w.v1(Method::PUT, "/v1/profiles/organization", Some(no_etag), &[]).await;
    assert_eq!(st, StatusCode::OK, "{updated}");
    assert_ne!(
        updated["attributes"]["etag"],
        etag.as_str(),
        "the etag follows the profile"
    );
    // The first etag is stale now, in If-Match or in the body.
    let (st, e) = w
        .v1(
            Method::PUT,
            "/v1/profiles/organization",
            Some(body.clone()),
            &[("If-Match", &etag)],
        )
        .await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(2055)), "{e}");
    assert_eq!(e["description"], "Etag is no longer valid");
    assert!(e["pcsandbox"]["explanation"].is_string());
    let (st, _) = w.v1(Method::PUT, "/v1/profiles/organization", Some(body), &[]).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "attributes.etag is read too");
    let fresh = updated["attributes"]["etag"].as_str().unwrap();
    let (st, _) = w
        .v1(
            Method::PUT,
            "/v1/profiles/organization",
            Some(updated.clone()),
            &[("If-Match", fresh)],
        )
        .await;
    assert_eq!(st, StatusCode::OK);
}

async fn customer(w: &World, prefix: &str, name: &str) -> String {
    let body = json!({
        "CompanyProfile": {"Domain": prefix},
        "BillingProfile": {"Email": "billing@example.com", "Culture": "ja-JP", "Language": "ja", "CompanyName": name,
            "DefaultAddress": {"FirstName": "花子", "LastName": "佐藤", "AddressLine1": "港南 2-16-3", "City": "港区",
                               "State": "東京都", "PostalCode": "108-0075", "Country": "JP"}}
    });
    let (st, c) = w.v1(Method::POST, "/v1/customers", Some(body), &[]).await;
    assert_eq!(st, StatusCode::CREATED, "{c}");
    c["id"].as_str().unwrap().to_owned()
}

/// A filtered list is paged by its token alone: the filter and the size come back with it.
#[tokio::test]
async fn a_filtered_customer_list_pages_by_its_token_alone() {
    let w = World::new().await;
    for (p, n) in [
        ("alpha1", "Alpha One"),
        ("beta1", "Beta One"),
        ("alpha2", "Alpha Two"),
        ("alpha3", "Alpha Three"),
    ] {
        customer(&w, p, n).await;
    }
    let filter = r#"{"Field":"CompanyName","Value":"alpha","Operator":"starts_with"}"#;
    let q = serde_urlencoded::to_string([("size", "2"), ("filter", filter)]).unwrap();
    let (st, p1) = w.v1(Method::GET, &format!("/v1/customers?{q}"), None, &[]).await;
    assert_eq!(st, StatusCode::OK, "{p1}");
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let token = p1["continuationToken"].as_str().unwrap().to_owned();
    let (st, p2) = w
        .v1(
            Method::GET,
            "/v1/customers?seekOperation=Next",
            None,
            &[("MS-ContinuationToken", &token)],
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{p2}");
    let names: Vec<&str> = p2["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["companyProfile"]["companyName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alpha Three"], "the filter and the size came with the token");
    assert!(p2["links"]["previous"].is_object() && p2["links"].get("next").is_none());
    // Back to the first page, and to the last.
    let prev = p2["links"]["previous"]["headers"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, back) = w
        .v1(
            Method::GET,
            "/v1/customers?seekOperation=Previous",
            None,
            &[("MS-ContinuationToken", &prev)],
        )
        .await;
    assert_eq!(back["items"], p1["items"]);
    let (_, last) = w
        .v1(
            Method::GET,
            "/v1/customers?seekOperation=last",
            None,
            &[("MS-ContinuationToken", &token)],
        )
        .await;
    assert_eq!(last["items"], p2["items"]);
    // Another filter with that token, or a token of another list, is refused.
    let other = serde_urlencoded::to_string([
        ("seekOperation", "Next"),
        ("filter", r#"{"Field":"Domain","Value":"b","Operator":"starts_with"}"#),
    ])
    .unwrap();
    let (st, e) = w
        .v1(
            Method::GET,
            &format!("/v1/customers?{other}"),
            None,
            &[("MS-ContinuationToken", &token)],
        )
        .await;
    assert_eq!(
        (st, e["data"][0].as_str()),
        (StatusCode::BAD_REQUEST, Some("filter")),
        "{e}"
    );
    let (st, e) = w
        .v1(
            Method::GET,
            "/v1/customers?seekOperation=Next",
            None,
            &[("MS-ContinuationToken", "bm90LW91cnM")],
        )
        .await;
    assert_eq!(
        (st, e["data"][0].as_str()),
        (StatusCode::BAD_REQUEST, Some("MS-ContinuationToken")),
        "{e}"
    );
    let (st, e) = w
        .v1(
            Method::GET,
            "/v1/customers?seekOperation=PageIndex",
            None,
            &[("MS-ContinuationToken", &token)],
        )
        .await;
    assert_eq!(
        (st, e["data"][0].as_str()),
        (StatusCode::BAD_REQUEST, Some("seekOperation")),
        "{e}"
    );
}

#[tokio::test]
async fn the_adoption_report_takes_a_date_range() {
    let w = World::new().await;
    w.v1(Method::GET, "/v1/profiles/legalbusiness", None, &[]).await;
    let (st, rows) = w.v1(Method::GET, "/v1/applicationmfaadoptionstatus", None, &[]).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    let (st, none) = w
        .v1(
            Method::GET,
            "/v1/applicationmfaadoptionstatus?startDate=2020-05-01&endDate=2020-05-20",
            None,
            &[],
        )
        .await;
    assert_eq!((st, none), (StatusCode::OK, json!([])), "another range, no requests");
    for q in [
        "startDate=yesterday",
        "startDate=2026-11-20&endDate=2026-11-01",
        "startDate=2020-01-01",
    ] {
        let (st, e) = w
            .v1(Method::GET, &format!("/v1/applicationmfaadoptionstatus?{q}"), None, &[])
            .await;
        assert_eq!(
            (st, e["code"].as_u64()),
            (StatusCode::BAD_REQUEST, Some(2000)),
            "{q}: {e}"
        );
    }
}

/// Documented codes keep their documented words; what pcsandbox knows goes beside them.
#[tokio::test]
async fn documented_descriptions_with_the_explanation_beside_them() {
    let w = World::new().await;
    let (st, e) = w.v1(Method::GET, "/v1/agreements?agreementType=MPA", None, &[]).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(e["code"], 900126);
    let d = e["description"].as_str().unwrap();
    assert!(
        d.starts_with("Unable to parse enum: agreementType For more information, please visit https://"),
        "{d}"
    );
    assert!(e["pcsandbox"]["explanation"]
        .as_str()
        .unwrap()
        .contains("MicrosoftCustomerAgreement"));
    let (st, e) = w
        .v1(
            Method::GET,
            "/v1/customers/4d3cf487-70f4-4e1e-9ff1-b2bfce8d9f04",
            None,
            &[],
        )
        .await;
    assert_eq!(
        (st, e["code"].as_u64(), e["description"].as_str()),
        (StatusCode::NOT_FOUND, Some(1000), Some("Not found"))
    );
    let app_only = {
        let body = json!({"clientId": w.sb["apps"][0]["clientId"]});
        post(&w.s, &w.cp("/tokens"), body).await.1["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let res =
        w.s.client()
            .get(w.s.url("/v1/profiles/organization"))
            .bearer_auth(app_only)
            .send()
            .await
            .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let e: Value = res.json().await.unwrap();
    assert_eq!(
        (e["code"].as_u64(), e["description"].as_str()),
        (Some(2032), Some("Access denied"))
    );
    assert!(e["pcsandbox"]["explanation"].as_str().unwrap().contains("App+User"));
}

#[tokio::test]
async fn the_newer_endpoints_answer_and_refuse_as_documented() {
    let w = World::new().await;
    let cid = customer(&w, "wingtip", "Wingtip Toys").await;
    // HEAD: 200 when the domain exists, 404 when it is free, no body either way.
    let head = |d: &str| {
        w.s.client()
            .head(w.s.url(&format!("/v1/domains/{d}")))
            .bearer_auth(&w.admin)
            .send()
    };
    let taken = head("wingtip.onmicrosoft.com").await.unwrap();
    assert_eq!(taken.status(), StatusCode::OK);
    assert!(taken.bytes().await.unwrap().is_empty());
    assert_eq!(head("WINGTIP.onmicrosoft.com").await.unwrap().status(), StatusCode::OK);
    assert_eq!(
        head("contosojp.onmicrosoft.com").await.unwrap().status(),
        StatusCode::OK,
        "a tenant's domain"
    );
    assert_eq!(
        head("nobody.onmicrosoft.com").await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let (_, free) = w
        .v1(Method::GET, "/v1/validations/checkdomainavailability/nobody", None, &[])
        .await;
    assert_eq!(free, json!(true));
    let (st, _) = w
        .v1(
            Method::GET,
            "/v1/validations/checkdomainavailability/bad-prefix!",
            None,
            &[],
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);

    // Addresses: named fields, a partial street, a country without rules.
    let check = |a: Value| w.v1(Method::POST, "/v1/validations/address", Some(a), &[]);
    let (_, ok) = check(json!({"AddressLine1": "港南 2-16-3", "City": "港区", "State": "東京都", "PostalCode": "1080075", "Country": "JP"})).await;
    assert_eq!(ok["status"], "VerifiedShippable", "{ok}");
    let (_, bad) = check(json!({"AddressLine1": "1 Microsoft Way", "City": "Redmond", "State": "XX", "PostalCode": "980", "Country": "US"})).await;
    assert_eq!(bad["status"], "None");
    assert_eq!(
        bad["validationMessage"],
        "Address field invalid for property: 'Region', 'PostalCode'"
    );
    let (_, fr) =
        check(json!({"AddressLine1": "1 rue X", "City": "Paris", "PostalCode": "75001", "Country": "FR"})).await;
    assert_eq!(fr["status"], "NotValidated");
    let (st, e) = check(json!({"City": "Paris", "Country": "FR"})).await;
    assert_eq!(
        (st, e["data"][0].as_str()),
        (StatusCode::BAD_REQUEST, Some("addressLine1"))
    );
    let (st, e) = w.v1(Method::GET, "/v1/countryvalidationrules/FR", None, &[]).await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert!(e["pcsandbox"]["explanation"].as_str().unwrap().contains("JP"));
    let (_, jp) = w.v1(Method::GET, "/v1/countryvalidationrules/jp", None, &[]).await;
    assert_eq!(jp["supportedStatesList"].as_array().unwrap().len(), 47);

    // The billing profile needs its etag; the country stays.
    let path = format!("/v1/customers/{cid}/profiles/billing");
    let (_, billing) = w.v1(Method::GET, &path, None, &[]).await;
    let etag = billing["attributes"]["etag"].as_str().unwrap().to_owned();
    let mut moved = billing.clone();
    moved["defaultAddress"]["country"] = json!("US");
    let (st, e) = w.v1(Method::PUT, &path, Some(moved), &[]).await;
    assert_eq!(
        (st, e["data"][0].as_str()),
        (StatusCode::BAD_REQUEST, Some("defaultAddress.country")),
        "{e}"
    );
    let mut renamed = billing.clone();
    renamed["companyName"] = json!("Wingtip Toys KK");
    renamed["attributes"] = json!({});
    let (st, e) = w.v1(Method::PUT, &path, Some(renamed.clone()), &[]).await;
    assert_eq!((st, e["code"].as_u64()), (StatusCode::BAD_REQUEST, Some(2055)), "{e}");
    let (st, b) = w.v1(Method::PUT, &path, Some(renamed), &[("If-Match", &etag)]).await;
    assert_eq!(
        (st, b["companyName"].as_str()),
        (StatusCode::OK, Some("Wingtip Toys KK")),
        "{b}"
    );

    // PATCH removes, never grants back; the direct-signed MCA follows the control plane's action.
    let (st, p) = w
        .v1(
            Method::PATCH,
            &format!("/v1/customers/{cid}"),
            Some(json!({"AllowDelegatedAccess": false})),
            &[],
        )
        .await;
    assert_eq!(
        (st, p["AllowDelegatedAccess"].as_bool()),
        (StatusCode::OK, Some(false)),
        "{p}"
    );
    let (st, _) = w
        .v1(
            Method::PATCH,
            &format!("/v1/customers/{cid}"),
            Some(json!({"allowDelegatedAccess": true})),
            &[],
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (_, c) = w.v1(Method::GET, &format!("/v1/customers/{cid}"), None, &[]).await;
    assert_eq!(
        (c["allowDelegatedAccess"].as_bool(), c["relationshipToPartner"].as_str()),
        (Some(false), Some("reseller"))
    );
    let status = format!("/v1/customers/{cid}/directSignedMicrosoftCustomerAgreementStatus");
    assert_eq!(
        w.v1(Method::GET, &status, None, &[]).await.1,
        json!({"isSigned": false})
    );
    let (st, _) = post(
        &w.s,
        &w.cp("/actions/sign-customer-agreement"),
        json!({"customerId": cid}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(w.v1(Method::GET, &status, None, &[]).await.1, json!({"isSigned": true}));

    // The indirect link needs a relationship that exists.
    let reseller = w.sb["tenants"][1]["id"].as_str().unwrap();
    let (st, e) = w
        .v1(
            Method::GET,
            &format!("/v1/customers/relationshiprequests?indirectResellerId={reseller}"),
            None,
            &[],
        )
        .await;
    assert_eq!(
        (st, e["data"][0].as_str()),
        (StatusCode::BAD_REQUEST, Some("indirectResellerId")),
        "{e}"
    );
    let (st, e) = w
        .v1(
            Method::GET,
            "/v1/customers/relationshiprequests?dualRoleIndirectRelationship=maybe",
            None,
            &[],
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{e}");
    let (st, gone) = w.v1(Method::DELETE, &format!("/v1/customers/{cid}"), None, &[]).await;
    assert_eq!((st, gone), (StatusCode::NO_CONTENT, Value::Null));
    assert_eq!(w.v1(Method::GET, &status, None, &[]).await.0, StatusCode::NOT_FOUND);
}
