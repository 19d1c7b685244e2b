//! New-commerce use-cases of the Partner Center API: the catalog seen for a customer, carts and
//! their checkout into orders and subscriptions (with the indirect reseller of record checked at
//! order time), and subscription changes on the sandbox clock.

use chrono::{DateTime, Utc};
use domain::catalog;
use domain::commerce::{
    self, Cart, CartStatus, Order, OrderLine, Pricing, Subscription, SubscriptionChange, CART_DAYS,
    MAX_CARTS_PER_CUSTOMER, MAX_ORDERS_PER_CUSTOMER, MAX_SUBSCRIPTIONS_PER_CUSTOMER,
};
use domain::csp::PartnerAgreementType;
use domain::customer::Customer;
use domain::fault::Fault;
use domain::program::{Program, ProgramStatus};
use serde_json::Value;
use store::commerce::Kind;
use store::csp::Side;

use super::auth::Principal;
use crate::error::{CoreError, Result};
use crate::uow::Write;
use crate::Core;

/// A customer's country: its billing address's (the catalog's prices and currency follow it).
pub fn country_of(c: &Customer) -> String {
    c.billing_profile.default_address.country.trim().to_ascii_uppercase()
}

fn cart_not_found(id: &str) -> CoreError {
    Fault::explained(
        404,
        800008,
        "Unable to retrieve cart Id",
        format!("the customer has no cart {id}"),
    )
    .into()
}

fn order_not_found(id: &str) -> CoreError {
    Fault::new(404, 20000, "Order ID not found").with_data([id]).into()
}

fn subscription_not_found(id: &str) -> CoreError {
    Fault::new(404, 20003, format!("Subscription with ID {id} not found.")).into()
}

/// An upgrade a subscription may take, and the customer's subscriptions of that target.
#[derive(Debug, Clone)]
pub struct Eligibility {
    pub catalog_item_id: String,
    pub title: String,
    pub description: String,
    pub existing: Vec<Subscription>,
}

/// A finished upgrade: the source as it is now and the subscription the seats went to.
#[derive(Debug, Clone)]
pub struct Transition {
    pub from: Subscription,
    pub to: Subscription,
    pub at: DateTime<Utc>,
    pub license_transfer: bool,
    pub quantity: i64,
}

/// What a checkout made: the orders and the subscriptions they provisioned.
#[derive(Debug, Clone)]
pub struct Checkout {
    pub cart: Cart,
    pub orders: Vec<Order>,
    pub subscriptions: Vec<Subscription>,
}

impl Core {
    /// A sandbox's catalog: the built-in products and those its scenario added.
    pub async fn catalog_for(&self, sandbox: domain::SandboxId) -> Result<std::sync::Arc<catalog::Catalog>> {
        let extra = {
            let mut c = self.store.conn().await?;
            store::sandboxes::snapshot(&mut c, sandbox).await?.catalog
        };
        if extra.is_empty() {
            return Ok(std::sync::Arc::new(catalog::Catalog::builtin().clone()));
        }
        Ok(std::sync::Arc::new(catalog::Catalog::with(&extra)?))
    }

    /// The caller's customer, with its country.
    pub async fn commerce_customer(&self, who: &Principal, customer: &str) -> Result<(Customer, String)> {
        let c = self.customer_of(who, customer).await?;
        let country = country_of(&c);
        Ok((c, country))
    }

    /// A customer the caller transacts for: one it created (a reseller sees its customers but
    /// does not buy for them).
    async fn own_customer(&self, who: &Principal, customer: &str) -> Result<(Customer, String)> {
        let (cu, country) = self.commerce_customer(who, customer).await?;
        if cu.partner_tenant_id != who.tenant {
            return Err(Fault::new(
                403,
                20002,
                format!(
                    "The partner ID {} has no commerce relationship with the customer ID {}.",
                    who.tenant, cu.id
                ),
            )
            .into());
        }
        Ok((cu, country))
    }

