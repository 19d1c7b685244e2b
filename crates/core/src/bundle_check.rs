//! What an imported bundle must pass before anything of it is written.
//!
//! A bundle is a client's text: every value it carries is checked here with the rules the live
//! API applies to the same value (a display name as Entra takes it, a domain, a user principal
//! name within its tenant's domains, a partner ID, a role, a document of the domain's own type),
//! every reference must name a row of the same bundle (never another sandbox's tenant), and every
//! table is bounded by the limits a sandbox has when it is built through the API. A refusal names
//! the row and the column (`import.tables.users[3].user_principal_name`) and writes nothing.
//! The counts are checked first, before any work that grows with the bundle.

use std::collections::{HashMap, HashSet};

use domain::limits;
use domain::world::World;
use domain::{names, FieldError, Role};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

pub(crate) type Row = Map<String, Value>;

/// The longest text a column takes: documents (JSON), mail bodies and journal pages are larger
/// than names, but bounded all the same.
const MAX_TEXT: usize = 4 * 1024;
const MAX_DOCUMENT: usize = 1024 * 1024;
const MAX_JOURNAL_PAGE: usize = 8 * 1024 * 1024;

/// Rows an import takes per table at most: the limits of a sandbox built through the API (its
/// scenario limits, mailbox, customers, journal), and generous bounds where the API has none.
fn max_rows(table: &str) -> usize {
    match table {
        "tenants" => limits::MAX_TENANTS,
        "tenant_domains" => limits::MAX_TENANTS * (limits::MAX_VERIFIED_DOMAINS + 1),
        "users" => limits::MAX_USERS,
        "apps" => limits::MAX_APPS,
        "partners" | "organization_profiles" | "webhook_registrations" => limits::MAX_TENANTS,
        "partner_ids" => limits::MAX_TENANTS * 2,
        "registry" => limits::MAX_REGISTRY,
        "mailbox" => limits::MAX_MAILBOX,
        "verification_links" => limits::MAX_MAILBOX,
        "relationship_requests" => limits::MAX_CUSTOMERS,
        "customers" => limits::MAX_CUSTOMERS,
        "customer_agreements" => limits::MAX_CUSTOMERS * 4,
        "commerce_docs" => 100_000,
        "webhook_deliveries" => 10_000,
        "gdap_docs" => 100_000,
        "gdap_settings" => 1,
        // Pages of the journal's newest entries (at most a tenth more while it prunes).
        "api_journal_pages" => 10_000,
        _ => 0,
    }
}

/// How a column's value is checked.
#[derive(Clone, Copy)]
enum Check {
    /// The row's own id: a GUID.
    Guid,
    /// A GUID naming a tenant of this bundle.
    Tenant,
    /// A GUID naming a partner (a tenant with a partner row) of this bundle.
    Partner,
    /// A GUID naming a customer of this bundle.
    Customer,
    /// A key of a document: 1 to 200 characters of letters, digits and `-_:.`.
    Key,
    /// An integer from 0.
    Count,
    /// Milliseconds since the epoch (or any integer the server wrote as a time).
    Int,
    /// 0 or 1.
    Flag,
    DisplayName,
    Domain,
    Country,
    /// Text without control characters other than tab and line breaks, at most this long.
    Text(usize),
    /// Text that must not be empty.
    Required(usize),
    Enum(&'static [&'static str]),
    /// An RFC 3339 instant.
    Time,
    PartnerId,
    /// A document of the domain's type for this table (and kind), checked by [`document`].
    Document,
    /// A secret the import replaces: whatever the bundle says is overwritten.
    Replaced,
}

struct Col {
    name: &'static str,
    check: Check,
    nullable: bool,
}

const fn col(name: &'static str, check: Check) -> Col {
    Col {
        name,
        check,
        nullable: false,
    }
}

const fn opt(name: &'static str, check: Check) -> Col {
    Col {
        name,
        check,
        nullable: true,
    }
}

