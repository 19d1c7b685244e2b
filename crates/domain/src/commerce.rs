//! New-commerce purchases: carts, their checkout into orders and subscriptions, and the rules a
//! subscription follows on the sandbox clock (SDKDOC `cart-resources.md`, `order-resources.md`,
//! `subscription-resources.md`, `change-the-quantity-of-a-subscription.md`,
//! `subscription-lifecycle.md`): a purchase may be cancelled, and seats bought may be removed,
//! within 168 hours (7 days) of the purchase, the renewal or the added seats; the term ends and
//! renews (or expires) on its own; a suspended subscription keeps its seats.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::{self, Catalog, Item, REFUND_WINDOW_HOURS};
use crate::fault::Fault;
use crate::TenantId;

/// A cart lives 7 days from its creation (SDKDOC `create-a-cart.md`).
pub const CART_DAYS: i64 = 7;
/// The most line items a cart takes.
pub const MAX_CART_LINES: usize = 50;
/// The most carts, orders and subscriptions a customer keeps.
pub const MAX_CARTS_PER_CUSTOMER: usize = 200;
pub const MAX_ORDERS_PER_CUSTOMER: usize = 1_000;
pub const MAX_SUBSCRIPTIONS_PER_CUSTOMER: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub key: String,
    pub value: String,
}

/// A line the cart could not take as it is: the cart keeps it with this error, and the checkout
/// refuses the cart (800009).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LineError {
    /// `CatalogItemIdIsNotValid`, `InvalidInput`, `MaxAllowedSeatsPerSubscriptionExceeded`.
    pub error_code: String,
    pub error_description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartLine {
    pub id: i64,
    pub catalog_item_id: String,
    #[serde(default)]
    pub friendly_name: Option<String>,
    pub quantity: i64,
    pub billing_cycle: String,
    #[serde(default)]
    pub term_duration: Option<String>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub unit_price: Option<f64>,
    #[serde(default)]
    pub error: Option<LineError>,
}

