//! New-commerce routes of `/v1`: the catalog (products, SKUs, availabilities, also as a
//! customer sees them), carts and checkout, orders, subscriptions. Wire shapes of SDKDOC
//! `product-resources.md`, `cart-resources.md`, `order-resources.md` and
//! `subscription-resources.md` (their new-commerce examples).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use domain::catalog::{Catalog, Product, Sku};
use domain::commerce::{self, Cart, Order, Subscription};
use domain::fault::Fault;
use pcsandbox_core::partner_center::orders::{catalog_country, catalog_view};
use serde_json::{json, Value};

use super::collection::{link, whole};
use super::error::PcError;
use super::extract::{Caller, PcJson, PcQuery};
use super::json_response;
use crate::AppState;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn not_found(code: u32, what: &str) -> PcError {
    PcError::from(pcsandbox_core::CoreError::Fault(Fault::new(404, code, what.to_owned())))
}

fn product_out(p: &Product, country: &str) -> Value {
    json!({
        "id": p.id,
        "title": p.title,
        "description": p.description,
        "productType": {"id": p.product_type, "displayName": p.product_type},
        "isMicrosoftProduct": true,
        "publisherName": "Microsoft Corporation",
        "links": {
            "skus": link(&format!("/products/{}/skus?country={country}", p.id)),
            "self": link(&format!("/products/{}?country={country}", p.id)),
        },
    })
}

fn sku_out(p: &Product, s: &Sku, country: &str) -> Value {
    let cycles: Vec<&str> = if s.licensed {
        vec!["annual", "monthly"]
    } else {
        vec!["monthly"]
    };
    json!({
        "id": s.id,
        "productId": p.id,
        "title": s.title,
        "description": p.description,
        "minimumQuantity": s.min_quantity,
        "maximumQuantity": s.max_quantity,
        "isTrial": false,
        "supportedBillingCycles": cycles,
        "purchasePrerequisites": ["MicrosoftCloudAgreement"],
        "inventoryVariables": [],
        "provisioningVariables": [],
        "actions": ["Refund"],
        "dynamicAttributes": {
            "isMicrosoftProduct": true,
            "hasConstraints": true,
            "isAddon": false,
            "prerequisiteSkus": [],
            "isSoftwareAssuranceApplicable": false,
            "upgradeTargetOffers": s.upgrade_targets,
            "provisioningId": s.license_sku_id,
            "internal": false,
        },
        "links": {
            "availabilities": link(&format!("/products/{}/skus/{}/availabilities?country={country}", p.id, s.id)),
            "self": link(&format!("/products/{}/skus/{}?country={country}", p.id, s.id)),
        },
    })
}

fn availability_out(p: &Product, s: &Sku, country: &str) -> Option<Value> {
    let price = s.price(country)?;
    let terms: Vec<Value> = s
        .terms()
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "duration": t.duration,
                "description": t.description,
                "billingCycle": if t.billing_cycle == "annual" { "Annual" } else { "Monthly" },
                "cancellationPolicies": [{"refundOptions": [
                    {"sequenceId": 0, "type": "Full", "expiresAfter": "P7D"}
                ]}],
            })
        })
        .collect();
    let term_ids: Vec<&str> = s.terms().iter().map(|t| t.id).collect();
    Some(json!({
        "id": s.availability_id,
        "productId": p.id,
        "skuId": s.id,
        "catalogItemId": format!("{}:{}:{}", p.id, s.id, s.availability_id),
        "defaultCurrency": {"code": price.currency, "symbol": price.symbol},
        "segment": "commercial",
        "country": country,
        "isPurchasable": true,
        "isRenewable": s.licensed,
        "renewalInstructions": if s.licensed {
            json!([{"applicableTermIds": term_ids, "renewalOptions": [{"renewToId": format!("{}:{}", p.id, s.id), "isAutoRenewable": true}]}])
        } else {
            json!([])
        },
        "terms": terms,
        "product": product_out(p, country),
        "sku": sku_out(p, s, country),
        "links": {"self": link(&format!("/products/{}/skus/{}/availabilities/{}?country={country}", p.id, s.id, s.availability_id))},
    }))
}

