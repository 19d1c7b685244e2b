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
    assert_eq!(subs["totalCount"], 1, "{subs}");
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