impl CartLine {
    /// The indirect reseller the line names (`participants`, key `transaction_reseller`).
    pub fn reseller(&self) -> Option<&str> {
        self.participants
            .iter()
            .find(|p| p.key.eq_ignore_ascii_case("transaction_reseller"))
            .map(|p| p.value.trim())
            .filter(|v| !v.is_empty())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CartStatus {
    Active,
    Ordered,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    pub id: String,
    pub customer_id: TenantId,
    pub created_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub modified_by: String,
    pub status: CartStatus,
    pub lines: Vec<CartLine>,
    #[serde(default)]
    pub order_ids: Vec<String>,
}

fn get_ci<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn invalid(field: &str, why: &str) -> Fault {
    Fault::explained(400, 800002, "Invalid request input", format!("{field}: {why}")).with_data([field])
}

fn text(obj: &Value, key: &str, field: &str) -> Result<Option<String>, Fault> {
    match get_ci(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) if s.len() <= 256 => Ok(Some(s.clone())),
        Some(_) => Err(invalid(field, "must be a string of at most 256 characters")),
    }
}

/// Reads a cart's line items (camelCase or PascalCase names, as the docs' examples send them)
/// and checks each against the catalog for the customer's country: a line the catalog does not
/// sell keeps an `error`, as the real cart does.
pub fn read_lines(body: &Value, country: &str, cat: &Catalog) -> Result<Vec<CartLine>, Fault> {
    let items = match get_ci(body, "lineItems") {
        Some(Value::Array(a)) => a,
        Some(_) => return Err(invalid("lineItems", "must be an array")),
        None => return Err(invalid("lineItems", "a cart needs at least one line item")),
    };
    if items.is_empty() {
        return Err(invalid("lineItems", "a cart needs at least one line item"));
    }
    if items.len() > MAX_CART_LINES {
        return Err(invalid(
            "lineItems",
            &format!("at most {MAX_CART_LINES} line items per cart"),
        ));
    }
    let mut lines = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let f = |name: &str| format!("lineItems[{i}].{name}");
        if !it.is_object() {
            return Err(invalid(&format!("lineItems[{i}]"), "must be an object"));
        }
        let id = match get_ci(it, "id") {
            None => i as i64,
            Some(v) => v
                .as_i64()
                .filter(|n| (0..10_000).contains(n))
                .ok_or_else(|| invalid(&f("id"), "must be a whole number"))?,
        };
        let catalog_item_id = text(it, "catalogItemId", &f("catalogItemId"))?
            .ok_or_else(|| invalid(&f("catalogItemId"), "is required"))?;
        let quantity = match get_ci(it, "quantity") {
            None => 1,
            Some(v) => v
                .as_i64()
                .ok_or_else(|| invalid(&f("quantity"), "must be a whole number"))?,
        };
        let billing_cycle = text(it, "billingCycle", &f("billingCycle"))?
            .map(|b| b.to_ascii_lowercase())
            .unwrap_or_else(|| "monthly".into());
        let term_duration = text(it, "termDuration", &f("termDuration"))?.map(|t| t.to_ascii_uppercase());
        let mut participants = Vec::new();
        if let Some(ps) = get_ci(it, "participants") {
            let arr = ps
                .as_array()
                .ok_or_else(|| invalid(&f("participants"), "must be an array"))?;
            if arr.len() > 6 {
                return Err(invalid(
                    &f("participants"),
                    "at most one transaction_reseller and 5 additional ones",
                ));
            }
            for (j, p) in arr.iter().enumerate() {
                let pf = format!("lineItems[{i}].participants[{j}]");
                let key = text(p, "key", &format!("{pf}.key"))?.ok_or_else(|| invalid(&pf, "key is required"))?;
                let value =
                    text(p, "value", &format!("{pf}.value"))?.ok_or_else(|| invalid(&pf, "value is required"))?;
                let k = key.to_ascii_lowercase();
                if ![
                    "transaction_reseller",
                    "additional_transaction_reseller",
                    "consumption_reseller",
                ]
                .contains(&k.as_str())
                {
                    return Err(Fault::explained(
                        400,
                        900126,
                        format!("Unable to parse enum: {key} For more information, please visit {}", crate::error_codes::ERROR_CODES_URL),
                        "participants[].key is transaction_reseller, additional_transaction_reseller or consumption_reseller",
                    )
                    .with_data([format!("{pf}.key")]));
                }
                participants.push(Participant { key: k, value });
            }
        }
        let mut line = CartLine {
            id,
            catalog_item_id,
            friendly_name: text(it, "friendlyName", &f("friendlyName"))?,
            quantity,
            billing_cycle,
            term_duration,
            participants,
            currency_code: None,
            unit_price: None,
            error: None,
        };
        check_line(&mut line, country, cat);
        lines.push(line);
    }
    Ok(lines)
}

fn line_error(code: &str, description: impl Into<String>) -> Option<LineError> {
    Some(LineError {
        error_code: code.into(),
        error_description: description.into(),
    })
}

/// Checks a line against the catalog: the item, the term and billing cycle, the quantity.
pub fn check_line(line: &mut CartLine, country: &str, cat: &Catalog) {
    let Some(item) = cat.item(&line.catalog_item_id) else {
        line.error = line_error("CatalogItemIdIsNotValid", "Catalog item ID is not valid");
        return;
    };
    let Some(price) = item.sku.price(country) else {
        line.error = line_error(
            "CurrencyIsNotSupported",
            format!("Offer is not available in the specified country/region {country}"),
        );
        return;
    };
    line.currency_code = Some(price.currency.clone());
    if item.sku.licensed {
        let term = line.term_duration.as_deref().unwrap_or_default();
        let Some(t) = item.sku.term(term, &line.billing_cycle) else {
            line.error = line_error(
                "InvalidInput",
                format!(
                    "The term {term} with billing cycle {} is not offered for {}; see the availability's terms.",
                    line.billing_cycle, line.catalog_item_id
                ),
            );
            return;
        };
        line.unit_price = Some(catalog::unit_price(price, t));
    } else {
        line.term_duration = None;
        line.unit_price = Some(0.0);
    }
    let (min, max) = (i64::from(item.sku.min_quantity), i64::from(item.sku.max_quantity));
    if line.quantity < min || line.quantity > max {
        line.error = line_error(
            if line.quantity > max {
                "MaxAllowedSeatsPerSubscriptionExceeded"
            } else {
                "InvalidInput"
            },
            format!(
                "The requested quantity for line item {} is not within the allowed quantity for this offer.",
                line.id
            ),
        );
    }
}

