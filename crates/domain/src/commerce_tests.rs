#![allow(clippy::unwrap_used)]
use chrono::TimeZone;
use serde_json::json;

use super::*;

fn cat() -> &'static Catalog {
    Catalog::builtin()
}

/// The rule with the built-in catalog.
fn apply(s: &mut Subscription, c: &SubscriptionChange, now: DateTime<Utc>) -> Result<(), Fault> {
    super::apply(s, c, now, cat())
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn customer() -> TenantId {
    "6f1a2b3c-0000-4000-8000-00000000000a".parse().unwrap()
}

fn basic(quantity: i64, now: DateTime<Utc>) -> Subscription {
    let lines = read_lines(
        &json!({"lineItems": [{"catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": quantity,
                               "termDuration": "P1Y", "billingCycle": "monthly"}]}),
        "JP",
        cat(),
    )
    .unwrap();
    let item = cat().item(&lines[0].catalog_item_id).unwrap();
    subscribe("s1".into(), "o1", customer(), &lines[0], &item, now)
}

fn change(v: serde_json::Value) -> SubscriptionChange {
    read_change(&v).unwrap()
}

#[test]
fn lines_are_read_in_either_case_and_checked_against_the_catalog() {
    let lines = read_lines(
        &json!({"LineItems": [
            {"CatalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "Quantity": 5, "TermDuration": "p1y", "BillingCycle": "Monthly",
             "participants": [{"key": "transaction_reseller", "value": "7654321"}]},
            {"id": 1, "catalogItemId": "CFQ7TTC0LH18:0001:NOPE", "quantity": 1, "termDuration": "P1M"},
            {"id": 2, "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": 301, "termDuration": "P1M"},
            {"id": 3, "catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": 1, "termDuration": "P1M", "billingCycle": "annual"}
        ]}),
        "JP",
        cat(),
    )
    .unwrap();
    assert!(lines[0].error.is_none());
    assert_eq!(lines[0].unit_price, Some(899.0));
    assert_eq!(lines[0].currency_code.as_deref(), Some("JPY"));
    assert_eq!(lines[0].reseller(), Some("7654321"));
    assert_eq!(lines[1].error.as_ref().unwrap().error_code, "CatalogItemIdIsNotValid");
    assert_eq!(
        lines[2].error.as_ref().unwrap().error_code,
        "MaxAllowedSeatsPerSubscriptionExceeded"
    );
    assert_eq!(lines[3].error.as_ref().unwrap().error_code, "InvalidInput");
    assert_eq!(
        read_lines(&json!({"lineItems": []}), "JP", cat()).unwrap_err().code,
        800002
    );
    let bad_key = read_lines(
        &json!({"lineItems": [{"catalogItemId": "x", "participants": [{"key": "reseller", "value": "1"}]}]}),
        "JP",
        cat(),
    )
    .unwrap_err();
    assert_eq!(bad_key.code, 900126);
}

#[test]
fn a_cart_with_an_error_expired_or_ordered_is_not_checked_out() {
    let now = at(2026, 11, 2, 9);
    let lines = read_lines(&json!({"lineItems": [{"catalogItemId": "bad"}]}), "US", cat()).unwrap();
    let mut cart = Cart {
        id: "c1".into(),
        customer_id: customer(),
        created_at: now,
        modified_at: now,
        expires_at: now + Duration::days(CART_DAYS),
        modified_by: String::new(),
        status: CartStatus::Active,
        lines,
        order_ids: Vec::new(),
    };
    assert_eq!(checkout_lines(&cart, now, cat()).unwrap_err().code, 800009);
    cart.lines = read_lines(
        &json!({"lineItems": [{"catalogItemId": "DZH318Z0BPS6:0001:DZH318Z0BPS6A1"}]}),
        "US",
        cat(),
    )
    .unwrap();
    assert_eq!(checkout_lines(&cart, now, cat()).unwrap().len(), 1);
    assert_eq!(
        checkout_lines(&cart, now + Duration::days(7), cat()).unwrap_err().code,
        800008
    );
    cart.status = CartStatus::Ordered;
    assert_eq!(checkout_lines(&cart, now, cat()).unwrap_err().code, 800065);
}

#[test]
fn seats_are_removed_only_within_168_hours_of_their_purchase() {
    let bought = at(2026, 11, 2, 9);
    let mut s = basic(10, bought);
    // Within the window: 10 seats may go.
    apply(&mut s, &change(json!({"quantity": 8})), bought + Duration::hours(100)).unwrap();
    assert_eq!(s.quantity, 8);
    // Seats added later open their own window.
    let later = bought + Duration::hours(200);
    assert_eq!(s.reducible(later), 0);
    let err = apply(&mut s, &change(json!({"quantity": 7})), later).unwrap_err();
    assert_eq!((err.status, err.code), (400, 900214));
    assert!(err.description.contains("168-hour"), "{}", err.description);
    apply(&mut s, &change(json!({"quantity": 12})), later).unwrap();
    // The 4 added seats may go again; the 8 of the purchase may not.
    apply(&mut s, &change(json!({"quantity": 9})), later + Duration::hours(1)).unwrap();
    apply(&mut s, &change(json!({"quantity": 8})), later + Duration::hours(2)).unwrap();
    let err = apply(&mut s, &change(json!({"quantity": 7})), later + Duration::hours(2)).unwrap_err();
    assert_eq!(err.code, 900214);
    let err = apply(&mut s, &change(json!({"quantity": 301})), later).unwrap_err();
    assert_eq!(err.code, 2002);
}

#[test]
fn a_purchase_is_cancelled_within_168_hours_and_never_after() {
    let bought = at(2026, 11, 2, 9);
    let mut s = basic(3, bought);
    let err = apply(
        &mut s,
        &change(json!({"status": "deleted"})),
        bought + Duration::hours(169),
    )
    .unwrap_err();
    assert_eq!((err.code, err.status), (900213, 400));
    assert_eq!(s.status, SubscriptionStatus::Active, "a refusal changes nothing");
    apply(
        &mut s,
        &change(json!({"status": "deleted"})),
        bought + Duration::hours(167),
    )
    .unwrap();
    assert_eq!(s.status, SubscriptionStatus::Deleted);
    assert_eq!(
        apply(&mut s, &change(json!({"quantity": 4})), bought).unwrap_err().code,
        2011
    );
}

#[test]
fn a_suspended_subscription_keeps_its_seats_and_takes_no_quantity_change() {
    let bought = at(2026, 11, 2, 9);
    let mut s = basic(3, bought);
    apply(&mut s, &change(json!({"status": "suspended"})), bought).unwrap();
    assert_eq!((s.status, s.quantity), (SubscriptionStatus::Suspended, 3));
    assert_eq!(
        apply(&mut s, &change(json!({"quantity": 4})), bought).unwrap_err().code,
        2001
    );
    apply(&mut s, &change(json!({"status": "active"})), bought).unwrap();
    assert_eq!(s.status, SubscriptionStatus::Active);
    assert_eq!(
        apply(&mut s, &change(json!({"status": "paused"})), bought)
            .unwrap_err()
            .code,
        800096
    );
}

#[test]
fn terms_renew_with_auto_renew_and_expire_without() {
    let bought = at(2026, 1, 14, 16);
    let mut s = basic(15, bought);
    assert_eq!(s.commitment_end().unwrap().to_string(), "2027-01-13");
    assert_eq!(
        s.commitment_end_time().unwrap().to_rfc3339(),
        "2027-01-13T23:59:59+00:00"
    );
    assert!(!s.settle(at(2027, 1, 13, 23)));
    assert!(s.settle(at(2027, 1, 15, 0)));
    assert_eq!((s.renewals, s.status), (1, SubscriptionStatus::Active));
    assert_eq!(s.term_start, at(2027, 1, 14, 0));
    // The renewal opens a new window for cancelling and removing seats.
    assert_eq!(s.reducible(at(2027, 1, 15, 0)), 15);
    apply(&mut s, &change(json!({"autoRenewEnabled": false})), at(2027, 2, 1, 0)).unwrap();
    assert!(s.settle(at(2028, 2, 1, 0)));
    assert_eq!(s.status, SubscriptionStatus::Expired);
    assert_eq!(
        apply(&mut s, &change(json!({"quantity": 1})), at(2028, 2, 1, 0))
            .unwrap_err()
            .code,
        800096
    );
}
