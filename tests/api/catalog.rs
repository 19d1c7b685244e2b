//! The scenario catalog keeps its promises: every entry of `GET /sandbox/v1/scenarios` is applied
//! on one server (so entries that share domains live side by side) and what its description
//! promises is checked through `/v1` and the control plane, with the remedy it names where
//! there is one. An entry without a check here fails the test.

use serde_json::{json, Value};
use testkit::{Mfa, SandboxHandle};

use crate::support::{get, server, Server};

const FABRIKAM: &str = "fabrikamjp.onmicrosoft.com";
const FABRIKAM_ADMIN: &str = "admin@fabrikamjp.onmicrosoft.com";
const CONTOSO_ADMIN: &str = "admin@contosojp.onmicrosoft.com";

/// A check's state and reason code (`-` without one).
fn check(partner: &Value, name: &str) -> (String, String) {
    let c = &partner["verification"]["checks"][name];
    (
        c["state"].as_str().unwrap_or("?").to_owned(),
        c["reason"]["code"].as_str().unwrap_or("-").to_owned(),
    )
}

fn checks(partner: &Value) -> [(String, String); 3] {
    ["emailOwnership", "employment", "company"].map(|c| check(partner, c))
}

fn st(state: &str, reason: &str) -> (String, String) {
    (state.to_owned(), reason.to_owned())
}

fn reason(partner: &Value, name: &str, lang: &str) -> String {
    partner["verification"]["checks"][name]["reason"][lang]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn program<'a>(partner: &'a Value, name: &str) -> Option<&'a str> {
    partner["programs"].as_array()?.iter().find(|p| p["program"] == name)?["status"].as_str()
}

