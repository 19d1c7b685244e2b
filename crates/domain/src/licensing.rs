//! A customer's users and their licences (SDKDOC `create-user-accounts-for-a-customer.md`,
//! `assign-licenses-to-a-user.md`, `license-resources.md`, `get-a-list-of-available-licenses.md`):
//! the seats of the customer's licence-based subscriptions, per Entra licence SKU, and who
//! consumes them. A licence is assigned only while a seat is free.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::{Catalog, Sku};
use crate::commerce::{Subscription, SubscriptionStatus};
use crate::fault::Fault;
use crate::UserId;

/// What a customer user has beyond the directory: its usage location, names and licences.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    pub id: UserId,
    pub usage_location: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    /// Entra licence SKU ids (`productSku.id`).
    #[serde(default)]
    pub licenses: Vec<String>,
    /// Directory roles of the customer's tenant the user holds (ids of [`DIRECTORY_ROLES`]).
    #[serde(default)]
    pub directory_roles: Vec<String>,
}

/// The directory roles of a customer's tenant, by their role template ids and the names Partner
/// Center's examples show (Azure AD Graph's: `User Account Administrator`, `Company
/// Administrator`).
pub const DIRECTORY_ROLES: &[(&str, &str)] = &[
    ("62e90394-69f5-4237-9190-012177145e10", "Company Administrator"),
    ("729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator"),
    ("fe930be7-5e62-47db-91af-98c3a49a38b1", "User Account Administrator"),
    ("b0f54661-2d74-4c50-afa3-1ec803f12efe", "Billing Administrator"),
    ("f023fd81-a637-4b56-95fd-791ac0226033", "Service Support Administrator"),
    ("29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Service Administrator"),
    (
        "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
        "SharePoint Service Administrator",
    ),
    ("194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator"),
    ("f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader"),
    ("88d8e3e3-8f55-4a1e-953a-9b9898b8876b", "Directory Readers"),
];

/// The Global administrator role of a customer's tenant (its first admin holds it).
pub const COMPANY_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// A directory role by id (any case).
pub fn directory_role(id: &str) -> Option<(&'static str, &'static str)> {
    DIRECTORY_ROLES
        .iter()
        .copied()
        .find(|(i, _)| i.eq_ignore_ascii_case(id.trim()))
}

/// A new customer user as the request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub user_principal_name: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    pub usage_location: String,
    pub password: Option<String>,
    /// `passwordProfile.forceChangePassword`, echoed in the answer.
    pub force_change_password: bool,
    /// `immutableId`, echoed in the answer.
    pub immutable_id: Option<String>,
}

fn get_ci<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn text(obj: &Value, key: &str) -> Option<String> {
    get_ci(obj, key)
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn invalid(field: &str, why: impl Into<String>) -> Fault {
    Fault::explained(400, 800002, "Invalid request input", format!("{field}: {}", why.into())).with_data([field])
}

/// Reads a CustomerUser to create in a tenant whose domains are `domains`.
pub fn read_new_user(body: &Value, domains: &[String]) -> Result<NewUser, Fault> {
    let upn = text(body, "userPrincipalName")
        .ok_or_else(|| invalid("userPrincipalName", "is required"))?
        .to_lowercase();
    let (local, domain) = upn
        .split_once('@')
        .filter(|(l, d)| !l.is_empty() && !d.is_empty() && l.len() <= 64)
        .ok_or_else(|| invalid("userPrincipalName", "is alias@domain"))?;
    if !local.chars().all(|c| c.is_ascii_alphanumeric() || "._-'".contains(c)) {
        return Err(invalid(
            "userPrincipalName",
            format!("'{local}' has characters a user name cannot have"),
        ));
    }
    if !domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
        return Err(invalid(
            "userPrincipalName",
            format!(
                "'{domain}' is not a domain of the customer's tenant ({})",
                domains.join(", ")
            ),
        ));
    }
    let display_name = text(body, "displayName").ok_or_else(|| invalid("displayName", "is required"))?;
    let usage_location = text(body, "usageLocation")
        .ok_or_else(|| invalid("usageLocation", "is required (a two-letter country code)"))?
        .to_ascii_uppercase();
    if usage_location.len() != 2 || !usage_location.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(invalid("usageLocation", "is a two-letter country code"));
    }
    let password = get_ci(body, "passwordProfile").and_then(|p| text(p, "password"));
    if let Some(p) = &password {
        if p.chars().count() < 8 || p.chars().count() > 256 {
            return Err(invalid("passwordProfile.password", "is 8 to 256 characters"));
        }
    }
    let long = |s: &str| s.chars().count() > 256;
    let first_name = text(body, "firstName").unwrap_or_default();
    let last_name = text(body, "lastName").unwrap_or_default();
    if long(&display_name) || long(&first_name) || long(&last_name) {
        return Err(invalid("displayName", "names are at most 256 characters"));
    }
    let force_change_password = get_ci(body, "passwordProfile")
        .and_then(|p| get_ci(p, "forceChangePassword"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let immutable_id = text(body, "immutableId").filter(|i| i.len() <= 256);
    Ok(NewUser {
        user_principal_name: upn.clone(),
        display_name,
        first_name,
        last_name,
        usage_location,
        password,
        force_change_password,
        immutable_id,
    })
}

/// One Entra licence SKU the customer subscribes to, with its seats.
#[derive(Debug, Clone, PartialEq)]
pub struct SkuUsage {
    pub sku: Sku,
    pub product_title: String,
    /// Seats of active subscriptions.
    pub active: i64,
    /// Seats of suspended subscriptions.
    pub suspended: i64,
    pub consumed: i64,
}

impl SkuUsage {
    pub fn available(&self) -> i64 {
        (self.active - self.consumed).max(0)
    }
}

/// The customer's licence SKUs: the seats of its licence-based subscriptions (active or
/// suspended) and the licences its users hold.
pub fn subscribed_skus(subs: &[Subscription], users: &[UserProfile], cat: &Catalog) -> Vec<SkuUsage> {
    let mut out: Vec<SkuUsage> = Vec::new();
    for s in subs {
        let Some(item) = cat.item(&s.offer_id).filter(|i| i.sku.licensed) else {
            continue;
        };
        let (active, suspended) = match s.status {
            SubscriptionStatus::Active => (s.quantity, 0),
            SubscriptionStatus::Suspended => (0, s.quantity),
            _ => continue,
        };
        match out.iter_mut().find(|u| u.sku.license_sku_id == item.sku.license_sku_id) {
            Some(u) => {
                u.active += active;
                u.suspended += suspended;
            }
            None => out.push(SkuUsage {
                sku: item.sku.clone(),
                product_title: item.product.title.clone(),
                active,
                suspended,
                consumed: 0,
            }),
        }
    }
    for u in out.iter_mut() {
        u.consumed = users
            .iter()
            .filter(|p| p.licenses.iter().any(|l| l.eq_ignore_ascii_case(&u.sku.license_sku_id)))
            .count() as i64;
    }
    out
}

/// A licence update: SKU ids to assign and to remove.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenseUpdate {
    pub assign: Vec<String>,
    pub remove: Vec<String>,
}