    /// The caller must be an active indirect provider (or a direct partner: the sandbox's CSP
    /// partners are indirect providers) to sell.
    async fn seller(&self, who: &Principal) -> Result<()> {
        let me = self.own_partner(who).await?;
        if me.0.program(Program::CspIndirectProvider) != Some(ProgramStatus::Active) {
            return Err(Fault::new(403, 900149, "CSP Indirect Provider program status is not active.").into());
        }
        if me.0.accepted(PartnerAgreementType::MicrosoftPartnerAgreement).is_none() {
            return Err(Fault::explained(
                403,
                900124,
                "Your company has not accepted the Microsoft Partner Agreement (MPA). The global admin of the CSP account must accept the MPA to resume the full transactional capabilities. \
                 Search https://partner.microsoft.com/dashboard/account/v3/usermanagement for your global admin and have them sign the MPA \
                 on the dashboard https://partner.microsoft.com/dashboard/account/v3/agreements to resume full transactional capabilities",
                format!(
                    "{} has no accepted Microsoft Partner Agreement: a Global admin accepts it on the portal's 契約 page \
                     (/dashboard/account/agreements) or with the accept-agreement action",
                    me.0.legal_business_profile.company_name
                ),
            )
            .into());
        }
        Ok(())
    }

    /// `POST /v1/customers/{id}/carts`.
    pub async fn create_cart(&self, who: &Principal, customer: &str, body: &Value) -> Result<Cart> {
        let (cu, country) = self.own_customer(who, customer).await?;
        let cat = self.catalog_for(who.sandbox).await?;
        let lines = commerce::read_lines(body, &country, &cat)?;
        let mut w = self.write(who.sandbox).await?;
        let n = store::commerce::count(w.c(), Kind::Cart, cu.id).await?;
        domain::limits::within("carts", "carts of a customer", n + 1, MAX_CARTS_PER_CUSTOMER)?;
        let now = w.now;
        let cart = Cart {
            id: self.random.uuid().to_string(),
            customer_id: cu.id,
            created_at: now,
            modified_at: now,
            expires_at: now + chrono::Duration::days(CART_DAYS),
            modified_by: who
                .user
                .as_ref()
                .map(|u| u.id.to_string())
                .unwrap_or_else(|| who.app_id.to_string()),
            status: CartStatus::Active,
            lines,
            order_ids: Vec::new(),
        };
        store::commerce::insert(w.c(), Kind::Cart, &cart.id, who.sandbox, cu.id, &cart).await?;
        w.commit().await?;
        Ok(cart)
    }

    /// `GET /v1/customers/{id}/carts/{cartId}`.
    pub async fn cart(&self, who: &Principal, customer: &str, cart_id: &str) -> Result<Cart> {
        let (cu, _) = self.commerce_customer(who, customer).await?;
        let mut c = self.store.conn().await?;
        store::commerce::get(&mut c, Kind::Cart, cu.id, cart_id.trim())
            .await?
            .ok_or_else(|| cart_not_found(cart_id))
    }

    /// `PUT /v1/customers/{id}/carts/{cartId}`: the line items replaced.
    pub async fn update_cart(&self, who: &Principal, customer: &str, cart_id: &str, body: &Value) -> Result<Cart> {
        let (cu, country) = self.own_customer(who, customer).await?;
        let cat = self.catalog_for(who.sandbox).await?;
        let lines = commerce::read_lines(body, &country, &cat)?;
        let mut w = self.write(who.sandbox).await?;
        let mut cart: Cart = store::commerce::get(w.c(), Kind::Cart, cu.id, cart_id.trim())
            .await?
            .ok_or_else(|| cart_not_found(cart_id))?;
        if cart.status == CartStatus::Ordered {
            return Err(Fault::bad_request(
                800065,
                format!("Cannot check out an already submitted cart {}.", cart.id),
            )
            .into());
        }
        cart.lines = lines;
        cart.modified_at = w.now;
        store::commerce::update(w.c(), Kind::Cart, &cart.id, &cart).await?;
        w.commit().await?;
        Ok(cart)
    }