fn partner_id(partner: &Value, kind: &str) -> String {
    partner["partnerIds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == kind)
        .unwrap()["partnerId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `vettingStatus` and `vettingSubStatus` of the current verification, as Fabrikam's admin
/// reads them through `/v1`.
async fn vetting(sb: &SandboxHandle) -> (String, String) {
    let t = sb.user_token(FABRIKAM_ADMIN, Mfa::Yes).await.unwrap();
    let (status, p) = sb
        .get_v1("/v1/profiles/legalbusiness?vettingVersion=Current", &t)
        .await
        .unwrap();
    assert_eq!(status, 200, "{p}");
    (
        p["vettingStatus"].as_str().unwrap().to_owned(),
        p["vettingSubStatus"].as_str().unwrap().to_owned(),
    )
}

/// The link of the newest verification email.
async fn verification_link(sb: &SandboxHandle) -> String {
    let mails = sb.mailbox().await.unwrap();
    let mail = mails
        .iter()
        .find(|m| m.subject.contains("Verify your email"))
        .expect("a verification email");
    mail.links[0].clone()
}

/// The newest refusal of the journal (a scenario step's included).
async fn last_refusal(sb: &SandboxHandle) -> (String, String, String) {
    let r = sb.refusals().await.unwrap();
    let r = r.first().expect("a refusal in the journal");
    let n = r.refusal.as_ref().unwrap();
    (r.operation.clone(), n.code.clone(), n.field.clone().unwrap_or_default())
}

/// Contoso's check of a partner ID's MPA: the status and the Partner Center error code.
async fn agreement_status(sb: &SandboxHandle, pla: &str) -> (u16, Value) {
    let t = sb.user_token(CONTOSO_ADMIN, Mfa::Yes).await.unwrap();
    sb.get_v1(&format!("/v1/compliance/csp/agreementstatus?mpnId={pla}"), &t)
        .await
        .unwrap()
}

async fn relationships(sb: &SandboxHandle, user: &str, kind: &str) -> Value {
    let t = sb.user_token(user, Mfa::Yes).await.unwrap();
    let (status, list) = sb
        .get_v1(&format!("/v1/relationships?relationship_type={kind}"), &t)
        .await
        .unwrap();
    assert_eq!(status, 200, "{list}");
    list
}

async fn requests(sb: &SandboxHandle) -> Vec<Value> {
    let (status, r) = sb
        .control(reqwest::Method::GET, "/relationship-requests", None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{r}");
    r["items"].as_array().unwrap().clone()
}

async fn promise(server: &Server, name: &str) {
    let sb = server.scenario(name).await.unwrap_or_else(|e| panic!("{name}: {e}"));
    let fabrikam = || async { sb.partner(FABRIKAM).await.unwrap() };
    match name {
        "empty" => assert_eq!(sb.json()["tenants"], json!([])),
        "default" => {
            let t = sb
                .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
                .await
                .unwrap();
            assert_eq!(sb.get_v1("/v1/profiles/organization", &t).await.unwrap().0, 200);
            let northwind = sb.partner("northwindjp.onmicrosoft.com").await.unwrap();
            assert_eq!(program(&northwind, "csp-indirect-reseller"), Some("active"));
        }
        "onboarding" | "indirect-reseller" => {
            // Fabrikam is not a partner yet: /v1 says so, and registering is open.
            assert_eq!(fabrikam().await, Value::Null);
            let t = sb.user_token(FABRIKAM_ADMIN, Mfa::Yes).await.unwrap();
            let (status, e) = sb.get_v1("/v1/profiles/legalbusiness", &t).await.unwrap();
            assert_eq!((status, e["code"].as_u64()), (404, Some(1000)), "{e}");
            if name == "indirect-reseller" {
                let contoso = sb.partner("contosojp.onmicrosoft.com").await.unwrap();
                assert_eq!(program(&contoso, "csp-indirect-provider"), Some("active"));
            }
        }
        "email-pending" => {
            let p = fabrikam().await;
            assert_eq!(
                checks(&p),
                [st("pending", "-"), st("approved", "-"), st("approved", "-")]
            );
            assert_eq!(vetting(&sb).await, ("pending".into(), "email_ownership".into()));
            // The remedy: the mailbox's link.
            let mail = &sb.mailbox().await.unwrap()[0];
            assert_eq!(mail.to, "hanako.sato@fabrikam.co.jp");
            assert_eq!(sb.follow(&mail.links[0]).await.unwrap().0, 200);
            assert_eq!(vetting(&sb).await.0, "authorized");
        }
        "email-link-expired" => {
            let p = fabrikam().await;
            assert_eq!(check(&p, "emailOwnership"), st("rejected", "linkExpired"));
            assert_eq!(vetting(&sb).await, ("rejected".into(), "email_ownership".into()));
            let old = verification_link(&sb).await;
            let (_, page) = sb.follow(&old).await.unwrap();
            assert!(page.contains("有効期限"), "{page}");
            // The remedy: a new email, whose link works.
            let (status, r) = sb
                .act("resend-verification-email", json!({"as": FABRIKAM_ADMIN}))
                .await
                .unwrap();
            assert_eq!(status, 200, "{r}");
            let new = verification_link(&sb).await;
            assert_ne!(new, old);
            sb.follow(&new).await.unwrap();
            assert_eq!(vetting(&sb).await.0, "authorized");
        }
        "email-rejected-webmail" => {
            let p = fabrikam().await;
            assert_eq!(
                checks(&p),
                [
                    st("rejected", "webmail"),
                    st("rejected", "domainMismatch"),
                    st("approved", "-")
                ]
            );
            assert!(reason(&p, "emailOwnership", "ja-JP").contains("gmail.com"));
            let mails = sb.mailbox().await.unwrap();
            assert!(
                !mails.iter().any(|m| m.subject.contains("Verify your email")),
                "no link to a refused address"
            );
            let (status, e) = sb
                .act("resend-verification-email", json!({"as": FABRIKAM_ADMIN}))
                .await
                .unwrap();
            assert_eq!((status, e["code"].as_str()), (409, Some("EmailAddressNotAllowed")));
            assert_eq!(vetting(&sb).await.0, "rejected");
        }
        "employment-rejected" => {
            let p = fabrikam().await;
            assert_eq!(
                checks(&p),
                [
                    st("approved", "-"),
                    st("rejected", "domainMismatch"),
                    st("approved", "-")
                ]
            );
            assert!(reason(&p, "employment", "en-US").contains("fabrikam-group.jp"));
            assert_eq!(
                vetting(&sb).await,
                ("rejected".into(), "employment_verification".into())
            );
        }
        "employment-in-review" => {
            let p = fabrikam().await;
            assert_eq!(check(&p, "employment"), st("pending", "-"));
            assert!(p["verification"]["checks"]["employment"]["reviewDue"].is_string());
            assert_eq!(vetting(&sb).await, ("pending".into(), "employment_verification".into()));
            sb.advance_business_days(2).await.unwrap();
            assert_eq!(vetting(&sb).await.0, "authorized");
        }
        "company-rejected-name" => {
            let p = fabrikam().await;
            assert_eq!(
                checks(&p),
                [st("approved", "-"), st("approved", "-"), st("rejected", "nameDiffers")]
            );
            assert!(reason(&p, "company", "ja-JP").contains("Fabrikam Japan 株式会社"));
            assert_eq!(vetting(&sb).await, ("rejected".into(), "business_verification".into()));
        }
        "company-rejected-address" => {
            let p = fabrikam().await;
            assert_eq!(check(&p, "company"), st("rejected", "addressDiffers"));
            let why = reason(&p, "company", "ja-JP");
            assert!(
                why.contains("市区町村は「千代田区」") && why.contains("郵便番号は「100-7090」"),
                "{why}"
            );
            assert_eq!(vetting(&sb).await.0, "rejected");
        }
        "company-stale-certificate" => {
            let p = fabrikam().await;
            assert_eq!(check(&p, "company"), st("rejected", "documentTooOld"));
            let doc = &p["verification"]["checks"]["company"]["documents"][0];
            assert_eq!(doc["kind"], "registry-certificate");
            let issued = chrono::NaiveDate::parse_from_str(doc["issuedOn"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            let today = chrono::Utc::now().date_naive();
            assert!((today - issued).num_days() > 365, "{issued}");
            // The remedy: a recent certificate goes into review.
            let (status, r) = sb
                .act(
                    "upload-document",
                    json!({"as": FABRIKAM_ADMIN, "check": "company", "kind": "registry-certificate", "issuedOn": "-P10D"}),
                )
                .await
                .unwrap();
            assert_eq!(status, 200, "{r}");
            assert_eq!(check(&r["partner"], "company"), st("pending", "-"));
        }
        "reviews-pending" => {
            let p = fabrikam().await;
            assert_eq!(
                checks(&p),
                [st("approved", "-"), st("pending", "-"), st("pending", "-")]
            );
            assert_eq!(vetting(&sb).await.0, "pending");
            sb.advance_business_days(1).await.unwrap();
            assert_eq!(vetting(&sb).await.0, "pending");
            sb.advance_business_days(1).await.unwrap();
            assert_eq!(vetting(&sb).await.0, "authorized");
        }
        "partner-verified" => {
            let p = fabrikam().await;
            assert_eq!(vetting(&sb).await.0, "authorized");
            assert!(p["partnerIds"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["status"] == "active"));
            assert_eq!(p["csp"], Value::Null);
            let (status, e) = agreement_status(&sb, &partner_id(&p, "PartnerLocation")).await;
            assert_eq!(
                (status, e["code"].as_u64()),
                (400, Some(2204)),
                "not a CSP account: {e}"
            );
        }
        "global-id-for-csp" | "location-id-other-country" | "duplicate-company-name" => {
            let (code, field) = match name {
                "global-id-for-csp" => ("LocationIdRequired", "partnerId"),
                "location-id-other-country" => ("CountryMismatch", "partnerId"),
                _ => ("NameExists", "companyName"),
            };
            assert_eq!(
                last_refusal(&sb).await,
                ("action enroll-csp-indirect-reseller".into(), code.into(), field.into())
            );
            let p = fabrikam().await;
            assert_eq!(p["csp"], Value::Null, "the refused enrollment changed nothing");
            assert_eq!(program(&p, "csp-indirect-reseller"), None);
            assert_eq!(vetting(&sb).await.0, "authorized");
        }
        "mpa-not-accepted" => {
            let p = fabrikam().await;
            assert_eq!(program(&p, "csp-indirect-reseller"), Some("pending"));
            assert_eq!(p["agreements"], json!([]));
            assert_eq!(vetting(&sb).await.0, "authorized");
            let pla = partner_id(&p, "PartnerLocation");
            assert_eq!(p["csp"]["partnerId"], pla.as_str());
            let (status, e) = agreement_status(&sb, &pla).await;
            assert_eq!((status, e["code"].as_u64()), (400, Some(2203)), "{e}");
            // The remedy: the Global admin accepts it.
            let (status, r) = sb
                .act(
                    "accept-agreement",
                    json!({"as": FABRIKAM_ADMIN, "agreementType": "MicrosoftPartnerAgreement"}),
                )
                .await
                .unwrap();
            assert_eq!(status, 200, "{r}");
            assert_eq!(agreement_status(&sb, &pla).await.0, 200);
        }
        "provider-request-pending" | "provider-request-postponed" => {
            let p = fabrikam().await;
            assert_eq!(program(&p, "csp-indirect-reseller"), Some("active"));
            let r = requests(&sb).await;
            assert_eq!(r.len(), 1);
            let want = name.trim_start_matches("provider-request-");
            assert_eq!(r[0]["state"], want);
            assert_eq!(r[0]["provider"]["companyName"], "Contoso Japan 株式会社");
            let list = relationships(&sb, CONTOSO_ADMIN, "IsIndirectCloudSolutionProviderOf").await;
            assert_eq!(list["totalCount"], 0, "{list}");
            // Still open: approving it makes the relationship.
            let (status, r) = sb
                .act(
                    "respond-relationship-request",
                    json!({"as": FABRIKAM_ADMIN, "decision": "approve", "consent": true}),
                )
                .await
                .unwrap();
            assert_eq!((status, r["request"]["state"].as_str()), (200, Some("approved")), "{r}");
            let list = relationships(&sb, CONTOSO_ADMIN, "IsIndirectCloudSolutionProviderOf").await;
            assert_eq!(list["totalCount"], 1, "{list}");
        }
        "reseller-active" => {
            let p = fabrikam().await;
            assert_eq!(program(&p, "csp-indirect-reseller"), Some("active"));
            assert_eq!(p["csp"]["canTransact"], true);
            let pla = partner_id(&p, "PartnerLocation");
            assert_eq!(
                agreement_status(&sb, &pla).await,
                (200, json!({"isAgreementSigned": true}))
            );
            let list = relationships(&sb, CONTOSO_ADMIN, "IsIndirectCloudSolutionProviderOf").await;
            assert_eq!(list["items"][0]["mpnId"], pla.as_str(), "{list}");
            assert_eq!(list["items"][0]["state"], "Active");
            let list = relationships(&sb, FABRIKAM_ADMIN, "IsIndirectResellerOf").await;
            assert_eq!(list["items"][0]["name"], "Contoso Japan 株式会社", "{list}");
            assert_eq!(requests(&sb).await[0]["state"], "approved");
        }
        "mfa-registration-required" => {
            let upn = "newagent@contosojp.onmicrosoft.com";
            let state = sb.state().await.unwrap();
            let user = state["tenants"][0]["users"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["userPrincipalName"] == upn)
                .unwrap()
                .clone();
            assert_eq!(user["mfa"]["state"], "required-unregistered", "{user}");
            // A token without the mfa claim is refused by /v1.
            let t = sb.user_token(upn, Mfa::No).await.unwrap();
            let (status, e) = sb.get_v1("/v1/customers", &t).await.unwrap();
            assert_eq!((status, e["code"].as_u64()), (401, Some(900421)), "{e}");
            // Entra sends a password sign-in to the registration first.
            let password = sb.json()["tenants"][0]["users"]
                .as_array()
                .unwrap()
                .iter()
                .find(|u| u["userPrincipalName"] == upn)
                .unwrap()["password"]
                .as_str()
                .unwrap()
                .to_owned();
            let public = sb.json()["apps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["publicClient"] == true)
                .unwrap()["clientId"]
                .as_str()
                .unwrap()
                .to_owned();
            let res = sb
                .client()
                .post(format!(
                    "{}/{}/oauth2/v2.0/token",
                    sb.authority(),
                    sb.json()["tenants"][0]["id"].as_str().unwrap()
                ))
                .form(&[
                    ("grant_type", "password"),
                    ("client_id", public.as_str()),
                    ("username", upn),
                    ("password", password.as_str()),
                    ("scope", "https://api.partnercenter.microsoft.com/user_impersonation"),
                ])
                .send()
                .await
                .unwrap();
            let e: Value = res.json().await.unwrap();
            assert_eq!(e["error_codes"][0], 50079, "{e}");
        }
        other => panic!("the catalog entry '{other}' has no check in tests/api/catalog.rs"),
    }
}

#[tokio::test]
async fn every_catalog_entry_keeps_its_promise() {
    let s = server().await;
    let (status, list) = get(&s, "/sandbox/v1/scenarios").await;
    assert_eq!(status, 200, "{list}");
    let names: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.len() >= 20, "{names:?}");
    for n in &names {
        let entry = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == *n)
            .unwrap();
        assert!(
            entry["description"].as_str().is_some_and(|d| d.len() > 30),
            "{n} says what it shows"
        );
        promise(&s, n).await;
    }
}

#[tokio::test]
async fn a_scenario_extends_another_and_a_broken_chain_is_named() {
    let s = server().await;
    let sb = s
        .sandbox(json!({"scenario": {
            "extends": "employment-rejected",
            "steps": [{"action": "upload-document", "as": FABRIKAM_ADMIN, "check": "employment", "kind": "domain-ownership"},
                      {"businessDays": 2}]
        }}))
        .await
        .unwrap();
    assert_eq!(vetting(&sb).await.0, "authorized");
    // Reset takes the inherited steps and the scenario's own again.
    sb.reset().await.unwrap();
    assert_eq!(vetting(&sb).await.0, "authorized");
    let err = s
        .create_sandbox(json!({"scenario": {"extends": "no-such-scenario"}}))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("no-such-scenario") && err.contains("scenario.extends"),
        "{err}"
    );
}

#[tokio::test]
async fn every_catalog_entry_is_documented() {
    let s = server().await;
    let (_, list) = get(&s, "/sandbox/v1/scenarios").await;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let catalog = std::fs::read_to_string(root.join("scenarios/README.md")).unwrap();
    for e in list["items"].as_array().unwrap() {
        let name = format!("`{}`", e["name"].as_str().unwrap());
        assert!(
            catalog.contains(&format!("| {name} |")),
            "scenarios/README.md lists {name}"
        );
        let base = ["`default`", "`empty`", "`onboarding`", "`indirect-reseller`"];
        if !base.contains(&name.as_str()) {
            assert!(
                readme.contains(&format!("| {name} |")),
                "README.md's recipes list {name}"
            );
        }
    }
}