const MFA_STATES: &[&str] = &["registered", "unregistered", "required-unregistered"];
const ID_KINDS: &[&str] = &["PartnerGlobal", "PartnerLocation"];
const ID_STATUSES: &[&str] = &["inactive", "active"];
const REQUEST_STATES: &[&str] = &["pending", "postponed", "approved"];
const COMMERCE_KINDS: &[&str] = &["cart", "order", "subscription", "user", "consent"];
const GDAP_KINDS: &[&str] = &["relationship", "group", "servicePrincipal"];

/// Every column of every table a bundle carries, with its check. A column not listed is refused.
fn columns(table: &str) -> &'static [Col] {
    use Check::*;
    match table {
        "tenants" => {
            const C: &[Col] = &[
                col("id", Guid),
                col("display_name", DisplayName),
                col("domain", Domain),
                col("country", Country),
                col("seq", Count),
                col("mfa_technical_exception", Flag),
            ];
            C
        }
        "tenant_domains" => {
            const C: &[Col] = &[col("tenant_id", Tenant), col("domain", Domain), col("initial", Flag)];
            C
        }
        "users" => {
            const C: &[Col] = &[
                col("id", Guid),
                col("tenant_id", Tenant),
                // Checked against the tenant's domains once every domain is known.
                col("user_principal_name", Required(320)),
                col("display_name", DisplayName),
                col("roles", Document),
                col("mfa_state", Enum(MFA_STATES)),
                opt("totp_secret", Replaced),
                opt("totp_last_step", Replaced),
                col("password_hash", Replaced),
                col("seq", Count),
                opt("sign_in_guard", Document),
            ];
            C
        }
        "apps" => {
            const C: &[Col] = &[
                col("client_id", Guid),
                col("tenant_id", Tenant),
                col("display_name", DisplayName),
                col("redirect_uris", Document),
                col("public_client", Flag),
                opt("secret_hash", Replaced),
                col("seq", Count),
            ];
            C
        }
        "partners" => {
            const C: &[Col] = &[
                col("tenant_id", Tenant),
                col("legal_profile", Document),
                opt("website", Text(2048)),
                col("etag", Required(256)),
                col("programs", Document),
                opt("verification", Document),
                opt("last_finalized", Document),
                opt("csp", Document),
                col("agreements", Document),
                opt("next_due_ms", Int),
            ];
            C
        }
        "partner_ids" => {
            const C: &[Col] = &[
                col("partner_id", PartnerId),
                col("tenant_id", Partner),
                col("kind", Enum(ID_KINDS)),
                col("country", Country),
                col("status", Enum(ID_STATUSES)),
            ];
            C
        }
        "organization_profiles" => {
            const C: &[Col] = &[
                col("tenant_id", Tenant),
                col("data", Document),
                col("etag", Required(256)),
            ];
            C
        }
        "registry" => {
            const C: &[Col] = &[
                col("seq", Count),
                col("company_name", Required(MAX_TEXT)),
                col("address", Document),
                opt("registration_number", Text(256)),
            ];
            C
        }
        "mailbox" => {
            const C: &[Col] = &[
                col("id", Guid),
                col("seq", Count),
                col("to_addr", Required(320)),
                col("subject", Text(MAX_TEXT)),
                col("body", Text(MAX_DOCUMENT)),
                col("links", Document),
                col("sent_at", Time),
            ];
            C
        }
        "verification_links" => {
            const C: &[Col] = &[col("token", Key), col("tenant_id", Partner)];
            C
        }
        "relationship_requests" => {
            const C: &[Col] = &[
                col("id", Guid),
                col("seq", Count),
                col("provider_tenant", Tenant),
                col("reseller_tenant", Tenant),
                col("state", Enum(REQUEST_STATES)),
                col("data", Document),
            ];
            C
        }
        "customers" => {
            const C: &[Col] = &[
                col("id", Guid),
                col("seq", Count),
                col("partner_tenant", Tenant),
                opt("associated_partner", Tenant),
                col("domain", Domain),
                col("data", Document),
            ];
            C
        }
        "customer_agreements" => {
            const C: &[Col] = &[col("customer_id", Customer), col("seq", Count), col("data", Document)];
            C
        }
        "commerce_docs" => {
            const C: &[Col] = &[
                col("kind", Enum(COMMERCE_KINDS)),
                col("id", Key),
                col("customer_id", Customer),
                col("seq", Count),
                col("data", Document),
            ];
            C
        }
        "webhook_registrations" => {
            const C: &[Col] = &[col("tenant_id", Tenant), col("data", Document)];
            C
        }
        "webhook_deliveries" => {
            const C: &[Col] = &[
                col("id", Key),
                col("seq", Count),
                col("tenant_id", Tenant),
                col("data", Document),
            ];
            C
        }
        "gdap_docs" => {
            const C: &[Col] = &[
                col("kind", Enum(GDAP_KINDS)),
                col("id", Key),
                col("tenant_id", Tenant),
                opt("customer_id", Customer),
                col("seq", Count),
                opt("due_at", Int),
                col("data", Document),
            ];
            C
        }
        "gdap_settings" => {
            const C: &[Col] = &[col("activation_delay_secs", Count), col("stuck_assignments", Flag)];
            C
        }
        "api_journal_pages" => {
            // `bytes` is the server's to write (from the page itself), whatever the bundle says.
            const C: &[Col] = &[
                col("entries", Count),
                col("last_at_ms", Int),
                col("data", Document),
                opt("bytes", Replaced),
            ];
            C
        }
        _ => &[],
    }
}