fn find_product<'a>(cat: &'a Catalog, id: &str) -> Result<&'a Product, PcError> {
    cat.product(id)
        .ok_or_else(|| not_found(400013, "Product was not found."))
}

fn find_sku<'a>(p: &'a Product, id: &str) -> Result<&'a Sku, PcError> {
    p.sku(id).ok_or_else(|| not_found(400018, "Sku was not found."))
}

/// The products of a view that sell in a country (a price there).
fn listed<'a>(cat: &'a Catalog, view: &'a str, country: &'a str) -> impl Iterator<Item = &'a Product> + 'a {
    cat.products(view)
        .filter(move |p| p.skus.iter().any(|s| s.price(country).is_some()))
}

/// A view's products that sell in a country, as one collection.
fn products_answer(cat: &Catalog, view: &str, country: &str, self_link: &str) -> Response {
    let items: Vec<Value> = listed(cat, view, country).map(|p| product_out(p, country)).collect();
    json_response(&whole(items, self_link))
}

/// A product's SKUs in a country; `self_link` takes the product's id.
fn skus_answer(
    cat: &Catalog,
    id: &str,
    country: &str,
    self_link: impl Fn(&str) -> String,
) -> Result<Response, PcError> {
    let p = cat
        .product(id)
        .ok_or_else(|| not_found(400013, "The parent product was not found."))?;
    let items = p.skus.iter().map(|s| sku_out(p, s, country)).collect();
    Ok(json_response(&whole(items, &self_link(&p.id))))
}

/// A SKU's availabilities in a country; `self_link` takes the product's and the SKU's ids.
fn availabilities_answer(
    cat: &Catalog,
    (id, sku): (&str, &str),
    country: &str,
    self_link: impl Fn(&str, &str) -> String,
) -> Result<Response, PcError> {
    let p = find_product(cat, id)?;
    let s = find_sku(p, sku)?;
    let items = availability_out(p, s, country).into_iter().collect();
    Ok(json_response(&whole(items, &self_link(&p.id, &s.id))))
}

/// `GET /v1/products?country=&targetView=`.
pub async fn products(State(st): State<AppState>, Caller(who): Caller, q: PcQuery) -> Result<Response, PcError> {
    let country = catalog_country(q.get("country"))?;
    let view = catalog_view(q.get("targetView"))?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    Ok(products_answer(
        &cat,
        view,
        &country,
        &format!("/products?country={country}&targetView={view}"),
    ))
}

pub async fn product(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let country = catalog_country(q.get("country"))?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    Ok(json_response(&product_out(find_product(&cat, &id)?, &country)))
}

pub async fn skus(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let country = catalog_country(q.get("country"))?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    skus_answer(&cat, &id, &country, |p| format!("/products/{p}/skus?country={country}"))
}

pub async fn sku(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path((id, sku)): Path<(String, String)>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let country = catalog_country(q.get("country"))?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    let p = find_product(&cat, &id)?;
    Ok(json_response(&sku_out(p, find_sku(p, &sku)?, &country)))
}

pub async fn availabilities(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path((id, sku)): Path<(String, String)>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let country = catalog_country(q.get("country"))?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    availabilities_answer(&cat, (&id, &sku), &country, |p, s| {
        format!("/products/{p}/skus/{s}/availabilities?country={country}")
    })
}

fn availability_or_404(p: &Product, s: &Sku, id: &str, country: &str) -> Result<Value, PcError> {
    if !s.availability_id.eq_ignore_ascii_case(id.trim()) {
        return Err(not_found(400019, "Availability not found."));
    }
    availability_out(p, s, country).ok_or_else(|| not_found(400019, "Availability not found."))
}

pub async fn availability(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path((id, sku, availability)): Path<(String, String, String)>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let country = catalog_country(q.get("country"))?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    let p = find_product(&cat, &id)?;
    let s = find_sku(p, &sku)?;
    Ok(json_response(&availability_or_404(p, s, &availability, &country)?))
}

