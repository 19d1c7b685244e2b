//! GDAP end to end: a relationship made through Graph, locked for approval, approved by the
//! customer's Global Administrator on the invitation page, a security group assigned, a partner
//! user signing in to the customer's tenant with MFA and reading with the granted role (and
//! refused without it), then expiry and auto-extension on the sandbox clock.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::orders::claims;
use crate::portal::{create, field, now_of, testkit_token, Browser};
use crate::support::{get, post, Server};

const USER_ADMIN: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
const EXCHANGE: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
const GRAPH: &str = "https://graph.microsoft.com/.default";

/// The client id of the sandbox's public client app.
pub(crate) fn public_client(sb: &Value) -> String {
    sb["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["publicClient"] == true)
        .unwrap()["clientId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A device-code sign-in at `tenant`'s authority completed by the control plane (with the TOTP
/// step): the token response, or the sign-in's refusal.
async fn device_token(s: &Server, sb: &Value, tenant: &str, upn: &str) -> Result<Value, Value> {
    let client = public_client(sb);
    let res = s
        .client()
        .post(format!("{}/{tenant}/oauth2/v2.0/devicecode", s.uri()))
        .form(&[("client_id", client.as_str()), ("scope", GRAPH)])
        .send()
        .await
        .unwrap();
    let dc: Value = res.json().await.unwrap();
    let (st, done) = post(
        s,
        "/sandbox/v1/sandboxes/default/sign-ins",
        json!({"userCode": dc["user_code"], "user": upn, "mfa": true}),
    )
    .await;
    if st != StatusCode::OK {
        return Err(done);
    }
    let res = s
        .client()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", s.uri()))
        .form(&[
            ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
            ("client_id", client.as_str()),
            ("device_code", dc["device_code"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let t: Value = res.json().await.unwrap();
    if t["access_token"].is_string() {
        Ok(t)
    } else {
        Err(t)
    }
}

/// A Graph client of `upn`, signed in at `tenant`'s authority with the TOTP step.
async fn graph_as<'a>(s: &'a Server, sb: &Value, tenant: &str, upn: &str) -> Graph<'a> {
    let t = device_token(s, sb, tenant, upn).await.unwrap();
    Graph {
        s,
        token: t["access_token"].as_str().unwrap().to_owned(),
    }
}

struct Graph<'a> {
    s: &'a Server,
    token: String,
}

impl Graph<'_> {
    async fn call(
        &self,
        method: Method,
        path: &str,
        etag: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value, reqwest::header::HeaderMap) {
        let mut req = self
            .s
            .client()
            .request(method, format!("{}/v1.0{path}", self.s.uri()))
            .bearer_auth(&self.token);
        if let Some(e) = etag {
            req = req.header("If-Match", e);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null), headers)
    }
}

#[tokio::test]
async fn a_relationship_is_approved_on_the_page_assigned_used_in_the_customer_tenant_and_lives_on_the_clock() {
    let s = crate::support::server().await;
    let sb = create(&s, "default", "default").await;
    let contoso = sb["tenants"][0]["id"].as_str().unwrap().to_owned();
    // A customer of Contoso: an Entra tenant with its Global Administrator.
    let pc = testkit_token(&s, &sb, "admin@contosojp.onmicrosoft.com").await;
    let res = s
        .client()
        .post(format!("{}/v1/customers", s.uri()))
        .bearer_auth(&pc)
        .json(&json!({
            "companyProfile": {"domain": "adatumgdap"},
            "billingProfile": {"email": "it@adatum.example", "culture": "en-US", "language": "en",
                "companyName": "Adatum", "defaultAddress": {"firstName": "Ana", "lastName": "Bowman",
                "addressLine1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let customer: Value = res.json().await.unwrap();
    let cid = customer["id"].as_str().unwrap().to_owned();
    let customer_admin = format!("admin@{}", customer["companyProfile"]["domain"].as_str().unwrap());
    let customer_password = customer["userCredentials"]["password"].as_str().unwrap().to_owned();

    // The partner's admin calls Graph with MFA.
    let g = graph_as(&s, &sb, &contoso, "admin@contosojp.onmicrosoft.com").await;
    let rels = "/tenantRelationships/delegatedAdminRelationships";
    // Refusals change nothing: a long name, a duration beyond two years, GA with auto-extension.
    let bad = [
        json!({"displayName": "x".repeat(51), "duration": "P730D", "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}]}}),
        json!({"displayName": "Adatum", "duration": "P731D", "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}]}}),
        json!({"displayName": "Adatum", "duration": "P730D", "autoExtendDuration": "P180D",
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"}]}}),
    ];
    for b in bad {
        let (st, e, _) = g.call(Method::POST, rels, None, Some(b)).await;
        assert_eq!((st, e["error"]["code"].as_str()), (400, Some("badRequest")), "{e}");
    }
    let (st, rel, headers) = g
        .call(
            Method::POST,
            rels,
            None,
            Some(json!({"displayName": "Adatum helpdesk", "duration": "P730D",
                "customer": {"tenantId": cid},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}, {"roleDefinitionId": EXCHANGE}]}})),
        )
        .await;
    assert_eq!(st, 201, "{rel}");
    let id = rel["id"].as_str().unwrap().to_owned();
    assert!(id.ends_with(&contoso), "two GUIDs, the second the partner's: {id}");
    assert_eq!(rel["status"], "created");
    assert_eq!(rel["autoExtendDuration"], "PT0S");
    assert!(rel["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("$metadata#delegatedAdminRelationships"));
    assert!(headers["location"].to_str().unwrap().ends_with(&format!("{rels}/{id}")));
    let (st, e, _) = g
        .call(
            Method::POST,
            rels,
            None,
            Some(json!({"displayName": "adatum HELPDESK", "duration": "P1D",
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}]}})),
        )
        .await;
    assert_eq!(st, 409, "display names are unique per partner: {e}");
    // The customer came with Partner Center's default relationship (enableGDAPByDefault left out).
    let (_, list, _) = g
        .call(
            Method::GET,
            &format!("{rels}?$count=true&$select=displayName,status"),
            None,
            None,
        )
        .await;
    assert_eq!(list["@odata.count"], 2, "{list}");
    assert!(list["value"][0].get("duration").is_none(), "$select: {list}");
    let default = &list["value"][0];
    assert!(
        default["displayName"].as_str().unwrap().starts_with("Default_"),
        "{list}"
    );
    assert_eq!(default["status"], "active", "{list}");
    let (_, one, _) = g
        .call(
            Method::GET,
            &format!("{rels}?$filter=status eq 'created'&$top=1"),
            None,
            None,
        )
        .await;
    assert_eq!(one["value"].as_array().unwrap().len(), 1, "{one}");
    assert_eq!(one["value"][0]["id"], id.as_str(), "{one}");

    // Locked for approval: the invitation link is mailed to the partner.
    let (st, req, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/requests"),
            None,
            Some(json!({"action": "lockForApproval"})),
        )
        .await;
    assert_eq!((st, req["action"].as_str()), (201, Some("lockForApproval")), "{req}");
    let (_, mail) = get(
        &s,
        "/sandbox/v1/sandboxes/default/mailbox?to=admin@contosojp.onmicrosoft.com",
    )
    .await;
    let link = mail["items"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["links"].as_array().unwrap())
        .filter_map(Value::as_str)
        .find(|l| l.contains("/AdminPortal/partners/invitation/granularAdminRelationships/"))
        .unwrap_or_else(|| panic!("{mail}"))
        .to_owned();
    let path = link[link.find("/AdminPortal").unwrap()..].to_owned();

    // The partner's own admin cannot approve; the customer's Global Administrator does, on the page.
    let (st, e) = post(
        &s,
        "/sandbox/v1/sandboxes/default/actions/approve-gdap-relationship",
        json!({"as": "admin@contosojp.onmicrosoft.com", "relationshipId": id}),
    )
    .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "{e}");
    let mut b = Browser::new(&s);
    let start = b.get(&path).await;
    let page = b
        .sign_in(start, &customer_admin, &customer_password, None, now_of(&sb))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.html);
    assert!(page.html.contains("Contoso"), "{}", page.html);
    assert!(page.html.contains("User Administrator"), "{}", page.html);
    let csrf = field(&page.html, "csrf");
    let done = b.submit(&path, &[("csrf", &csrf), ("decision", "approve")]).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.html);
    assert!(done.html.contains(r#"data-status="active""#), "{}", done.html);
    let (_, rel, _) = g.call(Method::GET, &format!("{rels}/{id}"), None, None).await;
    assert_eq!(rel["status"], "active", "{rel}");
    assert!(
        rel["activatedDateTime"].is_string() && rel["endDateTime"].is_string(),
        "{rel}"
    );
    let (_, customers, _) = g
        .call(Method::GET, "/tenantRelationships/delegatedAdminCustomers", None, None)
        .await;
    assert_eq!(customers["value"][0]["tenantId"], cid.as_str(), "{customers}");

    // Without a group holding an assignment the agent cannot sign in to the customer's tenant.
    let refused = device_token(&s, &sb, &cid, "agent@contosojp.onmicrosoft.com")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("AADSTS50020"), "{refused}");
    let (st, group) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/default/tenants/{contoso}/groups"),
        json!({"displayName": "Helpdesk agents", "members": ["agent@contosojp.onmicrosoft.com"]}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let assign = |roles: &[&str]| {
        json!({"accessContainer": {"accessContainerId": gid, "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": roles.iter().map(|r| json!({"roleDefinitionId": r})).collect::<Vec<_>>()}})
    };
    let (st, e, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/accessAssignments"),
            None,
            Some(assign(&["62e90394-69f5-4237-9190-012177145e10"])),
        )
        .await;
    assert_eq!(st, 400, "a role the relationship does not hold: {e}");
    let (st, a, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/accessAssignments"),
            None,
            Some(assign(&[USER_ADMIN])),
        )
        .await;
    assert_eq!(st, 201, "{a}");
    let aid = a["id"].as_str().unwrap().to_owned();
    let (st, e, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/accessAssignments"),
            None,
            Some(assign(&[EXCHANGE])),
        )
        .await;
    assert_eq!((st, e["error"]["code"].as_str()), (409, Some("conflict")), "{e}");

    // The agent signs in to the customer's tenant with MFA: tid = customer, idp = partner, wids.
    let t = device_token(&s, &sb, &cid, "agent@contosojp.onmicrosoft.com")
        .await
        .unwrap();
    let at = t["access_token"].as_str().unwrap();
    let c = claims(at);
    assert_eq!(c["tid"], cid.as_str());
    assert_eq!(c["idp"], format!("https://sts.windows.net/{contoso}/"));
    assert_eq!(c["wids"], json!([USER_ADMIN]));
    assert_eq!(c["amr"], json!(["pwd", "mfa"]));
    let agent = Graph {
        s: &s,
        token: at.to_owned(),
    };
    let (st, users, _) = agent.call(Method::GET, "/users", None, None).await;
    assert_eq!(st, 200, "{users}");
    assert!(users.to_string().contains(&customer_admin), "{users}");

    // The assignment changes to Exchange only (If-Match required): a long-running operation.
    let (st, e, _) = g
        .call(
            Method::PATCH,
            &format!("{rels}/{id}/accessAssignments/{aid}"),
            None,
            Some(assign(&[EXCHANGE])),
        )
        .await;
    assert_eq!(st, 428, "{e}");
    let (st, _, _) = g
        .call(
            Method::PATCH,
            &format!("{rels}/{id}/accessAssignments/{aid}"),
            Some("W/\"stale\""),
            Some(assign(&[EXCHANGE])),
        )
        .await;
    assert_eq!(st, 412);
    let etag = a["@odata.etag"].as_str().unwrap().to_owned();
    let (st, _, headers) = g
        .call(
            Method::PATCH,
            &format!("{rels}/{id}/accessAssignments/{aid}"),
            Some(&etag),
            Some(assign(&[EXCHANGE])),
        )
        .await;
    assert_eq!(st, 202);
    assert_eq!(headers["retry-after"], "10");
    let op_url = headers["location"].to_str().unwrap().to_owned();
    let op_path = &op_url[op_url.find("/tenantRelationships").unwrap()..];
    let (_, op, _) = g.call(Method::GET, op_path, None, None).await;
    assert_eq!(
        (op["status"].as_str(), op["operationType"].as_str()),
        (Some("succeeded"), Some("delegatedAdminAccessAssignmentUpdate")),
        "{op}"
    );
    assert!(op["data"].is_string(), "data is a JSON string: {op}");
    let agent = graph_as(&s, &sb, &cid, "agent@contosojp.onmicrosoft.com").await;
    assert_eq!(claims(&agent.token)["wids"], json!([EXCHANGE]));
    let (st, e, _) = agent.call(Method::GET, "/users", None, None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str(), e["error"]["message"].as_str()),
        (
            403,
            Some("Authorization_RequestDenied"),
            Some("Insufficient privileges to complete the operation.")
        ),
        "{e}"
    );

    // Auto-extension (no Global Administrator here) carries it past its end on the clock.
    let (_, rel, _) = g.call(Method::GET, &format!("{rels}/{id}"), None, None).await;
    let end = rel["endDateTime"].as_str().unwrap().to_owned();
    let (st, rel, _) = g
        .call(
            Method::PATCH,
            &format!("{rels}/{id}"),
            Some(rel["@odata.etag"].as_str().unwrap()),
            Some(json!({"autoExtendDuration": "P180D"})),
        )
        .await;
    assert_eq!((st, rel["autoExtendDuration"].as_str()), (200, Some("P180D")), "{rel}");
    let (st, _) = post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "P731D"})).await;
    assert_eq!(st, StatusCode::OK);
    let g = graph_as(&s, &sb, &contoso, "admin@contosojp.onmicrosoft.com").await;
    let (_, rel, _) = g.call(Method::GET, &format!("{rels}/{id}"), None, None).await;
    assert_eq!(rel["status"], "active", "{rel}");
    let extended = rel["endDateTime"].as_str().unwrap();
    let days = (chrono::DateTime::parse_from_rfc3339(extended).unwrap()
        - chrono::DateTime::parse_from_rfc3339(&end).unwrap())
    .num_days();
    assert_eq!(days, 180, "{end} -> {extended}");
    // Without it, reminders are mailed and the relationship expires: the agent is out.
    let (st, rel, _) = g
        .call(
            Method::PATCH,
            &format!("{rels}/{id}"),
            Some(rel["@odata.etag"].as_str().unwrap()),
            Some(json!({"autoExtendDuration": "PT0S"})),
        )
        .await;
    assert_eq!(st, 200, "{rel}");
    let (st, _) = post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "P175D"})).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "P6D"})).await;
    assert_eq!(st, StatusCode::OK);
    let (_, mail) = get(
        &s,
        "/sandbox/v1/sandboxes/default/mailbox?to=admin@contosojp.onmicrosoft.com",
    )
    .await;
    let subjects: Vec<&str> = mail["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["subject"].as_str())
        .collect();
    assert!(
        subjects.iter().any(|s| s.contains("expires in 30 days")),
        "{subjects:?}"
    );
    assert!(subjects.iter().any(|s| s.contains("expired")), "{subjects:?}");
    let g = graph_as(&s, &sb, &contoso, "admin@contosojp.onmicrosoft.com").await;
    let (_, rel, _) = g.call(Method::GET, &format!("{rels}/{id}"), None, None).await;
    assert_eq!(rel["status"], "expired", "{rel}");
    let refused = device_token(&s, &sb, &cid, "agent@contosojp.onmicrosoft.com")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("AADSTS50020"), "{refused}");
}