/// Reads `{licensesToAssign: [{skuId, excludedPlans}], licensesToRemove: [skuId]}`.
pub fn read_update(body: &Value) -> Result<LicenseUpdate, Fault> {
    let mut u = LicenseUpdate::default();
    if let Some(a) = get_ci(body, "licensesToAssign") {
        let a = a
            .as_array()
            .ok_or_else(|| invalid("licensesToAssign", "must be an array"))?;
        for (i, l) in a.iter().enumerate().take(100) {
            u.assign
                .push(text(l, "skuId").ok_or_else(|| invalid(&format!("licensesToAssign[{i}].skuId"), "is required"))?);
        }
    }
    if let Some(r) = get_ci(body, "licensesToRemove") {
        let r = r
            .as_array()
            .ok_or_else(|| invalid("licensesToRemove", "must be an array"))?;
        for (i, l) in r.iter().enumerate().take(100) {
            u.remove.push(
                l.as_str()
                    .map(str::to_owned)
                    .or_else(|| text(l, "skuId"))
                    .ok_or_else(|| invalid(&format!("licensesToRemove[{i}]"), "is a SKU id"))?,
            );
        }
    }
    if u.assign.is_empty() && u.remove.is_empty() {
        return Err(invalid("licensesToAssign", "give licensesToAssign or licensesToRemove"));
    }
    Ok(u)
}