    /// The reseller a line names, checked at order time: it exists, has a relationship with the
    /// caller, and is active (its MPA accepted).
    async fn check_reseller(&self, w: &mut Write<'_>, who: &Principal, raw: &str) -> Result<()> {
        let not_found = || -> CoreError {
            Fault::explained(
                404,
                800015,
                "MPN ID is not found",
                format!("no indirect reseller has the partner ID {raw}"),
            )
            .with_data(["participants"])
            .into()
        };
        let Some(id) = domain::csp::partner_id_of(raw) else {
            return Err(not_found());
        };
        let reseller = store::profiles::reseller_with_id(w.c(), who.sandbox, id)
            .await?
            .ok_or_else(not_found)?;
        let related = store::csp::relationships(w.c(), who.tenant, Side::Provider).await?;
        if !related.iter().any(|(_, p)| p.tenant_id == reseller.tenant_id) {
            return Err(Fault::explained(
                400,
                800016,
                "MPN ID is not a valid Indirect Reseller",
                format!(
                    "{} ({raw}) has no approved indirect provider relationship with your partner account",
                    reseller.legal_business_profile.company_name
                ),
            )
            .with_data(["participants"])
            .into());
        }
        if reseller.program(Program::CspIndirectReseller) != Some(ProgramStatus::Active) {
            if reseller
                .accepted(PartnerAgreementType::MicrosoftPartnerAgreement)
                .is_none()
            {
                return Err(Fault::explained(
                    403,
                    900123,
                    "Microsoft Partner Agreement has not been accepted by the indirect reseller",
                    format!(
                        "{} ({raw}) has not accepted the Microsoft Partner Agreement",
                        reseller.legal_business_profile.company_name
                    ),
                )
                .into());
            }
            return Err(Fault::new(403, 800039, "Reseller program status is not active").into());
        }
        Ok(())
    }

    /// `POST /v1/customers/{id}/carts/{cartId}/checkout`: one order for the cart (the sandbox
    /// provisions at once: the order is completed and each line has its subscription).
    pub async fn checkout(&self, who: &Principal, customer: &str, cart_id: &str) -> Result<Checkout> {
        let (cu, country) = self.own_customer(who, customer).await?;
        self.seller(who).await?;
        let mut w = self.write(who.sandbox).await?;
        let now = w.now;
        let mut cart: Cart = store::commerce::get(w.c(), Kind::Cart, cu.id, cart_id.trim())
            .await?
            .ok_or_else(|| cart_not_found(cart_id))?;
        let cat = self.catalog_for(who.sandbox).await?;
        let lines = commerce::checkout_lines(&cart, now, &cat)?;
        for (line, _) in &lines {
            if let Some(r) = line.reseller() {
                self.check_reseller(&mut w, who, r).await?;
            }
        }
        let subs = store::commerce::count(w.c(), Kind::Subscription, cu.id).await?;
        domain::limits::within(
            "subscriptions",
            "subscriptions of a customer",
            subs + lines.len(),
            MAX_SUBSCRIPTIONS_PER_CUSTOMER,
        )?;
        let orders = store::commerce::count(w.c(), Kind::Order, cu.id).await?;
        domain::limits::within("orders", "orders of a customer", orders + 1, MAX_ORDERS_PER_CUSTOMER)?;
        let order_id = commerce::order_id(&self.random.bytes(6));
        let price = lines
            .first()
            .and_then(|(_, item)| item.sku.price(&country))
            .ok_or_else(|| Fault::bad_request(800009, "Error in Cart item(s)"))?;
        let mut order = Order {
            id: order_id.clone(),
            customer_id: cu.id,
            cart_id: cart.id.clone(),
            billing_cycle: lines.first().map(|(l, _)| l.billing_cycle.clone()).unwrap_or_default(),
            currency_code: price.currency.clone(),
            currency_symbol: price.symbol.clone(),
            lines: Vec::new(),
            created_at: now,
            status: "completed".into(),
            total_price: 0.0,
        };
        let mut created = Vec::new();
        for (n, (line, item)) in lines.iter().enumerate() {
            let sub = commerce::subscribe(self.random.uuid().to_string(), &order_id, cu.id, line, item, now);
            let pricing = Pricing::of(line.unit_price.unwrap_or_default(), line.quantity);
            order.total_price += pricing.extended_price;
            order.lines.push(OrderLine {
                line_item_number: n as i64,
                offer_id: item.catalog_item_id(),
                subscription_id: sub.id.clone(),
                term_duration: line.term_duration.clone(),
                friendly_name: sub.friendly_name.clone(),
                quantity: line.quantity,
                partner_id_on_record: line.reseller().map(str::to_owned),
                pricing,
            });
            store::commerce::insert(w.c(), Kind::Subscription, &sub.id, who.sandbox, cu.id, &sub).await?;
            created.push(sub);
        }
        order.total_price = (order.total_price * 100.0).round() / 100.0;
        store::commerce::insert(w.c(), Kind::Order, &order.id, who.sandbox, cu.id, &order).await?;
        cart.status = CartStatus::Ordered;
        cart.modified_at = now;
        cart.order_ids.push(order.id.clone());
        store::commerce::update(w.c(), Kind::Cart, &cart.id, &cart).await?;
        w.commit().await?;
        for sub in &created {
            self.emit(
                who.sandbox,
                who.tenant,
                "subscription-updated",
                "subscription",
                &format!("customers/{}/subscriptions/{}", cu.id, sub.id),
            )
            .await;
        }
        Ok(Checkout {
            cart,
            orders: vec![order],
            subscriptions: created,
        })
    }