fn bad(field: String, msg: impl Into<String>) -> FieldError {
    FieldError::new(field, msg)
}

/// The shape of `tables` and the number of rows of each, before any other work: an object of
/// the known tables, each an array of objects within its limit.
pub(crate) fn check_shape(bundle: &Value) -> Result<(), FieldError> {
    let tables = match &bundle["tables"] {
        Value::Object(m) => m,
        Value::Null => return Ok(()),
        _ => return Err(bad("import.tables".into(), "must be an object of tables")),
    };
    for (name, rows) in tables {
        let field = format!("import.tables.{name}");
        if !store::bundle::TABLES.contains(&name.as_str()) {
            return Err(bad(field, format!("'{name}' is not a table of a sandbox")));
        }
        let Value::Array(rows) = rows else {
            return Err(bad(field, "must be an array of rows"));
        };
        let max = max_rows(name);
        if rows.len() > max {
            return Err(bad(
                field,
                format!("{} rows; a sandbox holds at most {max}", rows.len()),
            ));
        }
        if let Some(i) = rows.iter().position(|r| !r.is_object()) {
            return Err(bad(format!("{field}[{i}]"), "must be an object of columns"));
        }
    }
    Ok(())
}

/// The ids of this bundle that references may name.
#[derive(Default)]
struct Known {
    tenants: HashSet<String>,
    partners: HashSet<String>,
    customers: HashSet<String>,
    /// A tenant's domains (its initial domain and verified ones), for its users' names.
    domains: HashMap<String, Vec<String>>,
}

fn ids(tables: &[(&str, Vec<Row>)], table: &str, column: &str) -> HashSet<String> {
    tables
        .iter()
        .filter(|(t, _)| *t == table)
        .flat_map(|(_, rows)| rows.iter())
        .filter_map(|r| r.get(column).and_then(Value::as_str).map(str::to_owned))
        .collect()
}