/// `GET /v1/customers/{id}/products?targetView=`: the catalog in the customer's country.
pub async fn customer_products(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let view = catalog_view(q.get("targetView"))?;
    let country = st.core.customer_catalog_country(&who, &customer).await?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    Ok(products_answer(
        &cat,
        view,
        &country,
        &format!("/customers/{customer}/products?targetView={view}"),
    ))
}

pub async fn customer_product(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let country = st.core.customer_catalog_country(&who, &customer).await?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    Ok(json_response(&product_out(find_product(&cat, &id)?, &country)))
}

pub async fn customer_skus(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let country = st.core.customer_catalog_country(&who, &customer).await?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    skus_answer(&cat, &id, &country, |p| {
        format!("/customers/{customer}/products/{p}/skus")
    })
}

pub async fn customer_availabilities(
    State(st): State<AppState>,
    Caller(who): Caller,
    Path((customer, id, sku)): Path<(String, String, String)>,
) -> Result<Response, PcError> {
    let country = st.core.customer_catalog_country(&who, &customer).await?;
    let cat = st.core.catalog_for(who.sandbox).await?;
    availabilities_answer(&cat, (&id, &sku), &country, |p, s| {
        format!("/customers/{customer}/products/{p}/skus/{s}/availabilities")
    })
}

fn cart_out(c: &Cart) -> Value {
    let lines: Vec<Value> = c
        .lines
        .iter()
        .map(|l| {
            let mut v = json!({
                "id": l.id,
                "catalogItemId": l.catalog_item_id,
                "quantity": l.quantity,
                "billingCycle": l.billing_cycle,
                "provisioningContext": {},
                "orderGroup": "0",
            });
            if let Some(n) = &l.friendly_name {
                v["friendlyName"] = json!(n);
            }
            if let Some(cur) = &l.currency_code {
                v["currencyCode"] = json!(cur);
            }
            if let Some(t) = &l.term_duration {
                v["termDuration"] = json!(t);
            }
            if !l.participants.is_empty() {
                v["participants"] = json!(l.participants);
            }
            if let Some(p) = l.unit_price {
                v["pricing"] = json!(commerce::Pricing::of(p, l.quantity));
            }
            if let Some(e) = &l.error {
                v["error"] = json!({"errorCode": e.error_code, "errorDescription": e.error_description});
            }
            v
        })
        .collect();
    json!({
        "id": c.id,
        "creationTimestamp": time(c.created_at),
        "lastModifiedTimestamp": time(c.modified_at),
        "expirationTimestamp": time(c.expires_at),
        "lastModifiedUser": c.modified_by,
        "status": match c.status { commerce::CartStatus::Active => "Active", commerce::CartStatus::Ordered => "Ordered" },
        "lineItems": lines,
        "links": {"self": link(&format!("/customers/{}/carts/{}", c.customer_id, c.id))},
        "attributes": {"objectType": "Cart"},
    })
}