/// The line items the checkout turns into an order, when none has an error.
pub fn checkout_lines<'a>(
    cart: &Cart,
    now: DateTime<Utc>,
    cat: &'a Catalog,
) -> Result<Vec<(CartLine, Item<'a>)>, Fault> {
    if cart.status == CartStatus::Ordered {
        return Err(Fault::bad_request(
            800065,
            format!("Cannot check out an already submitted cart {}.", cart.id),
        ));
    }
    if now >= cart.expires_at {
        return Err(Fault::explained(
            404,
            800008,
            "Unable to retrieve cart Id",
            format!(
                "the cart {} expired at {} (carts live {CART_DAYS} days)",
                cart.id, cart.expires_at
            ),
        ));
    }
    if let Some(bad) = cart.lines.iter().find(|l| l.error.is_some()) {
        return Err(Fault::explained(
            400,
            800009,
            "Error in Cart item(s)",
            format!(
                "line item {}: {}",
                bad.id,
                bad.error
                    .as_ref()
                    .map(|e| e.error_description.as_str())
                    .unwrap_or_default()
            ),
        ));
    }
    cart.lines
        .iter()
        .map(|l| {
            cat.item(&l.catalog_item_id)
                .map(|i| (l.clone(), i))
                .ok_or_else(|| Fault::bad_request(800009, "Error in Cart item(s)"))
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Pricing {
    pub list_price: f64,
    pub discounted_price: f64,
    pub prorated_price: f64,
    pub price: f64,
    pub extended_price: f64,
}

impl Pricing {
    pub fn of(unit: f64, quantity: i64) -> Pricing {
        Pricing {
            list_price: unit,
            discounted_price: unit,
            prorated_price: unit,
            price: unit,
            extended_price: (unit * quantity as f64 * 100.0).round() / 100.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    pub line_item_number: i64,
    pub offer_id: String,
    pub subscription_id: String,
    #[serde(default)]
    pub term_duration: Option<String>,
    pub friendly_name: String,
    pub quantity: i64,
    #[serde(default)]
    pub partner_id_on_record: Option<String>,
    pub pricing: Pricing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    pub id: String,
    pub customer_id: TenantId,
    pub cart_id: String,
    pub billing_cycle: String,
    pub currency_code: String,
    pub currency_symbol: String,
    pub lines: Vec<OrderLine>,
    pub created_at: DateTime<Utc>,
    /// `completed`: the sandbox provisions at once.
    pub status: String,
    pub total_price: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriptionStatus {
    Active,
    Suspended,
    Deleted,
    Expired,
}

impl SubscriptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
            Self::Deleted => "deleted",
            Self::Expired => "expired",
        }
    }
}

/// Seats that may still be removed with a refund, until when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refundable {
    pub quantity: i64,
    pub until: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    pub id: String,
    pub customer_id: TenantId,
    pub order_id: String,
    pub offer_id: String,
    pub friendly_name: String,
    pub quantity: i64,
    pub created_at: DateTime<Utc>,
    /// The start of the current term (the purchase, or the last renewal).
    pub term_start: DateTime<Utc>,
    #[serde(default)]
    pub term_duration: Option<String>,
    pub billing_cycle: String,
    pub status: SubscriptionStatus,
    pub auto_renew: bool,
    #[serde(default)]
    pub partner_id: Option<String>,
    /// Until when the purchase (or renewal) may be cancelled.
    pub cancel_until: DateTime<Utc>,
    #[serde(default)]
    pub refundable: Vec<Refundable>,
    #[serde(default)]
    pub renewals: u32,
}

fn months(d: &str) -> u32 {
    match d {
        "P1M" => 1,
        "P3Y" => 36,
        _ => 12,
    }
}

fn add_months(date: NaiveDate, n: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(n)).unwrap_or(date)
}

impl Subscription {
    pub fn item<'a>(&self, cat: &'a Catalog) -> Option<Item<'a>> {
        cat.item(&self.offer_id)
    }

    /// The last day of the current term (`commitmentEndDate`), for a licence-based subscription.
    pub fn commitment_end(&self) -> Option<NaiveDate> {
        let d = self.term_duration.as_deref()?;
        let start = self.term_start.date_naive();
        add_months(start, months(d)).pred_opt()
    }

    /// `commitmentEndDateTime`: the end of the term's last day.
    pub fn commitment_end_time(&self) -> Option<DateTime<Utc>> {
        let end = self.commitment_end()?;
        let t = NaiveTime::from_hms_opt(23, 59, 59)?;
        Some(end.and_time(t).and_utc())
    }

    /// Seats that may still be removed at `now`.
    pub fn reducible(&self, now: DateTime<Utc>) -> i64 {
        self.refundable
            .iter()
            .filter(|r| r.until > now)
            .map(|r| r.quantity)
            .sum()
    }

    /// Moves the subscription through the term ends that passed by `now`: renewed (with a new
    /// refund window) when auto-renew is on and it is active, expired otherwise. Returns whether
    /// anything changed.
    pub fn settle(&mut self, now: DateTime<Utc>) -> bool {
        let mut changed = false;
        // A bound on the loop: a clock moved years ahead renews at most this many terms at once.
        for _ in 0..1_000 {
            let Some(end) = self.commitment_end_time() else { break };
            if now <= end || !matches!(self.status, SubscriptionStatus::Active | SubscriptionStatus::Suspended) {
                break;
            }
            changed = true;
            if self.auto_renew && self.status == SubscriptionStatus::Active {
                let next = (end + Duration::seconds(1)).with_nanosecond_zero();
                self.term_start = next;
                self.renewals += 1;
                let until = next + Duration::hours(REFUND_WINDOW_HOURS);
                self.cancel_until = until;
                self.refundable = vec![Refundable {
                    quantity: self.quantity,
                    until,
                }];
            } else {
                self.status = SubscriptionStatus::Expired;
                self.refundable.clear();
            }
        }
        changed
    }
}