/// Every row of every table, column by column; then what needs several rows (user names within
/// their tenant's domains, ids unique).
pub(crate) fn check_rows(tables: &[(&str, Vec<Row>)]) -> Result<(), FieldError> {
    let mut known = Known {
        tenants: ids(tables, "tenants", "id"),
        partners: ids(tables, "partners", "tenant_id"),
        customers: ids(tables, "customers", "id"),
        domains: HashMap::new(),
    };
    // Customers are tenants of the sandbox too (their users sign in there).
    let tenants_and_customers: HashSet<String> = known.tenants.union(&known.customers).cloned().collect();
    for (table, rows) in tables {
        let cols = columns(table);
        for (i, row) in rows.iter().enumerate() {
            let at = |c: &str| format!("import.tables.{table}[{i}].{c}");
            for k in row.keys() {
                if !cols.iter().any(|c| c.name == k) {
                    return Err(bad(at(k), format!("{table} has no column {k}")));
                }
            }
            for c in cols {
                let v = row.get(c.name).unwrap_or(&Value::Null);
                if v.is_null() {
                    if c.nullable || matches!(c.check, Check::Replaced) {
                        continue;
                    }
                    return Err(bad(at(c.name), "is required"));
                }
                check_value(&known, &tenants_and_customers, table, row, c, v).map_err(|m| bad(at(c.name), m))?;
            }
        }
    }
    for (t, rows) in tables.iter().filter(|(t, _)| *t == "tenants" || *t == "tenant_domains") {
        for r in rows {
            let (tenant, domain) = match *t {
                "tenants" => (r.get("id"), r.get("domain")),
                _ => (r.get("tenant_id"), r.get("domain")),
            };
            if let (Some(Value::String(tenant)), Some(Value::String(d))) = (tenant, domain) {
                known.domains.entry(tenant.clone()).or_default().push(d.clone());
            }
        }
    }
    for (t, rows) in tables {
        let unique: &[&str] = match *t {
            "tenants" | "users" | "mailbox" | "relationship_requests" | "customers" => &["id"],
            "apps" => &["client_id"],
            "partners" | "organization_profiles" | "webhook_registrations" => &["tenant_id"],
            "tenant_domains" => &["domain"],
            "partner_ids" => &["partner_id"],
            "verification_links" => &["token"],
            "webhook_deliveries" => &["id"],
            "commerce_docs" | "gdap_docs" => &["kind", "id"],
            _ => &[],
        };
        if !unique.is_empty() {
            let mut seen = HashSet::new();
            for (i, r) in rows.iter().enumerate() {
                let key: Vec<&Value> = unique.iter().map(|c| r.get(*c).unwrap_or(&Value::Null)).collect();
                if !seen.insert(serde_json::to_string(&key).unwrap_or_default()) {
                    return Err(bad(
                        format!("import.tables.{t}[{i}].{}", unique[unique.len() - 1]),
                        "is used by another row of the bundle",
                    ));
                }
            }
        }
        if *t == "users" {
            let mut upns = HashSet::new();
            for (i, r) in rows.iter().enumerate() {
                let field = format!("import.tables.users[{i}].user_principal_name");
                let tenant = r.get("tenant_id").and_then(Value::as_str).unwrap_or_default();
                let upn = r.get("user_principal_name").and_then(Value::as_str).unwrap_or_default();
                let domains = known.domains.get(tenant).cloned().unwrap_or_default();
                let parsed = names::user_principal_name(&field, upn, &domains)?;
                if parsed != upn {
                    return Err(bad(field, format!("must be written as the API writes it: '{parsed}'")));
                }
                if !upns.insert(parsed) {
                    return Err(bad(field, "is used by another user of the bundle"));
                }
            }
        }
    }
    Ok(())
}