    /// `GET /v1/customers/{id}/orders`.
    pub async fn orders(&self, who: &Principal, customer: &str) -> Result<Vec<Order>> {
        let (cu, _) = self.commerce_customer(who, customer).await?;
        let mut c = self.store.conn().await?;
        Ok(store::commerce::list(&mut c, Kind::Order, cu.id).await?)
    }

    /// `GET /v1/customers/{id}/orders/{orderId}`.
    pub async fn order(&self, who: &Principal, customer: &str, id: &str) -> Result<Order> {
        let (cu, _) = self.commerce_customer(who, customer).await?;
        let mut c = self.store.conn().await?;
        store::commerce::get(&mut c, Kind::Order, cu.id, id.trim())
            .await?
            .ok_or_else(|| order_not_found(id))
    }

    /// The customer's subscriptions as of the sandbox's now (terms that ended renewed or expired).
    pub async fn subscriptions(&self, who: &Principal, customer: &str) -> Result<(Vec<Subscription>, DateTime<Utc>)> {
        let (cu, _) = self.commerce_customer(who, customer).await?;
        let mut w = self.write(who.sandbox).await?;
        let now = w.now;
        let mut all: Vec<Subscription> = store::commerce::list(w.c(), Kind::Subscription, cu.id).await?;
        let mut changed = false;
        for s in all.iter_mut() {
            if s.settle(now) {
                store::commerce::update(w.c(), Kind::Subscription, &s.id, s).await?;
                changed = true;
            }
        }
        if changed {
            w.commit().await?;
        }
        Ok((all, now))
    }

    /// One subscription as of the sandbox's now.
    pub async fn subscription(
        &self,
        who: &Principal,
        customer: &str,
        id: &str,
    ) -> Result<(Subscription, DateTime<Utc>)> {
        let (all, now) = self.subscriptions(who, customer).await?;
        all.into_iter()
            .find(|s| s.id.eq_ignore_ascii_case(id.trim()))
            .map(|s| (s, now))
            .ok_or_else(|| subscription_not_found(id))
    }