/// An order; `placed`: as the checkout answers it (the lines link their product, SKU and
/// availability), else as a GET reads it (also the subscription and its provisioning status, as
/// the order-list example shows).
fn order_out(o: &Order, placed: bool) -> Value {
    let base = format!("/customers/{}/orders/{}", o.customer_id, o.id);
    let lines: Vec<Value> = o
        .lines
        .iter()
        .map(|l| {
            let mut parts = l.offer_id.split(':');
            let (p, s, a) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let mut v = json!({
                "lineItemNumber": l.line_item_number,
                "offerId": l.offer_id,
                "subscriptionId": l.subscription_id,
                "transactionType": "New",
                "friendlyName": l.friendly_name,
                "quantity": l.quantity,
                "pricing": l.pricing,
                "links": {
                    "product": link(&format!("/products/{p}")),
                    "sku": link(&format!("/products/{p}/skus/{s}")),
                    "availability": link(&format!("/products/{p}/skus/{s}/availabilities/{a}")),
                },
            });
            if let Some(t) = &l.term_duration {
                v["termDuration"] = json!(t);
            }
            if !placed {
                v["links"]["subscription"] = link(&format!(
                    "/customers/{}/subscriptions/{}",
                    o.customer_id, l.subscription_id
                ));
                v["links"]["provisioningStatus"] =
                    link(&format!("/subscriptions/{}/provisioningstatus", l.subscription_id));
            }
            if let Some(r) = &l.partner_id_on_record {
                v["partnerIdOnRecord"] = json!(r);
            }
            v
        })
        .collect();
    json!({
        "id": o.id,
        "alternateId": o.id,
        "referenceCustomerId": o.customer_id.to_string(),
        "billingCycle": o.billing_cycle,
        "currencyCode": o.currency_code,
        "currencySymbol": o.currency_symbol,
        "lineItems": lines,
        "creationDate": time(o.created_at),
        "status": o.status,
        "transactionType": "UserPurchase",
        "totalPrice": o.total_price,
        "links": {
            "self": link(&base),
            "provisioningStatus": link(&format!("{base}/provisioningstatus")),
            "patchOperation": {"uri": base, "method": "PATCH", "headers": []},
        },
        "client": {},
        "attributes": {"objectType": "Order"},
    })
}

fn subscription_out(s: &Subscription, now: DateTime<Utc>, cat: &Catalog) -> Value {
    let item = s.item(cat);
    let (product_type, licensed, title) = match &item {
        Some(i) => (i.product.product_type.as_str(), i.sku.licensed, i.sku.title.as_str()),
        None => ("OnlineServicesNCE", true, ""),
    };
    let base = format!("/customers/{}/subscriptions/{}", s.customer_id, s.id);
    let open: Vec<&commerce::Refundable> = s.refundable.iter().filter(|r| r.until > now).collect();
    let mut v = json!({
        "id": s.id,
        "offerId": s.offer_id,
        "offerName": title,
        "friendlyName": s.friendly_name,
        "productType": {"id": product_type, "displayName": product_type},
        "quantity": s.quantity,
        "unitType": if licensed { "Licenses" } else { "Usage-based" },
        "hasPurchasableAddons": false,
        "creationDate": time(s.created_at),
        "effectiveStartDate": time(s.term_start),
        "cancellationAllowedUntilDate": time(s.cancel_until),
        "status": s.status.as_str(),
        "autoRenewEnabled": s.auto_renew,
        "isTrial": false,
        "billingType": if licensed { "license" } else { "usage" },
        "billingCycle": s.billing_cycle,
        "isMicrosoftProduct": true,
        "publisherName": "Microsoft Corporation",
        "attentionNeeded": false,
        "actionTaken": false,
        "contractType": "subscription",
        "orderId": s.order_id,
        "refundOptions": if s.cancel_until > now && s.status != commerce::SubscriptionStatus::Deleted {
            json!([{"type": "Full", "expiresAt": time(s.cancel_until)}])
        } else {
            json!([])
        },
        "refundableQuantity": {
            "totalQuantity": open.iter().map(|r| r.quantity).sum::<i64>(),
            "details": open.iter().map(|r| json!({"quantity": r.quantity, "allowedUntilDateTime": time(r.until)})).collect::<Vec<_>>(),
        },
        "links": {"self": link(&base)},
        "attributes": {"etag": domain::etag::of(s), "objectType": "Subscription"},
    });
    if let Some(t) = &s.term_duration {
        v["termDuration"] = json!(t);
        v["renewalTermDuration"] = json!(t);
    }
    if let (Some(end), Some(end_time)) = (s.commitment_end(), s.commitment_end_time()) {
        v["commitmentEndDate"] = json!(format!("{end}T00:00:00Z"));
        v["commitmentEndDateTime"] = json!(end_time.to_rfc3339_opts(SecondsFormat::Secs, true));
        v["billingCycleEndDate"] = json!(format!("{end}T00:00:00Z"));
    }
    // The example shows an empty partnerId for a subscription without a reseller of record.
    v["partnerId"] = json!(s.partner_id.clone().unwrap_or_default());
    if let Some(i) = item {
        let (p, sk, a) = (&i.product.id, &i.sku.id, &i.sku.availability_id);
        v["links"]["product"] = link(&format!("/products/{p}"));
        v["links"]["sku"] = link(&format!("/products/{p}/skus/{sk}"));
        v["links"]["availability"] = link(&format!("/products/{p}/skus/{sk}/availabilities/{a}"));
    }
    v
}