fn check_value(
    known: &Known,
    tenants_and_customers: &HashSet<String>,
    table: &str,
    row: &Row,
    c: &Col,
    v: &Value,
) -> Result<(), String> {
    let text = |max: usize| -> Result<&str, String> {
        let s = v.as_str().ok_or("must be text")?;
        plain_text(s, max)?;
        Ok(s)
    };
    let int = || v.as_i64().ok_or_else(|| "must be an integer".to_owned());
    let guid = |s: &str| -> Result<(), String> {
        uuid::Uuid::parse_str(s)
            .ok()
            .filter(|u| u.hyphenated().to_string() == s)
            .map(drop)
            .ok_or_else(|| format!("'{}' is not a GUID in lower case", shorten(s)))
    };
    let reference = |set: &HashSet<String>, what: &str| -> Result<(), String> {
        let s = text(64)?;
        guid(s)?;
        if set.contains(s) {
            Ok(())
        } else {
            Err(format!("'{s}' is not a {what} of this bundle"))
        }
    };
    let normalised = |given: &str, parsed: Result<String, FieldError>| -> Result<(), String> {
        let parsed = parsed.map_err(|e| e.message)?;
        if parsed == given {
            Ok(())
        } else {
            Err(format!("must be written as the API writes it: '{}'", shorten(&parsed)))
        }
    };
    match c.check {
        Check::Guid => guid(text(64)?),
        Check::Tenant => reference(&known.tenants, "tenant"),
        Check::Partner => reference(&known.partners, "partner"),
        // A customer's GDAP documents and commerce documents name the customer by its id.
        Check::Customer => reference(tenants_and_customers, "customer"),
        Check::Key => {
            let s = text(200)?;
            if s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.~".contains(c)) {
                return Err("must be 1 to 200 letters, digits or -_:.~".into());
            }
            Ok(())
        }
        Check::Count => (int()? >= 0).then_some(()).ok_or_else(|| "must not be negative".into()),
        Check::Int => int().map(drop),
        Check::Flag => matches!(int()?, 0 | 1)
            .then_some(())
            .ok_or_else(|| "must be 0 or 1".into()),
        Check::DisplayName => {
            let s = text(MAX_TEXT)?;
            normalised(s, names::display_name(c.name, s))
        }
        Check::Domain => {
            let s = text(253)?;
            normalised(s, names::domain(c.name, s))
        }
        Check::Country => {
            let s = text(2)?;
            normalised(s, names::country(c.name, s))
        }
        Check::Text(max) => text(max).map(drop),
        Check::Required(max) => {
            let s = text(max)?;
            (!s.trim().is_empty())
                .then_some(())
                .ok_or_else(|| "must not be empty".into())
        }
        Check::Enum(allowed) => {
            let s = text(64)?;
            allowed
                .contains(&s)
                .then_some(())
                .ok_or_else(|| format!("must be one of {}", allowed.join(", ")))
        }
        Check::Time => chrono::DateTime::parse_from_rfc3339(text(64)?)
            .map(drop)
            .map_err(|_| "must be an RFC 3339 instant".into()),
        Check::PartnerId => {
            let s = text(16)?;
            s.parse::<domain::PartnerId>()
                .ok()
                .filter(|p| p.to_string() == s)
                .map(drop)
                .ok_or_else(|| format!("'{}' is not a 7-digit partner ID", shorten(s)))
        }
        Check::Document => {
            let max = if table == "api_journal_pages" {
                MAX_JOURNAL_PAGE
            } else {
                MAX_DOCUMENT
            };
            let s = v.as_str().ok_or("must be a JSON document as text")?;
            if s.len() > max {
                return Err(format!("must be at most {max} bytes"));
            }
            let doc: Value = serde_json::from_str(s).map_err(|e| format!("is not JSON: {e}"))?;
            plain_strings(&doc)?;
            document(table, c.name, row, s)
        }
        Check::Replaced => Ok(()),
    }
}

fn shorten(s: &str) -> String {
    let mut out: String = s.chars().take(60).filter(|c| !c.is_control()).collect();
    if s.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Text a person could have typed: no NUL or other control characters (tab and line breaks
/// aside), at most `max` bytes.
fn plain_text(s: &str, max: usize) -> Result<(), String> {
    if s.len() > max {
        return Err(format!("must be at most {max} bytes"));
    }
    if s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

/// Every string inside a document is plain text.
fn plain_strings(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) => plain_text(s, MAX_DOCUMENT),
        Value::Array(a) => a.iter().try_for_each(plain_strings),
        Value::Object(m) => m.iter().try_for_each(|(k, v)| {
            plain_text(k, MAX_TEXT)?;
            plain_strings(v)
        }),
        _ => Ok(()),
    }
}

fn typed<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("is not a document of its kind: {e}"))
}