    /// `PATCH /v1/customers/{id}/subscriptions/{subscriptionId}`: quantity, status, auto-renew,
    /// friendly name and reseller of record, with new commerce's windows on the sandbox clock.
    pub async fn patch_subscription(
        &self,
        who: &Principal,
        customer: &str,
        id: &str,
        change: SubscriptionChange,
    ) -> Result<(Subscription, DateTime<Utc>)> {
        let (cu, _) = self.own_customer(who, customer).await?;
        let mut w = self.write(who.sandbox).await?;
        let now = w.now;
        let mut sub: Subscription = store::commerce::get(w.c(), Kind::Subscription, cu.id, id.trim())
            .await?
            .ok_or_else(|| subscription_not_found(id))?;
        let settled = sub.settle(now);
        let new_partner = change
            .partner_id
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty() && Some(*p) != sub.partner_id.as_deref());
        if let Some(p) = new_partner {
            self.check_reseller(&mut w, who, p).await?;
        }
        let before = sub.clone();
        let cat = self.catalog_for(who.sandbox).await?;
        match commerce::apply(&mut sub, &change, now, &cat) {
            Ok(()) => {}
            Err(f) => {
                if settled {
                    store::commerce::update(w.c(), Kind::Subscription, &before.id, &before).await?;
                    w.commit().await?;
                }
                return Err(f.into());
            }
        }
        if let Some(p) = new_partner {
            sub.partner_id = Some(p.to_owned());
        }
        store::commerce::update(w.c(), Kind::Subscription, &sub.id, &sub).await?;
        w.commit().await?;
        self.emit(
            who.sandbox,
            who.tenant,
            "subscription-updated",
            "subscription",
            &format!("customers/{}/subscriptions/{}", cu.id, sub.id),
        )
        .await;
        Ok((sub, now))
    }

    /// `GET .../subscriptions/{id}/transitionEligibilities`: the upgrades the subscription's SKU
    /// allows in the customer's country (none for a subscription that is not active, as the
    /// docs' eligibility error says).
    pub async fn transition_eligibilities(
        &self,
        who: &Principal,
        customer: &str,
        id: &str,
    ) -> Result<(Subscription, Option<&'static str>, Vec<Eligibility>)> {
        let (_, country) = self.own_customer(who, customer).await?;
        let (all, _) = self.subscriptions(who, customer).await?;
        let source = all
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id.trim()))
            .cloned()
            .ok_or_else(|| subscription_not_found(id))?;
        let blocked = commerce::transition_blocked(&source);
        let cat = self.catalog_for(who.sandbox).await?;
        let out = commerce::upgrade_targets(&source, &country, &cat)
            .into_iter()
            .map(|target| Eligibility {
                existing: all
                    .iter()
                    .filter(|s| {
                        s.offer_id == target.catalog_item_id() && s.status == commerce::SubscriptionStatus::Active
                    })
                    .cloned()
                    .collect(),
                catalog_item_id: target.catalog_item_id(),
                title: target.sku.title.clone(),
                description: target.product.description.clone(),
            })
            .collect();
        Ok((source, blocked, out))
    }

    /// `POST .../subscriptions/{id}/transitions`: seats move to the target (a new subscription
    /// of the same term, or `toSubscriptionId`); with license transfer, users' licences follow.
    pub async fn transition(
        &self,
        who: &Principal,
        customer: &str,
        id: &str,
        req: &commerce::TransitionRequest,
    ) -> Result<Transition> {
        let (cu, country) = self.own_customer(who, customer).await?;
        let invalid = |field: &str, why: String| -> CoreError {
            Fault::explained(400, 800002, "Invalid request input", why)
                .with_data([field])
                .into()
        };
        let mut w = self.write(who.sandbox).await?;
        let now = w.now;
        let mut all: Vec<Subscription> = store::commerce::list(w.c(), Kind::Subscription, cu.id).await?;
        for s in all.iter_mut() {
            s.settle(now);
        }
        let mut from = all
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(id.trim()))
            .cloned()
            .ok_or_else(|| subscription_not_found(id))?;
        if let Some(why) = commerce::transition_blocked(&from) {
            return Err(invalid("fromSubscriptionId", why.to_owned()));
        }
        let cat = self.catalog_for(who.sandbox).await?;
        let target = commerce::upgrade_targets(&from, &country, &cat)
            .into_iter()
            .find(|t| t.catalog_item_id().eq_ignore_ascii_case(req.to_catalog_item_id.trim()))
            .ok_or_else(|| {
                invalid(
                    "toCatalogItemId",
                    format!(
                        "{} is not an upgrade of {} (GET .../transitionEligibilities)",
                        req.to_catalog_item_id, from.offer_id
                    ),
                )
            })?;
        if req.quantity < 1 || req.quantity > from.quantity {
            return Err(invalid(
                "quantity",
                format!("1 to {} licenses can be transitioned", from.quantity),
            ));
        }
        let mut to = match &req.to_subscription_id {
            Some(tid) => {
                let mut t = all
                    .iter()
                    .find(|s| {
                        s.id.eq_ignore_ascii_case(tid.trim())
                            && s.offer_id == target.catalog_item_id()
                            && s.status == commerce::SubscriptionStatus::Active
                    })
                    .cloned()
                    .ok_or_else(|| {
                        invalid(
                            "toSubscriptionId",
                            format!("{tid} is not an active subscription of {}", target.catalog_item_id()),
                        )
                    })?;
                let q = t.quantity + req.quantity;
                commerce::apply(
                    &mut t,
                    &SubscriptionChange {
                        quantity: Some(q),
                        ..Default::default()
                    },
                    now,
                    &cat,
                )?;
                t
            }
            None => {
                let n = store::commerce::count(w.c(), Kind::Subscription, cu.id).await?;
                domain::limits::within(
                    "subscriptions",
                    "subscriptions of a customer",
                    n + 1,
                    MAX_SUBSCRIPTIONS_PER_CUSTOMER,
                )?;
                let line = commerce::CartLine {
                    id: 0,
                    catalog_item_id: target.catalog_item_id(),
                    friendly_name: None,
                    quantity: req.quantity,
                    billing_cycle: from.billing_cycle.clone(),
                    term_duration: from.term_duration.clone(),
                    participants: from
                        .partner_id
                        .iter()
                        .map(|p| commerce::Participant {
                            key: "transaction_reseller".into(),
                            value: p.clone(),
                        })
                        .collect(),
                    currency_code: None,
                    unit_price: None,
                    error: None,
                };
                let t = commerce::subscribe(
                    self.random.uuid().to_string(),
                    &from.order_id,
                    cu.id,
                    &line,
                    &target,
                    now,
                );
                store::commerce::insert(w.c(), Kind::Subscription, &t.id, who.sandbox, cu.id, &t).await?;
                t
            }
        };
        // Every seat moved: the source ends (it keeps the seats it had, as a record).
        if req.quantity == from.quantity {
            from.status = commerce::SubscriptionStatus::Deleted;
        } else {
            from.quantity -= req.quantity;
        }
        from.refundable.clear();
        if req.license_transfer {
            let old_sku = from
                .item(&cat)
                .map(|i| i.sku.license_sku_id.clone())
                .unwrap_or_default();
            let new_sku = target.sku.license_sku_id.clone();
            let mut moved = 0;
            let profiles: Vec<domain::licensing::UserProfile> = store::commerce::list(w.c(), Kind::User, cu.id).await?;
            for mut p in profiles {
                if moved >= req.quantity {
                    break;
                }
                if let Some(l) = p.licenses.iter_mut().find(|l| l.eq_ignore_ascii_case(&old_sku)) {
                    *l = new_sku.clone();
                    moved += 1;
                    store::commerce::update(w.c(), Kind::User, &p.id.to_string(), &p).await?;
                }
            }
        }
        store::commerce::update(w.c(), Kind::Subscription, &from.id, &from).await?;
        store::commerce::update(w.c(), Kind::Subscription, &to.id, &to).await?;
        w.commit().await?;
        to.settle(now);
        for s in [&from.id, &to.id] {
            self.emit(
                who.sandbox,
                who.tenant,
                "subscription-updated",
                "subscription",
                &format!("customers/{}/subscriptions/{s}", cu.id),
            )
            .await;
        }
        Ok(Transition {
            from,
            to,
            at: now,
            license_transfer: req.license_transfer,
            quantity: req.quantity,
        })
    }

    /// The control plane's view of a sandbox's commerce: its customers (at most `limit`) with
    /// their subscriptions as stored (terms are settled when a partner reads them).
    pub async fn commerce_overview(
        &self,
        sandbox: domain::SandboxId,
        limit: u32,
    ) -> Result<Vec<(Customer, Vec<Subscription>)>> {
        let mut c = self.store.conn().await?;
        let customers = store::csp::customers_in(&mut c, sandbox, limit).await?;
        let mut out = Vec::with_capacity(customers.len());
        for cu in customers {
            let subs = store::commerce::list(&mut c, Kind::Subscription, cu.id).await?;
            out.push((cu, subs));
        }
        Ok(out)
    }

    /// The catalog's country for a customer-scoped catalog read.
    pub async fn customer_catalog_country(&self, who: &Principal, customer: &str) -> Result<String> {
        Ok(self.commerce_customer(who, customer).await?.1)
    }
}

/// `country` of a catalog read: required, two letters.
pub fn catalog_country(raw: Option<&str>) -> Result<String> {
    match raw.map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) if c.len() == 2 && c.chars().all(|x| x.is_ascii_alphabetic()) => Ok(c.to_ascii_uppercase()),
        Some(c) => Err(Fault::explained(
            400,
            800002,
            "Invalid request input",
            format!("country '{c}' is not a two-letter country code"),
        )
        .with_data(["country"])
        .into()),
        None => Err(
            Fault::explained(400, 800002, "Invalid request input", "country is required")
                .with_data(["country"])
                .into(),
        ),
    }
}

/// `targetView` of a product list: required, one of the catalog's views.
pub fn catalog_view(raw: Option<&str>) -> Result<&'static str> {
    let raw = raw.map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| {
        CoreError::from(
            Fault::explained(400, 800002, "Invalid request input", "targetView is required").with_data(["targetView"]),
        )
    })?;
    catalog::target_view(raw).ok_or_else(|| {
        Fault::explained(
            403,
            400036,
            "Access to the requested targetView is not allowed.",
            format!("targetView '{raw}' is not one of {}", catalog::TARGET_VIEWS.join(", ")),
        )
        .with_data(["targetView"])
        .into()
    })
}