trait NoNanos {
    fn with_nanosecond_zero(self) -> Self;
}

impl NoNanos for DateTime<Utc> {
    fn with_nanosecond_zero(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(0).unwrap_or(self)
    }
}

/// A new subscription for a checked-out line.
pub fn subscribe(
    id: String,
    order_id: &str,
    customer: TenantId,
    line: &CartLine,
    item: &Item,
    now: DateTime<Utc>,
) -> Subscription {
    let until = now + Duration::hours(REFUND_WINDOW_HOURS);
    Subscription {
        id,
        customer_id: customer,
        order_id: order_id.to_owned(),
        offer_id: item.catalog_item_id(),
        friendly_name: line.friendly_name.clone().unwrap_or_else(|| item.sku.title.to_owned()),
        quantity: line.quantity,
        created_at: now,
        term_start: now,
        term_duration: line.term_duration.clone(),
        billing_cycle: line.billing_cycle.clone(),
        status: SubscriptionStatus::Active,
        auto_renew: item.sku.licensed,
        partner_id: line.reseller().map(str::to_owned),
        cancel_until: until,
        refundable: vec![Refundable {
            quantity: line.quantity,
            until,
        }],
        renewals: 0,
    }
}

/// What a PATCH asks to change (fields left out stay as they are).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubscriptionChange {
    pub quantity: Option<i64>,
    pub status: Option<String>,
    pub auto_renew: Option<bool>,
    pub friendly_name: Option<String>,
    pub partner_id: Option<String>,
}