/// A column holding a document: the domain's type for it, and its own rules.
fn document(table: &str, column: &str, row: &Row, text: &str) -> Result<(), String> {
    let kind = row.get("kind").and_then(Value::as_str).unwrap_or_default();
    match (table, column) {
        ("users", "roles") => {
            let roles: Vec<Role> = typed(text)?;
            if roles.len() > 32 {
                return Err("at most 32 roles".into());
            }
            Ok(())
        }
        ("users", "sign_in_guard") => typed::<domain::lockout::Guard>(text).map(drop),
        ("apps", "redirect_uris") => {
            let uris: Vec<String> = typed(text)?;
            if uris.len() > limits::MAX_REDIRECT_URIS {
                return Err(format!("at most {} redirect URIs", limits::MAX_REDIRECT_URIS));
            }
            for u in &uris {
                names::redirect_uri("redirect_uris", u).map_err(|e| e.message)?;
            }
            Ok(())
        }
        ("partners", "legal_profile") => typed::<domain::profile::LegalBusinessProfile>(text).map(drop),
        ("partners", "programs") => typed::<Vec<domain::program::ProgramRecord>>(text).map(drop),
        ("partners", "verification" | "last_finalized") => typed::<domain::verification::Verification>(text).map(drop),
        ("partners", "csp") => typed::<domain::csp::CspAccount>(text).map(drop),
        ("partners", "agreements") => typed::<Vec<domain::csp::AgreementAcceptance>>(text).map(drop),
        ("organization_profiles", "data") => typed::<domain::profile::OrganizationProfile>(text).map(drop),
        ("registry", "address") => typed::<domain::profile::Address>(text).map(drop),
        ("mailbox", "links") => {
            let links: Vec<String> = typed(text)?;
            if links.len() > 100 {
                return Err("at most 100 links".into());
            }
            links.iter().try_for_each(|l| web_link(l))
        }
        ("relationship_requests", "data") => typed::<domain::csp::RelationshipRequest>(text).map(drop),
        ("customers", "data") => typed::<domain::customer::Customer>(text).map(drop),
        ("customer_agreements", "data") => typed::<domain::customer::CustomerAgreement>(text).map(drop),
        ("commerce_docs", "data") => match kind {
            "cart" => typed::<domain::commerce::Cart>(text).map(drop),
            "order" => typed::<domain::commerce::Order>(text).map(drop),
            "subscription" => typed::<domain::commerce::Subscription>(text).map(drop),
            "user" => typed::<domain::licensing::UserProfile>(text).map(drop),
            "consent" => typed::<crate::partner_center::tenancy::Consent>(text).map(drop),
            _ => Err("belongs to an unknown kind".into()),
        },
        ("webhook_registrations", "data") => {
            let r: domain::webhooks::Registration = typed(text)?;
            web_link(&r.webhook_url)
        }
        ("webhook_deliveries", "data") => typed::<domain::webhooks::Delivery>(text).map(drop),
        ("gdap_docs", "data") => match kind {
            "relationship" => typed::<domain::gdap::Relationship>(text).map(drop),
            "group" => typed::<domain::gdap::Group>(text).map(drop),
            "servicePrincipal" => typed::<crate::gdap::ServicePrincipal>(text).map(drop),
            _ => Err("belongs to an unknown kind".into()),
        },
        ("api_journal_pages", "data") => {
            let n = store::journal::check_page(text).map_err(|e| e.to_string())?;
            let declared = row.get("entries").and_then(Value::as_i64).unwrap_or(-1);
            if i64::try_from(n).ok() != Some(declared) {
                return Err(format!("holds {n} entries, and the row says {declared}"));
            }
            Ok(())
        }
        // A document column without a type of its own is at least JSON (checked above).
        _ => Ok(()),
    }
}

/// A link a mail or a webhook may carry: an absolute http(s) URL (never `javascript:` or
/// `data:`, which a page would make clickable).
pub(crate) fn web_link(link: &str) -> Result<(), String> {
    domain::mail::is_web_link(link)
        .then_some(())
        .ok_or_else(|| format!("'{}' is not an http(s) URL", shorten(link)))
}