/// `POST /v1/customers/{id}/carts`: 201 with the cart (a line the catalog refuses carries its
/// `error`).
pub async fn create_cart(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let cart = s.core.create_cart(&who, &customer, &body).await?;
    Ok((StatusCode::CREATED, json_response(&cart_out(&cart))).into_response())
}

pub async fn cart(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    Ok(json_response(&cart_out(&s.core.cart(&who, &customer, &id).await?)))
}

/// `PUT /v1/customers/{id}/carts/{cartId}` (SDKDOC `update-a-cart.md` answers 201).
pub async fn update_cart(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let cart = s.core.update_cart(&who, &customer, &id, &body).await?;
    Ok((StatusCode::CREATED, json_response(&cart_out(&cart))).into_response())
}

/// `POST .../carts/{cartId}/checkout`: 201 with `{orders, orderErrors}`.
pub async fn checkout(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let done = s.core.checkout(&who, &customer, &id).await?;
    let orders: Vec<Value> = done.orders.iter().map(|o| order_out(o, true)).collect();
    Ok((
        StatusCode::CREATED,
        json_response(
            &json!({"orders": orders, "orderErrors": [], "attributes": {"objectType": "CartCheckoutResult"}}),
        ),
    )
        .into_response())
}

pub async fn orders(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
) -> Result<Response, PcError> {
    let all = s.core.orders(&who, &customer).await?;
    let items = all.iter().map(|o| order_out(o, false)).collect();
    Ok(json_response(&whole(items, &format!("/customers/{customer}/orders"))))
}

pub async fn order(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    Ok(json_response(&order_out(
        &s.core.order(&who, &customer, &id).await?,
        false,
    )))
}

/// `GET .../orders/{id}/provisioningstatus`: the sandbox provisions at once.
pub async fn order_provisioning(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let o = s.core.order(&who, &customer, &id).await?;
    let items = o
        .lines
        .iter()
        .map(|l| {
            json!({
                "orderLineItemId": l.line_item_number,
                "lineItemNumber": l.line_item_number,
                "status": "fulfilled",
                "quantityProvisioningInformation": [{"quantity": l.quantity, "status": "fulfilled"}],
            })
        })
        .collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/orders/{id}/provisioningstatus"),
    )))
}

/// `GET /v1/customers/{id}/subscriptions[?order_id=][&mpn_id=]`.
pub async fn subscriptions(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let (all, now) = s.core.subscriptions(&who, &customer).await?;
    let cat = s.core.catalog_for(who.sandbox).await?;
    let order = q.get("order_id").map(str::trim).filter(|o| !o.is_empty());
    let mpn = q.get("mpn_id").map(str::trim).filter(|o| !o.is_empty());
    let items = all
        .iter()
        .filter(|x| order.is_none_or(|o| x.order_id == o))
        .filter(|x| mpn.is_none_or(|m| x.partner_id.as_deref() == Some(m)))
        .map(|x| subscription_out(x, now, &cat))
        .collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/subscriptions"),
    )))
}

pub async fn subscription(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
) -> Result<Response, PcError> {
    let (sub, now) = s.core.subscription(&who, &customer, &id).await?;
    let cat = s.core.catalog_for(who.sandbox).await?;
    Ok(json_response(&subscription_out(&sub, now, &cat)))
}

/// `PATCH /v1/customers/{id}/subscriptions/{subscriptionId}`.
pub async fn patch_subscription(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let change = commerce::read_change(&body).map_err(|f| PcError::from(pcsandbox_core::CoreError::Fault(f)))?;
    let (sub, now) = s.core.patch_subscription(&who, &customer, &id, change).await?;
    let cat = s.core.catalog_for(who.sandbox).await?;
    Ok(json_response(&subscription_out(&sub, now, &cat)))
}