/// Reads a PATCH body: the full Subscription resource, or only the fields to change.
pub fn read_change(body: &Value) -> Result<SubscriptionChange, Fault> {
    if !body.is_object() {
        return Err(invalid("body", "a Subscription object is required"));
    }
    let quantity = match get_ci(body, "quantity") {
        None => None,
        Some(v) => Some(
            v.as_i64()
                .ok_or_else(|| invalid("quantity", "must be a whole number"))?,
        ),
    };
    let auto_renew = match get_ci(body, "autoRenewEnabled") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => return Err(invalid("autoRenewEnabled", "must be true or false")),
    };
    Ok(SubscriptionChange {
        quantity,
        status: text(body, "status", "status")?.map(|s| s.to_ascii_lowercase()),
        auto_renew,
        friendly_name: text(body, "friendlyName", "friendlyName")?,
        partner_id: text(body, "partnerId", "partnerId")?,
    })
}

/// Applies a change at `now` (after [`Subscription::settle`]), with new commerce's rules.
pub fn apply(sub: &mut Subscription, c: &SubscriptionChange, now: DateTime<Utc>, cat: &Catalog) -> Result<(), Fault> {
    let item = sub.item(cat);
    match sub.status {
        SubscriptionStatus::Deleted => {
            return Err(Fault::bad_request(
                2011,
                format!("Subscription with ID {} and deleted status cannot be updated.", sub.id),
            ))
        }
        SubscriptionStatus::Expired if c.status.as_deref() != Some("expired") => {
            return Err(Fault::explained(
                400,
                800096,
                "Cannot update the status for this subscription",
                "the subscription's term ended without renewal: it expired",
            ))
        }
        _ => {}
    }
    let target = match c.status.as_deref() {
        None => sub.status,
        Some("active") => SubscriptionStatus::Active,
        Some("suspended") => SubscriptionStatus::Suspended,
        Some("deleted") => SubscriptionStatus::Deleted,
        Some("expired") if sub.status == SubscriptionStatus::Expired => SubscriptionStatus::Expired,
        Some(other) => {
            return Err(Fault::explained(
                400,
                800096,
                "Cannot update the status for this subscription",
                format!("status '{other}': a subscription's status is set to active, suspended or deleted"),
            ))
        }
    };
    if let Some(q) = c.quantity.filter(|q| *q != sub.quantity) {
        if target == SubscriptionStatus::Suspended || sub.status == SubscriptionStatus::Suspended {
            return Err(Fault::bad_request(
                2001,
                "Subscription quantity cannot be increased or decreased while subscription is being suspended",
            ));
        }
        let Some(item) = item.filter(|i| i.sku.licensed) else {
            return Err(Fault::bad_request(
                800095,
                "Cannot update the seat quantity for this subscription",
            ));
        };
        let (min, max) = (i64::from(item.sku.min_quantity), i64::from(item.sku.max_quantity));
        if q < min || q > max {
            return Err(Fault::explained(
                400,
                2002,
                "Subscription quantity is not within minimum and maximum allowed quantity",
                format!("{} takes {min} to {max} licenses", item.sku.title),
            ));
        }
        if q > sub.quantity {
            sub.refundable.push(Refundable {
                quantity: q - sub.quantity,
                until: now + Duration::hours(REFUND_WINDOW_HOURS),
            });
        } else {
            let mut remove = sub.quantity - q;
            if remove > sub.reducible(now) {
                return Err(Fault::explained(
                    400,
                    900214,
                    format!("You have passed your {REFUND_WINDOW_HOURS}-hour window for reducing seats for this subscription."),
                    format!(
                        "{} seat(s) may still be removed; seats can be removed within {REFUND_WINDOW_HOURS} hours of their purchase or renewal",
                        sub.reducible(now)
                    ),
                ));
            }
            sub.refundable.retain(|r| r.until > now);
            for r in sub.refundable.iter_mut().rev() {
                let take = remove.min(r.quantity);
                r.quantity -= take;
                remove -= take;
            }
            sub.refundable.retain(|r| r.quantity > 0);
        }
        sub.quantity = q;
    }
    if target == SubscriptionStatus::Deleted && sub.status != SubscriptionStatus::Deleted {
        if now > sub.cancel_until {
            return Err(Fault::explained(
                400,
                900213,
                format!("You have passed your {REFUND_WINDOW_HOURS}-hour cancellation window. We are unable to cancel your purchase"),
                format!("the purchase could be cancelled until {}", sub.cancel_until.to_rfc3339()),
            ));
        }
        sub.refundable.clear();
    }
    sub.status = target;
    if let Some(a) = c.auto_renew {
        sub.auto_renew = a && item.is_some_and(|i| i.sku.licensed);
    }
    if let Some(n) = c.friendly_name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
        sub.friendly_name = n.to_owned();
    }
    Ok(())
}