async fn status_of(g: &Graph<'_>, id: &str) -> Value {
    let path = format!("/tenantRelationships/delegatedAdminRelationships/{id}");
    g.call(Method::GET, &path, None, None).await.1["status"].clone()
}

async fn mint(s: &Server, sb: &Value, body: Value) -> String {
    let mut body = body;
    body["clientId"] = sb["apps"][0]["clientId"].clone();
    let (st, t) = post(s, "/sandbox/v1/sandboxes/default/tokens", body).await;
    assert_eq!(st, StatusCode::OK, "{t}");
    t["accessToken"]
        .as_str()
        .or(t["access_token"].as_str())
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn timing_faults_and_refusals_on_the_clock() {
    let s = crate::support::server().await;
    let sb = create(&s, "default", "default").await;
    let contoso = sb["tenants"][0]["id"].as_str().unwrap().to_owned();
    let rels = "/tenantRelationships/delegatedAdminRelationships";
    let new_rel = |name: &str| {
        json!({"displayName": name, "duration": "P30D",
            "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}]}})
    };
    // Who may call: a user of the partner with MFA and the permission; not app-only.
    let no_mfa = Graph {
        s: &s,
        token: mint(
            &s,
            &sb,
            json!({"userId": "admin@contosojp.onmicrosoft.com", "mfa": false, "audience": "https://graph.microsoft.com"}),
        )
        .await,
    };
    let (st, e, _) = no_mfa.call(Method::POST, rels, None, Some(new_rel("x"))).await;
    assert_eq!(st, 403, "{e}");
    assert!(e["error"]["message"].as_str().unwrap().contains("multifactor"), "{e}");
    let app = Graph {
        s: &s,
        token: mint(&s, &sb, json!({"audience": "https://graph.microsoft.com"})).await,
    };
    let (st, e, _) = app.call(Method::GET, rels, None, None).await;
    assert_eq!(st, 403, "{e}");
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2832473f-ec63-45fb-976f-5d45a7d4bb91"),
        "{e}"
    );
    let (st, e, _) = app.call(Method::GET, rels, Some("x"), None).await;
    assert_eq!(st, 403, "{e}");
    let pc = Graph {
        s: &s,
        token: testkit_token(&s, &sb, "admin@contosojp.onmicrosoft.com").await,
    };
    let (st, e, _) = pc.call(Method::GET, rels, None, None).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (401, Some("InvalidAuthenticationToken")),
        "a Partner Center token: {e}"
    );
    let g = graph_as(&s, &sb, &contoso, "admin@contosojp.onmicrosoft.com").await;

    // App-only works once the partner's admin provisioned the Partner Customer Delegated
    // Administration service principal in its tenant.
    let pcda = json!({"appId": "2832473f-ec63-45fb-976f-5d45a7d4bb91"});
    let (st, e, _) = g
        .call(
            Method::POST,
            "/servicePrincipals",
            None,
            Some(json!({"appId": "00000003-0000-0000-c000-000000000000"})),
        )
        .await;
    assert_eq!(st, 400, "{e}");
    let (st, sp, headers) = g
        .call(Method::POST, "/servicePrincipals", None, Some(pcda.clone()))
        .await;
    assert_eq!(st, 201, "{sp}");
    assert_eq!(sp["appId"], "2832473f-ec63-45fb-976f-5d45a7d4bb91");
    assert!(headers.contains_key("location"));
    let (st, e, _) = g.call(Method::POST, "/servicePrincipals", None, Some(pcda)).await;
    assert_eq!(
        (st, e["error"]["code"].as_str()),
        (409, Some("Request_MultipleObjectsWithSameKeyValue")),
        "{e}"
    );
    let (st, list, _) = app.call(Method::GET, rels, None, None).await;
    assert_eq!(st, 200, "app-only with the service principal: {list}");
    let (st, made, _) = app.call(Method::POST, rels, None, Some(new_rel("Made app-only"))).await;
    assert_eq!(st, 201, "{made}");
    let (st, _, _) = app
        .call(
            Method::POST,
            &format!("{rels}/{}/requests", made["id"].as_str().unwrap()),
            None,
            Some(json!({"action": "lockForApproval"})),
        )
        .await;
    assert_eq!(st, 201);
    // Its invitation goes to the partner's primary contact.
    let contact = sb["tenants"][0]["partner"]["legalBusinessProfile"]["primaryContact"]["email"]
        .as_str()
        .map(str::to_owned);
    let (_, mail) = get(&s, "/sandbox/v1/sandboxes/default/mailbox").await;
    let invitation = mail["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["subject"].as_str().unwrap_or_default().contains("Made app-only"))
        .unwrap_or_else(|| panic!("{mail}"))
        .clone();
    if let Some(contact) = contact {
        assert_eq!(invitation["to"], contact.as_str());
    }
    assert!(!invitation["to"].as_str().unwrap().is_empty(), "{invitation}");

    // Deleting needs If-Match and a relationship still `created`.
    let (_, doomed, _) = g.call(Method::POST, rels, None, Some(new_rel("Doomed"))).await;
    let doomed_id = doomed["id"].as_str().unwrap();
    let (st, _, _) = g.call(Method::DELETE, &format!("{rels}/{doomed_id}"), None, None).await;
    assert_eq!(st, 428);
    let (st, _, _) = g
        .call(
            Method::DELETE,
            &format!("{rels}/{doomed_id}"),
            doomed["@odata.etag"].as_str(),
            None,
        )
        .await;
    assert_eq!(st, 204);
    let (st, _, _) = g.call(Method::GET, &format!("{rels}/{doomed_id}"), None, None).await;
    assert_eq!(st, 404);

    // Ten minutes from approval to active; assignments stuck in pending.
    let (st, settings) = crate::support::call(
        &s,
        Method::PATCH,
        "/sandbox/v1/sandboxes/default/gdap",
        Some(json!({"activationDelay": "PT10M", "stuckAssignments": true})),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{settings}");
    assert_eq!(settings, json!({"activationDelay": "PT600S", "stuckAssignments": true}));
    let pc_token = testkit_token(&s, &sb, "admin@contosojp.onmicrosoft.com").await;
    let res = s
        .client()
        .post(format!("{}/v1/customers", s.uri()))
        .bearer_auth(&pc_token)
        .json(&json!({
            "enableGDAPByDefault": false,
            "companyProfile": {"domain": "fourthcoffeegdap"},
            "billingProfile": {"email": "it@fourthcoffee.example", "culture": "en-US", "language": "en",
                "companyName": "Fourth Coffee", "defaultAddress": {"firstName": "Ana", "lastName": "Bowman",
                "addressLine1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}},
        }))
        .send()
        .await
        .unwrap();
    let customer: Value = res.json().await.unwrap();
    let cid = customer["id"].as_str().unwrap().to_owned();
    // GDAP webhook events are recorded (the URL answers nothing: each delivery is journaled).
    let res = s
        .client()
        .post(format!("{}/webhooks/v1/registration", s.uri()))
        .bearer_auth(&pc_token)
        .json(&json!({"WebhookUrl": "http://127.0.0.1:9/callback",
            "WebhookEvents": ["granular-admin-relationship-approved", "granular-admin-relationship-activated",
                "granular-admin-relationship-terminated"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let (_, list, _) = g
        .call(
            Method::GET,
            &format!("{rels}?$filter=customer/tenantId eq '{cid}'"),
            None,
            None,
        )
        .await;
    assert_eq!(
        list["value"].as_array().unwrap().len(),
        0,
        "enableGDAPByDefault false: {list}"
    );
    let (_, rel, _) = g.call(Method::POST, rels, None, Some(new_rel("Fourth Coffee"))).await;
    let id = rel["id"].as_str().unwrap().to_owned();
    let (st, _, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/requests"),
            None,
            Some(json!({"action": "approve"})),
        )
        .await;
    assert_eq!(st, 400, "a partner does not approve its own relationship");
    let (st, _, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/requests"),
            None,
            Some(json!({"action": "lockForApproval"})),
        )
        .await;
    assert_eq!(st, 201);
    let admin = format!("admin@{}", customer["companyProfile"]["domain"].as_str().unwrap());
    let (st, done) = post(
        &s,
        "/sandbox/v1/sandboxes/default/actions/approve-gdap-relationship",
        json!({"as": admin, "relationshipId": id}),
    )
    .await;
    assert_eq!(st, StatusCode::OK, "{done}");
    assert_eq!(done["relationship"]["status"], "approved", "{done}");
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "PT6M"})).await;
    assert_eq!(status_of(&g, &id).await, "activating");
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "PT5M"})).await;
    assert_eq!(status_of(&g, &id).await, "active");
    // Activated by the clock, not by a request: its event is sent after that write committed.
    let mut names = String::new();
    for _ in 0..50 {
        let (_, d) = get(&s, "/sandbox/v1/sandboxes/default/webhook-deliveries").await;
        names = d.to_string();
        if names.contains("granular-admin-relationship-activated") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(names.contains("granular-admin-relationship-approved"), "{names}");
    assert!(names.contains("granular-admin-relationship-activated"), "{names}");
    let (_, group) = post(
        &s,
        &format!("/sandbox/v1/sandboxes/default/tenants/{contoso}/groups"),
        json!({"displayName": "Agents", "members": ["agent@contosojp.onmicrosoft.com"]}),
    )
    .await;
    let (st, a, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/accessAssignments"),
            None,
            Some(
                json!({"accessContainer": {"accessContainerId": group["id"], "accessContainerType": "securityGroup"},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}]}}),
            ),
        )
        .await;
    assert_eq!((st, a["status"].as_str()), (201, Some("pending")), "{a}");
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "P1D"})).await;
    // Tokens live an hour of sandbox time.
    let g = graph_as(&s, &sb, &contoso, "admin@contosojp.onmicrosoft.com").await;
    let (_, list, _) = g
        .call(Method::GET, &format!("{rels}/{id}/accessAssignments"), None, None)
        .await;
    assert_eq!(list["value"][0]["status"], "pending", "stuck: {list}");
    let refused = device_token(&s, &sb, &cid, "agent@contosojp.onmicrosoft.com")
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("AADSTS50020"), "{refused}");

    // Global Administrator leaves an active relationship by a long-running operation (202).
    let (_, ga, _) = g
        .call(
            Method::POST,
            rels,
            None,
            Some(
                json!({"displayName": "With GA", "duration": "P30D", "customer": {"tenantId": cid},
                "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "62e90394-69f5-4237-9190-012177145e10"},
                    {"roleDefinitionId": USER_ADMIN}]}}),
            ),
        )
        .await;
    let ga_id = ga["id"].as_str().unwrap().to_owned();
    g.call(
        Method::POST,
        &format!("{rels}/{ga_id}/requests"),
        None,
        Some(json!({"action": "lockForApproval"})),
    )
    .await;
    let (st, _) = post(
        &s,
        "/sandbox/v1/sandboxes/default/actions/approve-gdap-relationship",
        json!({"as": admin, "relationshipId": ga_id}),
    )
    .await;
    assert_eq!(st, StatusCode::OK);
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "PT11M"})).await;
    let (_, ga, _) = g.call(Method::GET, &format!("{rels}/{ga_id}"), None, None).await;
    assert_eq!(ga["status"], "active", "{ga}");
    let (st, e, _) = g
        .call(
            Method::PATCH,
            &format!("{rels}/{ga_id}"),
            ga["@odata.etag"].as_str(),
            Some(json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}, {"roleDefinitionId": EXCHANGE}]}})),
        )
        .await;
    assert_eq!(
        st, 400,
        "roles are fixed once active but for removing Global Administrator: {e}"
    );
    let (st, _, headers) = g
        .call(
            Method::PATCH,
            &format!("{rels}/{ga_id}"),
            ga["@odata.etag"].as_str(),
            Some(json!({"accessDetails": {"unifiedRoles": [{"roleDefinitionId": USER_ADMIN}]}})),
        )
        .await;
    assert_eq!(st, 202);
    let op = headers["location"].to_str().unwrap().to_owned();
    let op_path = &op[op.find("/tenantRelationships").unwrap()..];
    let (_, o, _) = g.call(Method::GET, op_path, None, None).await;
    assert_eq!(
        (o["status"].as_str(), o["operationType"].as_str()),
        (Some("notStarted"), Some("delegatedAdminRelationshipUpdate")),
        "the ten-minute delay: {o}"
    );
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "PT10M"})).await;
    let (_, o, _) = g.call(Method::GET, op_path, None, None).await;
    assert_eq!(o["status"], "succeeded", "{o}");
    let (_, ga, _) = g.call(Method::GET, &format!("{rels}/{ga_id}"), None, None).await;
    assert_eq!(
        ga["accessDetails"]["unifiedRoles"],
        json!([{"roleDefinitionId": USER_ADMIN}]),
        "{ga}"
    );

    // An injected 500 answers as Graph does, once.
    let (st, _) = post(
        &s,
        "/sandbox/v1/sandboxes/default/faults",
        json!({"path": "/v1.0/tenantRelationships/**", "status": 500, "times": 1}),
    )
    .await;
    assert_eq!(st, StatusCode::CREATED);
    let (st, e, _) = g.call(Method::GET, rels, None, None).await;
    assert_eq!((st, e["error"]["code"].as_str()), (500, Some("unexpectedError")), "{e}");
    let (st, _, _) = g.call(Method::GET, rels, None, None).await;
    assert_eq!(st, 200);

    // Termination takes the delay: terminationRequested, terminating, terminated.
    let (st, r, _) = g
        .call(
            Method::POST,
            &format!("{rels}/{id}/requests"),
            None,
            Some(json!({"action": "terminate"})),
        )
        .await;
    assert_eq!(st, 201, "{r}");
    assert_eq!(status_of(&g, &id).await, "terminationRequested");
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "PT6M"})).await;
    assert_eq!(status_of(&g, &id).await, "terminating");
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "PT5M"})).await;
    assert_eq!(status_of(&g, &id).await, "terminated");
    let (_, list, _) = g
        .call(Method::GET, &format!("{rels}/{id}/accessAssignments"), None, None)
        .await;
    assert_eq!(list["value"][0]["status"], "deleted", "{list}");
    // The customer stays a delegatedAdminCustomer while another relationship with it lives.
    let (_, customers, _) = g
        .call(Method::GET, "/tenantRelationships/delegatedAdminCustomers", None, None)
        .await;
    assert_eq!(customers["value"].as_array().unwrap().len(), 1, "{customers}");
    let (_, ga, _) = g.call(Method::GET, &format!("{rels}/{ga_id}"), None, None).await;
    g.call(
        Method::POST,
        &format!("{rels}/{ga_id}/requests"),
        None,
        Some(json!({"action": "terminate"})),
    )
    .await;
    post(&s, "/sandbox/v1/sandboxes/default/clock", json!({"advance": "PT10M"})).await;
    assert_eq!(status_of(&g, &ga_id).await, "terminated", "{ga}");
    let (_, customers, _) = g
        .call(Method::GET, "/tenantRelationships/delegatedAdminCustomers", None, None)
        .await;
    assert_eq!(customers["value"].as_array().unwrap().len(), 0, "{customers}");
}

