//! New commerce end to end: an indirect provider reads the catalog, creates a customer for its
//! reseller, buys through a cart naming the reseller, and manages the subscription on the
//! sandbox clock; the reseller's lapsed MPA refuses the next order.

use reqwest::Method;
use serde_json::{json, Value};
use testkit::Mfa;

use crate::support::server;

const BASIC: &str = "CFQ7TTC0LH18:0001:CFQ7TTC0K971";

fn cart(reseller: &str, quantity: i64) -> Value {
    json!({"lineItems": [{"id": 0, "catalogItemId": BASIC, "quantity": quantity, "termDuration": "P1Y",
        "billingCycle": "monthly", "participants": [{"key": "transaction_reseller", "value": reseller}]}]})
}

#[tokio::test]
async fn a_provider_buys_for_a_resellers_customer_and_new_commerce_rules_hold_on_the_clock() {
    let s = server().await;
    let sb = s.scenario("reseller-active").await.unwrap();
    let mut token = sb
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let reseller = sb.partner("fabrikamjp.onmicrosoft.com").await.unwrap()["csp"]["partnerId"]
        .as_str()
        .unwrap()
        .to_owned();

    // The catalog, as documented.
    let (st, products) = sb
        .get_v1("/v1/products?country=JP&targetView=OnlineServices", &token)
        .await
        .unwrap();
    assert_eq!(st, 200, "{products}");
    assert!(products["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["id"] == "CFQ7TTC0LH18" && p["productType"]["id"] == "OnlineServicesNCE"));
    let (st, a) = sb
        .get_v1("/v1/products/CFQ7TTC0LH18/skus/0001/availabilities?country=JP", &token)
        .await
        .unwrap();
    assert_eq!(st, 200);
    assert_eq!(a["items"][0]["catalogItemId"], BASIC);
    assert_eq!(a["items"][0]["defaultCurrency"]["code"], "JPY");
    let (st, e) = sb
        .get_v1("/v1/products?country=JP&targetView=Nope", &token)
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (403, Some(400036)), "{e}");
    let (st, e) = sb.get_v1("/v1/products/NOPE?country=JP", &token).await.unwrap();
    assert_eq!((st, e["code"].as_u64()), (404, Some(400013)), "{e}");

    // A customer for the reseller, in Japan.
    let (st, customer) = sb
        .v1(
            Method::POST,
            "/v1/customers",
            &token,
            Some(json!({
                "companyProfile": {"domain": "wingtipjp"},
                "billingProfile": {"email": "it@wingtip.co.jp", "culture": "ja-JP", "language": "ja",
                    "companyName": "Wingtip Japan", "defaultAddress": {"firstName": "太郎", "lastName": "山田",
                    "addressLine1": "丸の内 1-1", "city": "千代田区", "state": "東京都", "postalCode": "100-0005", "country": "JP"}},
                "associatedPartnerId": reseller,
            })),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{customer}");
    let cid = customer["id"].as_str().unwrap().to_owned();
    let (st, cp) = sb
        .get_v1(
            &format!("/v1/customers/{cid}/products?targetView=OnlineServices"),
            &token,
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{cp}");
    assert!(cp["items"].as_array().unwrap().len() >= 5);

    // A cart line the catalog does not sell stays with its error; checkout refuses the cart.
    let (st, bad) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(json!({"LineItems": [{"CatalogItemId": "CFQ7TTC0LH18:0001:NOPE", "Quantity": 1, "TermDuration": "P1M"}]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{bad}");
    assert_eq!(bad["lineItems"][0]["error"]["errorCode"], "CatalogItemIdIsNotValid");
    let (st, e) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts/{}/checkout", bad["id"].as_str().unwrap()),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (400, Some(800009)), "{e}");

    // The purchase, with the reseller of record.
    let (st, c) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(cart(&reseller, 10)),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{c}");
    assert_eq!(c["status"], "Active");
    assert_eq!(c["lineItems"][0]["currencyCode"], "JPY");
    assert_eq!(c["lineItems"][0]["pricing"]["extendedPrice"], 8990.0);
    let cart_id = c["id"].as_str().unwrap().to_owned();
    let (st, done) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts/{cart_id}/checkout"),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{done}");
    let order = &done["orders"][0];
    assert_eq!(order["status"], "completed");
    assert_eq!(order["lineItems"][0]["partnerIdOnRecord"], reseller.as_str());
    let sub_id = order["lineItems"][0]["subscriptionId"].as_str().unwrap().to_owned();
    let order_id = order["id"].as_str().unwrap().to_owned();
    assert_eq!(order_id.len(), 12);
    let (st, again) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts/{cart_id}/checkout"),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!((st, again["code"].as_u64()), (400, Some(800065)), "{again}");
    let (st, orders) = sb.get_v1(&format!("/v1/customers/{cid}/orders"), &token).await.unwrap();
    assert_eq!((st, orders["totalCount"].as_u64()), (200, Some(1)), "{orders}");
    let (st, sub) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscriptions/{sub_id}"), &token)
        .await
        .unwrap();
    assert_eq!(st, 200, "{sub}");
    assert_eq!(sub["status"], "active");
    assert_eq!(sub["partnerId"], reseller.as_str());
    assert_eq!(sub["quantity"], 10);
    assert_eq!(sub["refundableQuantity"]["totalQuantity"], 10);
    let (_, by_reseller) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscriptions?mpn_id={reseller}"), &token)
        .await
        .unwrap();
    assert_eq!(by_reseller["totalCount"], 1);

    // Within 168 hours seats may go; after, not, and the purchase is not cancelled either.
    let patch = |token: String, body: Value| {
        let sb = &sb;
        let path = format!("/v1/customers/{cid}/subscriptions/{sub_id}");
        async move { sb.v1(Method::PATCH, &path, &token, Some(body)).await.unwrap() }
    };
    let (st, p) = patch(token.clone(), json!({"quantity": 8})).await;
    assert_eq!((st, p["quantity"].as_i64()), (200, Some(8)), "{p}");
    sb.advance("PT169H").await.unwrap();
    // Tokens live an hour of sandbox time: a new one after the clock moved.
    token = sb
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let (st, e) = patch(token.clone(), json!({"quantity": 7})).await;
    assert_eq!((st, e["code"].as_u64()), (400, Some(900214)), "{e}");
    let (st, e) = patch(token.clone(), json!({"status": "deleted"})).await;
    assert_eq!((st, e["code"].as_u64()), (400, Some(900213)), "{e}");
    let (st, p) = patch(token.clone(), json!({"quantity": 12})).await;
    assert_eq!(
        (st, p["refundableQuantity"]["totalQuantity"].as_i64()),
        (200, Some(4)),
        "{p}"
    );
    let (st, p) = patch(token.clone(), json!({"status": "suspended"})).await;
    assert_eq!((st, p["status"].as_str()), (200, Some("suspended")));
    let (st, e) = patch(token.clone(), json!({"quantity": 11})).await;
    assert_eq!((st, e["code"].as_u64()), (400, Some(2001)), "{e}");
    let (st, _) = patch(token.clone(), json!({"status": "active"})).await;
    assert_eq!(st, 200);

    // The term ends and renews on the sandbox clock, with a new refund window.
    sb.advance("P358D").await.unwrap();
    token = sb
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let (_, renewed) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscriptions/{sub_id}"), &token)
        .await
        .unwrap();
    assert_eq!(renewed["status"], "active", "{renewed}");
    assert_ne!(renewed["effectiveStartDate"], sub["effectiveStartDate"]);
    assert_eq!(renewed["refundableQuantity"]["totalQuantity"], 12, "{renewed}");

    // The reseller's MPA lapses: the next order naming it is refused (900123).
    let (st, lapsed) = sb
        .act(
            "lapse-agreement",
            json!({"tenant": "fabrikamjp.onmicrosoft.com", "agreementType": "MicrosoftPartnerAgreement"}),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{lapsed}");
    let (_, c2) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(cart(&reseller, 1)),
        )
        .await
        .unwrap();
    let (st, e) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts/{}/checkout", c2["id"].as_str().unwrap()),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (403, Some(900123)), "{e}");
    assert_eq!(
        e["description"],
        "Microsoft Partner Agreement has not been accepted by the indirect reseller"
    );
    // The provider's own MPA lapses: even an order without a reseller is refused (900124) until
    // its Global admin accepts the MPA again.
    let (st, _) = sb
        .act(
            "lapse-agreement",
            json!({"tenant": "contosojp.onmicrosoft.com", "agreementType": "MicrosoftPartnerAgreement"}),
        )
        .await
        .unwrap();
    assert_eq!(st, 200);
    let direct = json!({"lineItems": [{"id": 0, "catalogItemId": BASIC,
        "quantity": 1, "termDuration": "P1Y", "billingCycle": "monthly"}]});
    let (_, c4) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(direct),
        )
        .await
        .unwrap();
    let checkout4 = format!("/v1/customers/{cid}/carts/{}/checkout", c4["id"].as_str().unwrap());
    let (st, e) = sb.v1(Method::POST, &checkout4, &token, None).await.unwrap();
    assert_eq!((st, e["code"].as_u64()), (403, Some(900124)), "{e}");
    assert!(
        e["description"]
            .as_str()
            .unwrap()
            .starts_with("Your company has not accepted the Microsoft Partner Agreement (MPA)."),
        "{e}"
    );
    let (st, accepted) = sb
        .act(
            "accept-agreement",
            json!({"as": "admin@contosojp.onmicrosoft.com", "agreementType": "MicrosoftPartnerAgreement"}),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{accepted}");
    let (st, order) = sb.v1(Method::POST, &checkout4, &token, None).await.unwrap();
    assert_eq!(st, 201, "{order}");
    // An unknown reseller: 800015; nothing was bought by the refused checkouts.
    let (_, c3) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(cart("9999999", 1)),
        )
        .await
        .unwrap();
    let (st, e) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts/{}/checkout", c3["id"].as_str().unwrap()),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (404, Some(800015)), "{e}");
    let (_, subs) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscriptions"), &token)
        .await
        .unwrap();
    assert_eq!(subs["totalCount"], 2, "{subs}");
    // The reseller sees its customer but does not buy for it.
    let fabrikam = sb
        .user_token("admin@fabrikamjp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let (st, e) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &fabrikam,
            Some(cart(&reseller, 1)),
        )
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (403, Some(20002)), "{e}");
}

async fn token_at(sb: &testkit::SandboxHandle, tenant: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let res = sb
        .client()
        .post(format!("{}/{tenant}/oauth2/v2.0/token", sb.authority()))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The payload of a JWT, unverified (the tests verify signatures elsewhere).
pub(crate) fn claims(token: &str) -> Value {
    use base64::Engine;
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap()
}

/// A US customer the partner creates (`POST /v1/customers`), as created (201).
async fn us_customer(sb: &testkit::SandboxHandle, token: &str, domain: &str, company: &str, email: &str) -> Value {
    let (st, customer) = sb
        .v1(
            Method::POST,
            "/v1/customers",
            token,
            Some(json!({
                "companyProfile": {"domain": domain},
                "billingProfile": {"email": email, "culture": "en-US", "language": "en",
                    "companyName": company, "defaultAddress": {"firstName": "Ana", "lastName": "Bowman",
                    "addressLine1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}},
            })),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{customer}");
    customer
}

#[tokio::test]
async fn customer_users_get_licences_of_bought_seats_sign_in_and_a_consented_app_calls_app_only() {
    let s = server().await;
    let sb = s.scenario("default").await.unwrap();
    let token = sb
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let customer = us_customer(&sb, &token, "tailspinus", "Tailspin Toys", "it@tailspin.example").await;
    let cid = customer["id"].as_str().unwrap().to_owned();
    let domain = customer["companyProfile"]["domain"].as_str().unwrap().to_owned();
    // The customer is an Entra tenant: its admin signs in with the password shown once.
    let public = crate::gdap::public_client(sb.json());
    let admin = customer["userCredentials"]["password"].as_str().unwrap().to_owned();
    let (st, t) = token_at(
        &sb,
        &cid,
        &[
            ("grant_type", "password"),
            ("client_id", &public),
            ("username", &format!("admin@{domain}")),
            ("password", &admin),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await;
    assert_eq!(st, 200, "{t}");
    assert_eq!(claims(t["access_token"].as_str().unwrap())["tid"], cid.as_str());

    // Two seats of Business Basic.
    let (_, c) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(json!({"lineItems": [{"catalogItemId": BASIC, "quantity": 2, "termDuration": "P1M", "billingCycle": "monthly"}]})),
        )
        .await
        .unwrap();
    let (st, done) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts/{}/checkout", c["id"].as_str().unwrap()),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{done}");
    assert_eq!(done["orders"][0]["currencyCode"], "USD");

    // Three users; two get the licence, the third finds no seat left.
    let mut ids = Vec::new();
    for name in ["ana", "ben", "cy"] {
        let (st, u) = sb
            .v1(
                Method::POST,
                &format!("/v1/customers/{cid}/users"),
                &token,
                Some(json!({"userPrincipalName": format!("{name}@{domain}"), "displayName": name, "firstName": name,
                            "lastName": "Tailspin", "usageLocation": "US", "passwordProfile": {"password": "Tailspin-Pass-1", "forceChangePassword": false}})),
            )
            .await
            .unwrap();
        assert_eq!(st, 200, "{u}");
        assert_eq!(u["attributes"]["objectType"], "CustomerUser");
        ids.push(u["id"].as_str().unwrap().to_owned());
    }
    let (st, dup) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/users"),
            &token,
            Some(json!({"userPrincipalName": format!("ana@{domain}"), "displayName": "Ana", "usageLocation": "US"})),
        )
        .await
        .unwrap();
    assert_eq!(st, 409, "{dup}");
    let (_, skus) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscribedskus"), &token)
        .await
        .unwrap();
    let sku = skus["items"][0]["productSku"]["id"].as_str().unwrap().to_owned();
    assert_eq!(skus["items"][0]["availableUnits"], 2, "{skus}");
    let assign = json!({"licensesToAssign": [{"excludedPlans": null, "skuId": sku}], "licensesToRemove": null});
    for id in &ids[..2] {
        let (st, r) = sb
            .v1(
                Method::POST,
                &format!("/v1/customers/{cid}/users/{id}/licenseupdates"),
                &token,
                Some(assign.clone()),
            )
            .await
            .unwrap();
        assert_eq!(st, 201, "{r}");
    }
    let (st, e) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/users/{}/licenseupdates", ids[2]),
            &token,
            Some(assign.clone()),
        )
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (400, Some(60012)), "{e}");
    let (_, skus) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscribedskus"), &token)
        .await
        .unwrap();
    assert_eq!(
        (
            skus["items"][0]["consumedUnits"].as_i64(),
            skus["items"][0]["availableUnits"].as_i64()
        ),
        (Some(2), Some(0)),
        "{skus}"
    );
    let (_, lic) = sb
        .get_v1(&format!("/v1/customers/{cid}/users/{}/licenses", ids[0]), &token)
        .await
        .unwrap();
    assert_eq!(
        lic["items"][0]["productSku"]["skuPartNumber"],
        "O365_BUSINESS_ESSENTIALS"
    );
    // Deleting a licensed user frees its seat.
    let (st, _) = sb
        .v1(
            Method::DELETE,
            &format!("/v1/customers/{cid}/users/{}", ids[1]),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 204);
    let (st, r) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/users/{}/licenseupdates", ids[2]),
            &token,
            Some(assign),
        )
        .await
        .unwrap();
    assert_eq!(st, 201, "{r}");

    // An upgrade the SKU allows: one seat (and one user's licence) to Business Standard.
    let (_, subs) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscriptions"), &token)
        .await
        .unwrap();
    let sub_id = subs["items"][0]["id"].as_str().unwrap().to_owned();
    let (st, el) = sb
        .get_v1(
            &format!("/v1/customers/{cid}/subscriptions/{sub_id}/transitionEligibilities?eligibilityType=immediate"),
            &token,
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{el}");
    let standard = el["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["catalogItemId"].as_str().unwrap().starts_with("CFQ7TTC0LDPB:"))
        .unwrap_or_else(|| panic!("{el}"))["catalogItemId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(el["items"][0]["eligibilities"][0]["isEligible"], true);
    let (st, e) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/subscriptions/{sub_id}/transitions"),
            &token,
            Some(json!({"toCatalogItemId": BASIC, "quantity": 1, "transitionType": "transition_only"})),
        )
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (400, Some(800002)), "not an upgrade: {e}");
    let (st, t) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/subscriptions/{sub_id}/transitions"),
            &token,
            Some(
                json!({"fromSubscriptionId": sub_id, "toCatalogItemId": standard, "quantity": 1,
                        "transitionType": "transition_with_license_transfer"}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(st, 200, "{t}");
    assert_eq!(t["events"][0]["name"], "Conversion");
    let (_, skus) = sb
        .get_v1(&format!("/v1/customers/{cid}/subscribedskus"), &token)
        .await
        .unwrap();
    let units: Vec<(String, i64, i64)> = skus["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["productSku"]["skuPartNumber"].as_str().unwrap().to_owned(),
                s["activeUnits"].as_i64().unwrap(),
                s["consumedUnits"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(units.contains(&("O365_BUSINESS_ESSENTIALS".into(), 1, 1)), "{units:?}");
    assert!(units.contains(&("O365_BUSINESS_PREMIUM".into(), 1, 1)), "{units:?}");

    // The CPV app in the customer's tenant: refused before consent, app-only after, for the
    // resources granted only.
    let cpv = sb.json()["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["publicClient"] == false)
        .unwrap()
        .clone();
    let (app, secret) = (cpv["clientId"].as_str().unwrap(), cpv["clientSecret"].as_str().unwrap());
    let graph = [
        ("grant_type", "client_credentials"),
        ("client_id", app),
        ("client_secret", secret),
        ("scope", "https://graph.microsoft.com/.default"),
    ];
    let (st, e) = token_at(&sb, &cid, &graph).await;
    assert_eq!((st, e["error"].as_str()), (401, Some("invalid_client")), "{e}");
    assert!(
        e["error_description"].as_str().unwrap().starts_with("AADSTS7000229"),
        "{e}"
    );
    let consent_body = json!({"applicationId": app, "applicationGrants": [
        {"enterpriseApplicationId": "00000003-0000-0000-c000-000000000000", "scope": "Directory.Read.All,User.Read.All"}]});
    let consents = format!("/v1/customers/{cid}/applicationconsents");
    // Under GDAP, consenting needs Cloud Application Administrator (or Application Administrator,
    // or Global Administrator) in the customer's tenant: the default relationship has none of them.
    let (st, e) = sb
        .v1(Method::POST, &consents, &token, Some(consent_body.clone()))
        .await
        .unwrap();
    assert_eq!((st, e["code"].as_u64()), (403, Some(900150)), "{e}");
    crate::gdap::grant(
        &sb,
        "admin@contosojp.onmicrosoft.com",
        &cid,
        &format!("admin@{domain}"),
        "admin@contosojp.onmicrosoft.com",
        &["158c047a-c907-4556-b7ef-446551a6b5f7"],
    )
    .await;
    let (st, consent) = sb
        .v1(Method::POST, &consents, &token, Some(consent_body))
        .await
        .unwrap();
    assert_eq!(st, 201, "{consent}");
    let (st, t) = token_at(&sb, &cid, &graph).await;
    assert_eq!(st, 200, "{t}");
    let c = claims(t["access_token"].as_str().unwrap());
    assert_eq!(
        (c["tid"].as_str(), c["idtyp"].as_str()),
        (Some(cid.as_str()), Some("app")),
        "{c}"
    );
    let pc = [
        ("grant_type", "client_credentials"),
        ("client_id", app),
        ("client_secret", secret),
        ("scope", "https://api.partnercenter.microsoft.com/.default"),
    ];
    let (st, e) = token_at(&sb, &cid, &pc).await;
    assert_eq!((st, e["error_codes"][0].as_u64()), (400, Some(65001)), "{e}");
    // Its home tenant needs no consent.
    let home = sb.json()["tenants"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(token_at(&sb, &home, &pc).await.0, 200);
    let (st, _) = sb
        .v1(
            Method::DELETE,
            &format!("/v1/customers/{cid}/applicationconsents/{app}"),
            &token,
            None,
        )
        .await
        .unwrap();
    assert_eq!(st, 204);
    assert_eq!(token_at(&sb, &cid, &graph).await.0, 401);
}

/// A local webhook receiver: it records each POST (headers and body) and answers `status`.
pub(crate) async fn receiver(
    status: u16,
) -> (
    String,
    tokio::sync::mpsc::UnboundedReceiver<(reqwest::header::HeaderMap, Vec<u8>)>,
) {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                // Read the head, then the body by Content-Length.
                let (head_end, len) = loop {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..i]).to_string();
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        break (i + 4, len);
                    }
                };
                while buf.len() < head_end + len {
                    let n = sock.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                let mut headers = reqwest::header::HeaderMap::new();
                for line in head.lines().skip(1) {
                    if let Some((k, v)) = line.split_once(':') {
                        if let (Ok(k), Ok(v)) = (
                            reqwest::header::HeaderName::from_bytes(k.trim().as_bytes()),
                            reqwest::header::HeaderValue::from_str(v.trim()),
                        ) {
                            headers.append(k, v);
                        }
                    }
                }
                let _ = tx.send((headers, buf[head_end..].to_vec()));
                let reply = format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
                let _ = sock.write_all(reply.as_bytes()).await;
            });
        }
    });
    (format!("http://{addr}/callback"), rx)
}

pub(crate) async fn next_event(
    rx: &mut tokio::sync::mpsc::UnboundedReceiver<(reqwest::header::HeaderMap, Vec<u8>)>,
) -> (reqwest::header::HeaderMap, Value, Vec<u8>) {
    let (h, body) = tokio::time::timeout(std::time::Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .unwrap();
    (h, serde_json::from_slice(&body).unwrap(), body)
}

#[tokio::test]
async fn webhook_events_reach_the_registered_url_signed_and_retried() {
    let s = server().await;
    let sb = s.scenario("default").await.unwrap();
    let token = sb
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let (url, mut rx) = receiver(200).await;
    let (st, events) = sb.get_v1("/webhooks/v1/registration/events", &token).await.unwrap();
    assert_eq!(st, 200);
    assert!(events.as_array().unwrap().iter().any(|e| e == "subscription-updated"));
    let reg = json!({"WebhookUrl": url, "WebhookEvents": ["test-created", "customer-created",
        "reseller-relationship-accepted-by-customer", "subscription-updated"]});
    let (st, r) = sb
        .v1(Method::POST, "/webhooks/v1/registration", &token, Some(reg.clone()))
        .await
        .unwrap();
    assert_eq!(st, 200, "{r}");
    assert!(r["SubscriberId"].is_string());
    let (st, _) = sb
        .v1(Method::POST, "/webhooks/v1/registration", &token, Some(reg))
        .await
        .unwrap();
    assert_eq!(st, 409);

    // The test event, signed with the sandbox's key as the JWKS publishes it.
    let (st, t) = sb
        .v1(Method::POST, "/webhooks/v1/registration/validationEvents", &token, None)
        .await
        .unwrap();
    assert_eq!(st, 200, "{t}");
    let correlation = t["correlationId"].as_str().unwrap().to_owned();
    let (h, body, raw_body) = next_event(&mut rx).await;
    assert_eq!(body["EventName"], "test-created");
    assert!(body["ResourceUri"].as_str().unwrap().ends_with(&correlation));
    assert_eq!(h["x-ms-signature-algorithm"], "rsa-sha256");
    let sig = h["authorization"]
        .to_str()
        .unwrap()
        .strip_prefix("Signature ")
        .unwrap()
        .to_owned();
    let jwks: Value = sb
        .client()
        .get(h["x-ms-certificate-url"].to_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kid = h["x-ms-signature-kid"].to_str().unwrap();
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .unwrap();
    let key =
        jsonwebtoken::DecodingKey::from_rsa_components(jwk["n"].as_str().unwrap(), jwk["e"].as_str().unwrap()).unwrap();
    use base64::Engine;
    let raw = base64::engine::general_purpose::STANDARD.decode(&sig).unwrap();
    let sig_url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    assert!(
        jsonwebtoken::crypto::verify(&sig_url, &raw_body, &key, jsonwebtoken::Algorithm::RS256).unwrap(),
        "the signature verifies against the JWKS key"
    );
    let mut status = Value::Null;
    for _ in 0..50 {
        status = sb
            .get_v1(
                &format!("/webhooks/v1/registration/validationEvents/{correlation}"),
                &token,
            )
            .await
            .unwrap()
            .1;
        if status["status"] == "completed" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(status["status"], "completed", "{status}");
    assert_eq!(status["results"][0]["responseCode"], "OK");

    // A customer and a purchase raise their events.
    let (_, customer) = sb
        .v1(
            Method::POST,
            "/v1/customers",
            &token,
            Some(json!({
                "companyProfile": {"domain": "hookcustomer"},
                "billingProfile": {"email": "it@hook.example", "culture": "en-US", "language": "en",
                    "companyName": "Hook Co", "defaultAddress": {"firstName": "A", "lastName": "B",
                    "addressLine1": "1 Microsoft Way", "city": "Redmond", "state": "WA", "postalCode": "98052", "country": "US"}},
            })),
        )
        .await
        .unwrap();
    let cid = customer["id"].as_str().unwrap().to_owned();
    let mut names = Vec::new();
    for _ in 0..2 {
        let (_, body, _) = next_event(&mut rx).await;
        assert!(
            body["ResourceUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/v1/customers/{cid}")),
            "{body}"
        );
        names.push(body["EventName"].as_str().unwrap().to_owned());
    }
    names.sort();
    assert_eq!(
        names,
        ["customer-created", "reseller-relationship-accepted-by-customer"]
    );
    let (_, c) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(json!({"lineItems": [{"catalogItemId": BASIC, "quantity": 1, "termDuration": "P1M", "billingCycle": "monthly"}]})),
        )
        .await
        .unwrap();
    sb.v1(
        Method::POST,
        &format!("/v1/customers/{cid}/carts/{}/checkout", c["id"].as_str().unwrap()),
        &token,
        None,
    )
    .await
    .unwrap();
    let (_, body, _) = next_event(&mut rx).await;
    assert_eq!(
        (body["EventName"].as_str(), body["ResourceName"].as_str()),
        (Some("subscription-updated"), Some("subscription"))
    );

    // The console shows the customer's subscription and the deliveries.
    let name = sb.json()["name"].as_str().unwrap().to_owned();
    let page = s
        .client()
        .get(s.url(&format!("/console/sandboxes/{name}")))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Customers and subscriptions") && html.contains("Hook Co"),
        "{html}"
    );
    let page = s
        .client()
        .get(s.url(&format!("/console/sandboxes/{name}/webhooks")))
        .send()
        .await
        .unwrap();
    let html = page.text().await.unwrap();
    assert!(
        html.contains("test-created") && html.contains("subscription-updated"),
        "{html}"
    );

    // A receiver that fails gets the event again, each attempt in the control plane's journal.
    let (bad, mut bad_rx) = receiver(500).await;
    let (st, _) = sb
        .v1(
            Method::PUT,
            "/webhooks/v1/registration",
            &token,
            Some(json!({"WebhookUrl": bad, "WebhookEvents": ["test-created"]})),
        )
        .await
        .unwrap();
    assert_eq!(st, 200);
    sb.v1(Method::POST, "/webhooks/v1/registration/validationEvents", &token, None)
        .await
        .unwrap();
    for _ in 0..3 {
        let (_, body, _) = next_event(&mut bad_rx).await;
        assert_eq!(body["EventName"], "test-created");
    }
    // The third attempt is recorded once its answer is in: wait for it.
    let mut journal = Value::Null;
    for _ in 0..100 {
        journal = sb.control(Method::GET, "/webhook-deliveries", None).await.unwrap().1;
        if journal["items"][0]["attempts"].as_array().map_or(0, Vec::len) >= 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let newest = &journal["items"][0];
    assert_eq!(newest["status"], "pending", "{newest}");
    assert!(newest["attempts"].as_array().unwrap().len() >= 3, "{newest}");
    assert_eq!(newest["attempts"][0]["status"], 500);
    let (st, _) = sb
        .v1(Method::DELETE, "/webhooks/v1/registration", &token, None)
        .await
        .unwrap();
    assert_eq!(st, 204);
}

#[tokio::test]
async fn a_scenario_adds_products_its_sandbox_alone_sells() {
    let s = server().await;
    let sb = s
        .sandbox(json!({"name": "widgets", "scenario": {"extends": "default", "catalog": [{
            "id": "SBXWIDGET01", "title": "Contoso Widget Suite", "description": "A product of this scenario.",
            "skus": [{"id": "0001", "title": "Widget Suite Standard", "maxQuantity": 5,
                      "prices": [{"country": "JP", "currency": "JPY", "symbol": "¥", "monthlyP1m": 500, "monthlyP1y": 400}]}]
        }]}}))
        .await
        .unwrap();
    let token = sb
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let (_, products) = sb
        .get_v1("/v1/products?country=JP&targetView=OnlineServices", &token)
        .await
        .unwrap();
    assert!(
        products["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == "SBXWIDGET01"),
        "{products}"
    );
    let (_, a) = sb
        .get_v1("/v1/products/SBXWIDGET01/skus/0001/availabilities?country=JP", &token)
        .await
        .unwrap();
    let item = a["items"][0]["catalogItemId"].as_str().unwrap().to_owned();
    assert_eq!(item, "SBXWIDGET01:0001:SBXWIDGET010001");
    // Not sold in the US, and not in another sandbox.
    let (_, us) = sb
        .get_v1("/v1/products?country=US&targetView=OnlineServices", &token)
        .await
        .unwrap();
    assert!(!us["items"].as_array().unwrap().iter().any(|p| p["id"] == "SBXWIDGET01"));
    let other = s.scenario("default").await.unwrap();
    let other_token = other
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let (st, _) = other
        .get_v1("/v1/products/SBXWIDGET01?country=JP", &other_token)
        .await
        .unwrap();
    assert_eq!(st, 404);
    // Bought like any product, within its maximum.
    let (_, customer) = sb
        .v1(
            Method::POST,
            "/v1/customers",
            &token,
            Some(json!({
                "companyProfile": {"domain": "widgetbuyer"},
                "billingProfile": {"email": "it@widget.example", "culture": "ja-JP", "language": "ja",
                    "companyName": "Widget Buyer", "defaultAddress": {"firstName": "A", "lastName": "B",
                    "addressLine1": "丸の内 1-1", "city": "千代田区", "state": "東京都", "postalCode": "100-0005", "country": "JP"}},
            })),
        )
        .await
        .unwrap();
    let cid = customer["id"].as_str().unwrap().to_owned();
    let (_, c) = sb
        .v1(
            Method::POST,
            &format!("/v1/customers/{cid}/carts"),
            &token,
            Some(json!({"lineItems": [
                {"id": 0, "catalogItemId": item, "quantity": 6, "termDuration": "P1Y", "billingCycle": "monthly"},
                {"id": 1, "catalogItemId": item, "quantity": 5, "termDuration": "P1Y", "billingCycle": "monthly"}]})),
        )
        .await
        .unwrap();
    assert_eq!(
        c["lineItems"][0]["error"]["errorCode"], "MaxAllowedSeatsPerSubscriptionExceeded",
        "{c}"
    );
    assert!(c["lineItems"][1].get("error").is_none(), "{c}");
    assert_eq!(c["lineItems"][1]["pricing"]["extendedPrice"], 2000.0);
    // A bad product in a scenario is refused with its field.
    let (st, e) = crate::support::post(
        &s,
        "/sandbox/v1/sandboxes",
        json!({"scenario": {"catalog": [{"id": "bad id", "title": "x", "skus": []}]}}),
    )
    .await;
    assert_eq!(st.as_u16(), 400, "{e}");
    assert_eq!(e["field"], "scenario.catalog[0].id", "{e}");
}

/// Two role assignments for one user racing: each decides on the user's roles inside its own
/// write, so both roles stay (read before the write, the second save overwrote the first).
#[tokio::test]
async fn racing_role_assignments_for_one_user_both_hold() {
    let s = server().await;
    let sb = s.scenario("default").await.unwrap();
    let token = sb
        .user_token("admin@contosojp.onmicrosoft.com", Mfa::Yes)
        .await
        .unwrap();
    let customer = us_customer(&sb, &token, "racingus", "Racing", "it@racing.example").await;
    let cid = customer["id"].as_str().unwrap().to_owned();
    let domain = customer["companyProfile"]["domain"].as_str().unwrap().to_owned();
    let roles = [
        "729827e3-9c14-49f7-bb1b-9608f156bbb8",
        "fe930be7-5e62-47db-91af-98c3a49a38b1",
    ];
    for i in 0..8 {
        let (st, u) = sb
            .v1(
                Method::POST,
                &format!("/v1/customers/{cid}/users"),
                &token,
                Some(json!({"userPrincipalName": format!("racer{i}@{domain}"), "displayName": "Racer", "usageLocation": "US"})),
            )
            .await
            .unwrap();
        assert_eq!(st, 200, "{u}");
        let uid = u["id"].as_str().unwrap().to_owned();
        let assign = |role: &'static str| {
            let (sb, token, cid, uid) = (&sb, &token, &cid, &uid);
            async move {
                sb.v1(
                    Method::POST,
                    &format!("/v1/customers/{cid}/directoryroles/{role}/usermembers"),
                    token,
                    Some(json!({"Id": uid})),
                )
                .await
                .unwrap()
                .0
            }
        };
        let (a, b) = tokio::join!(assign(roles[0]), assign(roles[1]));
        assert_eq!((a, b), (201, 201));
        let (st, held) = sb
            .get_v1(&format!("/v1/customers/{cid}/users/{uid}/directoryroles"), &token)
            .await
            .unwrap();
        assert_eq!(st, 200, "{held}");
        assert_eq!(held["totalCount"], 2, "round {i}: a racing assignment was lost: {held}");
    }
}