/// The catalog items a subscription may be upgraded to (its SKU's `upgradeTargetOffers`) that
/// sell in `country`.
pub fn upgrade_targets<'a>(sub: &Subscription, country: &str, cat: &'a Catalog) -> Vec<Item<'a>> {
    let Some(from) = sub.item(cat) else {
        return Vec::new();
    };
    from.sku
        .upgrade_targets
        .iter()
        .filter_map(|t| {
            let (p, s) = t.split_once(':')?;
            let product = cat.product(p)?;
            let sku = product.sku(s)?;
            sku.price(country).map(|_| Item { product, sku })
        })
        .collect()
}

/// Why a subscription cannot be upgraded now (the docs' eligibility errors), if it cannot.
pub fn transition_blocked(sub: &Subscription) -> Option<&'static str> {
    if sub.status != SubscriptionStatus::Active {
        return Some("Subscription can't be Transitioned - source subscription isn't active.");
    }
    None
}

/// An upgrade asked for: the target, the seats it takes, and whether users' licences follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionRequest {
    pub to_catalog_item_id: String,
    pub to_subscription_id: Option<String>,
    pub quantity: i64,
    pub license_transfer: bool,
}

/// Reads `POST .../transitions`.
pub fn read_transition(body: &Value) -> Result<TransitionRequest, Fault> {
    let to =
        text(body, "toCatalogItemId", "toCatalogItemId")?.ok_or_else(|| invalid("toCatalogItemId", "is required"))?;
    let quantity = get_ci(body, "quantity")
        .and_then(Value::as_i64)
        .ok_or_else(|| invalid("quantity", "is required: the number of licenses to transition"))?;
    let kind = text(body, "transitionType", "transitionType")?.ok_or_else(|| {
        invalid(
            "transitionType",
            "is transition_only or transition_with_license_transfer",
        )
    })?;
    let license_transfer = match kind.to_ascii_lowercase().as_str() {
        "transition_only" => false,
        "transition_with_license_transfer" => true,
        _ => {
            return Err(invalid(
                "transitionType",
                "is transition_only or transition_with_license_transfer",
            ))
        }
    };
    Ok(TransitionRequest {
        to_catalog_item_id: to,
        to_subscription_id: text(body, "toSubscriptionId", "toSubscriptionId")?,
        quantity,
        license_transfer,
    })
}

/// An order id as new commerce writes them: 12 lowercase hex characters.
pub fn order_id(random: &[u8]) -> String {
    random.iter().take(6).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
#[path = "commerce_tests.rs"]
mod tests;