#[tokio::test]
async fn hostile_graph_input_gets_graph_errors_and_changes_nothing() {
    let s = crate::support::server().await;
    let sb = create(&s, "default", "default").await;
    let contoso = sb["tenants"][0]["id"].as_str().unwrap().to_owned();
    let t = device_token(&s, &sb, &contoso, "admin@contosojp.onmicrosoft.com")
        .await
        .unwrap();
    let token = t["access_token"].as_str().unwrap().to_owned();
    let rels = format!("{}/v1.0/tenantRelationships/delegatedAdminRelationships", s.uri());
    let raw = |method: Method, url: String, body: &'static str| {
        let req = s
            .client()
            .request(method, url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body);
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            let v: Value = serde_json::from_str(&res.text().await.unwrap()).unwrap_or(Value::Null);
            (status, v)
        }
    };
    let cases: Vec<(Method, String, &'static str)> = vec![
        (Method::POST, rels.clone(), "not json"),
        (Method::POST, rels.clone(), "[1, 2]"),
        (Method::POST, rels.clone(), r#"{"displayName": 5, "duration": "P1D"}"#),
        (
            Method::POST,
            rels.clone(),
            r#"{"displayName": "a", "duration": "P1D", "accessDetails": {"unifiedRoles": "x"}}"#,
        ),
        (
            Method::POST,
            rels.clone(),
            r#"{"displayName": "a", "duration": "P1D", "accessDetails": {"unifiedRoles": [{}]}}"#,
        ),
        (
            Method::POST,
            rels.clone(),
            r#"{"displayName": "a", "duration": "P99999999999999999999D", "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1"}]}}"#,
        ),
        (
            Method::POST,
            rels.clone(),
            r#"{"displayName": "a", "duration": "P1D", "customer": {"tenantId": "nope"}, "accessDetails": {"unifiedRoles": [{"roleDefinitionId": "fe930be7-5e62-47db-91af-98c3a49a38b1"}]}}"#,
        ),
        (Method::GET, format!("{rels}?$filter=displayName gt 'a'"), ""),
        (Method::GET, format!("{rels}?$filter=表示名 eq 'a' and 状態 eq 'b'"), ""),
        (Method::GET, format!("{rels}?$filter=secret eq 'a'"), ""),
        (Method::GET, format!("{rels}?$filter=status eq active"), ""),
        (Method::GET, format!("{rels}?$top=301"), ""),
        (Method::GET, format!("{rels}?$top=-1"), ""),
        (Method::GET, format!("{rels}?$skiptoken=abc"), ""),
        (Method::GET, format!("{rels}?$orderby=status"), ""),
        (Method::GET, format!("{rels}?$count=maybe"), ""),
        (Method::GET, format!("{rels}/{}", "x".repeat(5000)), ""),
        (
            Method::POST,
            format!("{rels}/nope/requests"),
            r#"{"action": "lockForApproval"}"#,
        ),
        (Method::POST, format!("{rels}/nope/requests"), r#"{"action": 1}"#),
        (Method::PATCH, format!("{rels}/nope"), r#"{"displayName": "b"}"#),
        (Method::DELETE, format!("{rels}/nope"), ""),
        (Method::GET, format!("{rels}/nope/accessAssignments/also-nope"), ""),
        (Method::GET, format!("{rels}/nope/operations/also-nope"), ""),
        (
            Method::GET,
            format!(
                "{}/v1.0/tenantRelationships/delegatedAdminCustomers/nope/serviceManagementDetails",
                s.uri()
            ),
            "",
        ),
    ];
    for (method, url, body) in cases {
        let (st, e) = raw(method.clone(), url.clone(), body).await;
        assert!((400..500).contains(&st), "{method} {url} {body}: {st} {e}");
        assert!(
            e["error"]["code"].is_string() && e["error"]["message"].is_string(),
            "{method} {url}: {e}"
        );
    }
    // Quoted values may hold anything, " and " and non-ASCII text included.
    let (st, e) = raw(
        Method::GET,
        format!("{rels}?$filter=displayName eq '株式会社 and x' and status eq 'active'"),
        "",
    )
    .await;
    assert_eq!((st, e["value"].clone()), (200, json!([])), "{e}");
    // A body past 64 KiB is refused before it is read.
    let big = format!(r#"{{"displayName": "{}"}}"#, "x".repeat(70 * 1024));
    let res = s
        .client()
        .post(&rels)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    // Nothing was made.
    let (st, list) = raw(Method::GET, rels.clone(), "").await;
    assert_eq!(st, 200);
    assert_eq!(list["value"], json!([]), "{list}");
    // Without a token, or with a forged one: 401 InvalidAuthenticationToken.
    let res = s.client().get(&rels).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
    let forged = format!("{}x", &token[..token.len() - 1]);
    let res = s.client().get(&rels).bearer_auth(forged).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 401);
}

/// Gives `member` (a user of the partner whose admin is `partner_admin`) `roles` in the customer's
/// tenant through GDAP: a relationship the customer's admin approves, a security group holding the
/// member, an access assignment. Returns the relationship's id.
pub(crate) async fn grant(
    sb: &testkit::SandboxHandle,
    partner_admin: &str,
    customer: &str,
    customer_admin: &str,
    member: &str,
    roles: &[&str],
) -> String {
    let token = sb
        .user_token_for(partner_admin, testkit::Mfa::Yes, "https://graph.microsoft.com")
        .await
        .unwrap();
    let partner = sb.json()["tenants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            t["users"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["userPrincipalName"] == partner_admin)
        })
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rels = format!(
        "{}/v1.0/tenantRelationships/delegatedAdminRelationships",
        sb.authority()
    );
    let unified: Vec<Value> = roles.iter().map(|r| json!({"roleDefinitionId": r})).collect();
    let post = |url: String, body: Value| {
        let req = sb.client().post(url).bearer_auth(&token).json(&body);
        async move {
            let res = req.send().await.unwrap();
            let st = res.status().as_u16();
            (st, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let name = format!("GDAP {}", &customer[..8]);
    let (st, rel) = post(
        rels.clone(),
        json!({"displayName": name, "duration": "P730D", "customer": {"tenantId": customer},
            "accessDetails": {"unifiedRoles": unified}}),
    )
    .await;
    assert_eq!(st, 201, "{rel}");
    let id = rel["id"].as_str().unwrap().to_owned();
    let (st, _) = post(format!("{rels}/{id}/requests"), json!({"action": "lockForApproval"})).await;
    assert_eq!(st, 201);
    let (st, ok) = sb
        .act(
            "approve-gdap-relationship",
            json!({"as": customer_admin, "relationshipId": id}),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{ok}");
    let (st, group) = sb
        .control(
            Method::POST,
            &format!("/tenants/{partner}/groups"),
            Some(json!({"displayName": format!("{name} group"), "members": [member]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{group}");
    let (st, a) = post(
        format!("{rels}/{id}/accessAssignments"),
        json!({"accessContainer": {"accessContainerId": group["id"], "accessContainerType": "securityGroup"},
            "accessDetails": {"unifiedRoles": unified}}),
    )
    .await;
    assert_eq!(st, 201, "{a}");
    id
}