/// `GET .../subscriptions/{id}/transitionEligibilities[?eligibilityType=immediate|scheduled]`.
pub async fn transition_eligibilities(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let scheduled = q
        .get("eligibilityType")
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("scheduled"));
    let (source, blocked, all) = s.core.transition_eligibilities(&who, &customer, &id).await?;
    let op = uuid::Uuid::new_v4().to_string();
    let errors =
        |why: Option<&str>| -> Vec<Value> { why.map(|d| json!({"code": 1, "description": d})).into_iter().collect() };
    let items = all
        .iter()
        .map(|e| {
            let subs: Vec<Value> = if scheduled {
                Vec::new()
            } else {
                e.existing
                    .iter()
                    .map(|x| {
                        let mut errs = Vec::new();
                        if x.term_duration.as_deref().map(months_of) < source.term_duration.as_deref().map(months_of) {
                            errs.push(json!({"code": 3, "description": "The subscription's term duration is shorter than the source subscription's term duration."}));
                        }
                        json!({
                            "isEligible": errs.is_empty(),
                            "subscriptionId": x.id,
                            "subscriptionFriendlyName": x.friendly_name,
                            "subscriptionTermDuration": x.term_duration,
                            "subscriptionBillingCycle": x.billing_cycle,
                            "errors": errs,
                        })
                    })
                    .collect()
            };
            let kinds: Vec<Value> = ["transition_only", "transition_with_license_transfer"]
                .iter()
                .map(|t| json!({"isEligible": blocked.is_none(), "transitionType": t, "errors": errors(blocked)}))
                .collect();
            json!({
                "operationId": op,
                "catalogItemId": e.catalog_item_id,
                "title": e.title,
                "description": e.description,
                "quantity": source.quantity,
                "subscriptionEligibilities": subs,
                "eligibilities": kinds,
                "attributes": {"objectType": "TransitionEligibility"},
            })
        })
        .collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/subscriptions/{id}/transitionEligibilities"),
    )))
}

fn months_of(d: &str) -> u32 {
    match d {
        "P1M" => 1,
        "P3Y" => 36,
        _ => 12,
    }
}

/// `POST .../subscriptions/{id}/transitions`: done at once in the sandbox (the event says
/// `Completed`; the real service starts it).
pub async fn transition(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path((customer, id)): Path<(String, String)>,
    PcJson(body): PcJson<Value>,
) -> Result<Response, PcError> {
    let req = commerce::read_transition(&body).map_err(|f| PcError::from(pcsandbox_core::CoreError::Fault(f)))?;
    let t = s.core.transition(&who, &customer, &id, &req).await?;
    Ok(json_response(&json!({
        "fromCatalogItemId": t.from.offer_id,
        "fromSubscriptionId": t.from.id,
        "toCatalogItemId": t.to.offer_id,
        "toSubscriptionId": t.to.id,
        "quantity": t.quantity,
        "termDuration": t.to.term_duration,
        "billingCycle": t.to.billing_cycle,
        "transitionType": if t.license_transfer { "transition_with_license_transfer" } else { "transition_only" },
        "events": [{"name": "Conversion", "status": "Completed", "timestamp": time(t.at), "attributes": {"objectType": "TransitionEvent"}}],
        "attributes": {"objectType": "Transition"},
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_product_has_availabilities_with_the_terms_of_its_kind() {
        for p in &Catalog::builtin().products {
            for s in &p.skus {
                let a = availability_out(p, s, "JP").unwrap_or_default();
                assert_eq!(a["catalogItemId"], format!("{}:{}:{}", p.id, s.id, s.availability_id));
                assert_eq!(
                    a["terms"].as_array().map(Vec::len),
                    Some(if s.licensed { domain::catalog::TERMS.len() } else { 0 })
                );
                assert_eq!(a["defaultCurrency"]["code"], "JPY");
            }
        }
    }
}