/// The world a reset goes back to: the same rules as the rows, and only its own tenants.
pub(crate) fn check_snapshot(w: &World) -> Result<(), FieldError> {
    let f = |s: &str| format!("import.snapshot.{s}");
    let tenants: HashSet<_> = w.tenants.iter().map(|t| t.id).collect();
    if w.tenants.len() > limits::MAX_TENANTS || w.users.len() > limits::MAX_USERS || w.apps.len() > limits::MAX_APPS {
        return Err(bad(f("tenants"), "more than a sandbox holds"));
    }
    for (i, t) in w.tenants.iter().enumerate() {
        let at = |c: &str| f(&format!("tenants[{i}].{c}"));
        names::display_name(&at("displayName"), &t.display_name)?;
        names::domain(&at("domain"), &t.domain)?;
        names::country(&at("country"), &t.country)?;
        for d in &t.verified_domains {
            names::domain(&at("verifiedDomains"), d)?;
        }
    }
    for (i, u) in w.users.iter().enumerate() {
        let at = |c: &str| f(&format!("users[{i}].{c}"));
        let Some(t) = w.tenants.iter().find(|t| t.id == u.tenant_id) else {
            return Err(bad(at("tenantId"), "is not a tenant of this snapshot"));
        };
        names::user_principal_name(&at("userPrincipalName"), &u.user_principal_name, &t.all_domains())?;
        names::display_name(&at("displayName"), &u.display_name)?;
    }
    for (i, a) in w.apps.iter().enumerate() {
        let at = |c: &str| f(&format!("apps[{i}].{c}"));
        if !tenants.contains(&a.tenant_id) {
            return Err(bad(at("tenantId"), "is not a tenant of this snapshot"));
        }
        names::display_name(&at("displayName"), &a.display_name)?;
        for u in &a.redirect_uris {
            names::redirect_uri(&at("redirectUris"), u)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tenant(id: &str) -> Row {
        json!({"id": id, "display_name": "Contoso", "domain": "contoso.onmicrosoft.com", "country": "JP",
               "seq": 0, "mfa_technical_exception": 0})
        .as_object()
        .cloned()
        .unwrap_or_default()
    }

    const T: &str = "6f1a2b3c-0000-4000-8000-00000000000a";

    #[test]
    fn a_clean_row_passes_and_a_poisoned_one_is_named() {
        assert!(check_rows(&[("tenants", vec![tenant(T)])]).is_ok());
        for (column, value) in [
            ("id", json!("\u{0}")),
            ("display_name", json!("Con\u{0}toso")),
            ("display_name", json!("")),
            ("domain", json!("CONTOSO.onmicrosoft.com")),
            ("country", json!(7)),
            ("seq", json!(-1)),
            ("mfa_technical_exception", json!(2)),
            ("extra", json!(1)),
        ] {
            let mut row = tenant(T);
            row.insert(column.into(), value);
            let e = check_rows(&[("tenants", vec![row])]).unwrap_err();
            assert_eq!(e.field, format!("import.tables.tenants[0].{column}"));
        }
    }

    #[test]
    fn a_reference_must_name_a_row_of_the_same_bundle() {
        let user = json!({"id": "6f1a2b3c-0000-4000-8000-00000000000b", "tenant_id": "6f1a2b3c-0000-4000-8000-0000000000ff",
            "user_principal_name": "a@contoso.onmicrosoft.com", "display_name": "A", "roles": "[]",
            "mfa_state": "unregistered", "password_hash": "", "seq": 0});
        let e = check_rows(&[
            ("tenants", vec![tenant(T)]),
            ("users", vec![user.as_object().cloned().unwrap_or_default()]),
        ])
        .unwrap_err();
        assert_eq!(e.field, "import.tables.users[0].tenant_id");
        assert!(e.message.contains("not a tenant of this bundle"), "{}", e.message);
    }

    #[test]
    fn mail_links_are_http_only() {
        assert!(web_link("https://localhost:8443/dashboard").is_ok());
        for l in ["javascript:alert(1)", "data:text/html,x", "http://a b", ""] {
            assert!(web_link(l).is_err(), "{l}");
        }
    }

    #[test]
    fn counts_are_checked_before_anything_else() {
        let rows: Vec<Value> = (0..=limits::MAX_TENANTS).map(|_| json!({})).collect();
        let e = check_shape(&json!({"tables": {"tenants": rows}})).unwrap_err();
        assert_eq!(e.field, "import.tables.tenants");
        assert!(check_shape(&json!({"tables": {"nope": []}})).is_err());
        assert!(check_shape(&json!({"tables": {"users": [1]}})).is_err());
        assert!(check_shape(&json!({"tables": []})).is_err());
    }
}