/// Applies an update to one user's licences, given the customer's SKUs (with this user's
/// current licences counted): every SKU to assign must be subscribed and have a free seat.
pub fn apply_update(user: &mut UserProfile, u: &LicenseUpdate, skus: &[SkuUsage], customer: &str) -> Result<(), Fault> {
    for id in &u.remove {
        if !user.licenses.iter().any(|l| l.eq_ignore_ascii_case(id)) {
            return Err(invalid("licensesToRemove", format!("the user has no licence {id}")));
        }
    }
    for id in &u.assign {
        if user.licenses.iter().any(|l| l.eq_ignore_ascii_case(id)) {
            continue;
        }
        let Some(sku) = skus.iter().find(|s| s.sku.license_sku_id.eq_ignore_ascii_case(id)) else {
            return Err(invalid(
                "licensesToAssign.skuId",
                format!("{id} is not a SKU the customer subscribes to (GET .../subscribedskus)"),
            ));
        };
        let freed = u.remove.iter().filter(|r| r.eq_ignore_ascii_case(id)).count() as i64;
        if sku.available() + freed < 1 {
            return Err(Fault::explained(
                400,
                60012,
                "We are sorry, it looks like you have run out of licenses. Buy more licenses, and then try again.",
                format!(
                    "{}: {} of {} seats are assigned",
                    sku.product_title, sku.consumed, sku.active
                ),
            )
            .with_data([format!(
                "LicenseQuotaExceededException : Subscription with Account {customer} and SKU {} does not have any available licenses left.",
                sku.sku.license_sku_id
            )]));
        }
    }
    user.licenses
        .retain(|l| !u.remove.iter().any(|r| r.eq_ignore_ascii_case(l)));
    for id in &u.assign {
        if !user.licenses.iter().any(|l| l.eq_ignore_ascii_case(id)) {
            if let Some(sku) = skus.iter().find(|s| s.sku.license_sku_id.eq_ignore_ascii_case(id)) {
                user.licenses.push(sku.sku.license_sku_id.clone());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::commerce;

    fn subs(quantity: i64) -> Vec<Subscription> {
        let now = chrono::Utc.with_ymd_and_hms(2026, 11, 2, 9, 0, 0).unwrap();
        let lines = commerce::read_lines(
            &json!({"lineItems": [{"catalogItemId": "CFQ7TTC0LH18:0001:CFQ7TTC0K971", "quantity": quantity, "termDuration": "P1M"}]}),
            "JP",
            Catalog::builtin(),
        )
        .unwrap();
        let item = Catalog::builtin().item(&lines[0].catalog_item_id).unwrap();
        vec![commerce::subscribe(
            "s".into(),
            "o",
            "6f1a2b3c-0000-4000-8000-00000000000a".parse().unwrap(),
            &lines[0],
            &item,
            now,
        )]
    }

    fn user(n: u128) -> UserProfile {
        UserProfile {
            id: UserId(uuid::Uuid::from_u128(n)),
            usage_location: "JP".into(),
            first_name: String::new(),
            last_name: String::new(),
            licenses: Vec::new(),
            directory_roles: Vec::new(),
        }
    }

    const BASIC: &str = "3b555118-da6a-4418-894f-7df1e2096870";

    #[test]
    fn users_are_created_in_the_customers_domains_only() {
        let domains = vec!["wingtipjp.onmicrosoft.com".to_owned()];
        let ok = read_new_user(
            &json!({"userPrincipalName": "Taro@wingtipjp.onmicrosoft.com", "displayName": "Taro", "usageLocation": "jp",
                    "passwordProfile": {"password": "abCD123*x", "forceChangePassword": true}}),
            &domains,
        )
        .unwrap();
        assert_eq!(ok.user_principal_name, "taro@wingtipjp.onmicrosoft.com");
        assert_eq!(ok.usage_location, "JP");
        for bad in [
            json!({"userPrincipalName": "taro@other.example", "displayName": "T", "usageLocation": "JP"}),
            json!({"userPrincipalName": "taro@wingtipjp.onmicrosoft.com", "usageLocation": "JP"}),
            json!({"userPrincipalName": "taro@wingtipjp.onmicrosoft.com", "displayName": "T", "usageLocation": "Japan"}),
            json!({"userPrincipalName": "taro@wingtipjp.onmicrosoft.com", "displayName": "T", "usageLocation": "JP", "passwordProfile": {"password": "short"}}),
            json!({"userPrincipalName": "ta ro@wingtipjp.onmicrosoft.com", "displayName": "T", "usageLocation": "JP"}),
        ] {
            assert_eq!(read_new_user(&bad, &domains).unwrap_err().code, 800002, "{bad}");
        }
    }

    #[test]
    fn a_licence_needs_a_free_seat_of_a_subscribed_sku() {
        let subs = subs(2);
        let (mut a, mut b, mut c) = (user(1), user(2), user(3));
        let assign = LicenseUpdate {
            assign: vec![BASIC.into()],
            remove: vec![],
        };
        let skus = subscribed_skus(&subs, &[a.clone(), b.clone(), c.clone()], Catalog::builtin());
        apply_update(&mut a, &assign, &skus, "c").unwrap();
        let skus = subscribed_skus(&subs, &[a.clone(), b.clone(), c.clone()], Catalog::builtin());
        apply_update(&mut b, &assign, &skus, "c").unwrap();
        let skus = subscribed_skus(&subs, &[a.clone(), b.clone(), c.clone()], Catalog::builtin());
        assert_eq!((skus[0].active, skus[0].consumed, skus[0].available()), (2, 2, 0));
        let err = apply_update(&mut c, &assign, &skus, "c").unwrap_err();
        assert_eq!((err.status, err.code), (400, 60012));
        assert!(c.licenses.is_empty());
        // Assigning again what the user has is no new seat; removing frees one.
        apply_update(&mut a, &assign, &skus, "c").unwrap();
        apply_update(
            &mut a,
            &LicenseUpdate {
                assign: vec![],
                remove: vec![BASIC.into()],
            },
            &skus,
            "c",
        )
        .unwrap();
        let skus = subscribed_skus(&subs, &[a, b, c.clone()], Catalog::builtin());
        apply_update(&mut c, &assign, &skus, "c").unwrap();
        let unknown = LicenseUpdate {
            assign: vec!["05e9a617-0261-4cee-bb44-138d3ef5d965".into()],
            remove: vec![],
        };
        assert_eq!(
            apply_update(&mut user(4), &unknown, &skus, "c").unwrap_err().code,
            800002
        );
    }
}
