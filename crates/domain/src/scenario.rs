//! Scenarios: the declarative description of a sandbox's starting world.
//!
//! A [`ScenarioSpec`] is what a YAML file or an inline JSON object says; [`plan`] validates it and
//! fills in every derived value (domains, UPNs, defaults) so that the only thing left for the
//! caller is randomness (ids, generated passwords and secrets). Unknown fields are refused so a
//! typo in a scenario does not silently change a test.

use serde::{Deserialize, Serialize};

use crate::profile::{Address, Contact, LegalBusinessProfile};
use crate::program::Program;
use crate::registry::RegistryEntry;
use crate::world::MfaEnforcement;
use crate::{names, FieldError, MfaState, Role};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ScenarioSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A catalog scenario this one builds on: its tenants, apps, registry and steps come first,
    /// then this one's; this one's settings win where it has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    #[serde(default)]
    pub tenants: Vec<TenantSpec>,
    #[serde(default)]
    pub apps: Vec<AppSpec>,
    /// Whether the Partner Center API refuses App+User tokens without MFA (default `enforced`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa_enforcement: Option<MfaEnforcement>,
    /// Companies in the sandbox's mock public registry (declared partners are added to it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub registry: Vec<RegistrySpec>,
    /// Business days a verification document review takes (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_business_days: Option<u32>,
    /// What the partners have done since, in order: control-plane actions (`{"action":
    /// "register-partner", "as": ..., ...}`, with `"expectRefusal": "<code>"` for one that must be
    /// refused) and clock moves (`{"advance": "P3D"}`, `{"businessDays": 2}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Products this scenario adds to the built-in new-commerce catalog (a product of the same
    /// id as a built-in one replaces it in this sandbox).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub catalog: Vec<crate::catalog::Product>,
    /// The instant the sandbox clock starts at (RFC 3339), instead of real time: a test whose
    /// outcome depends on the weekday, the month or a holiday states it. A reset goes back to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Which days count as business days: `weekends` (the default) or `JP`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_calendar: Option<crate::calendar::BusinessCalendar>,
}

/// The most steps a scenario may take.
pub const MAX_STEPS: usize = 500;

/// How many scenarios an `extends` chain may hold.
pub const MAX_EXTENDS: usize = 8;

impl ScenarioSpec {
    /// This scenario on top of `base` (which has its own `extends` resolved already).
    pub fn on_top_of(self, base: ScenarioSpec) -> ScenarioSpec {
        fn join<T>(mut a: Vec<T>, b: Vec<T>) -> Vec<T> {
            a.extend(b);
            a
        }
        ScenarioSpec {
            name: self.name.or(base.name),
            description: self.description.or(base.description),
            extends: None,
            tenants: merge_tenants(base.tenants, self.tenants),
            apps: join(base.apps, self.apps),
            mfa_enforcement: self.mfa_enforcement.or(base.mfa_enforcement),
            registry: join(base.registry, self.registry),
            review_business_days: self.review_business_days.or(base.review_business_days),
            start_at: self.start_at.or(base.start_at),
            business_calendar: self.business_calendar.or(base.business_calendar),
            steps: join(base.steps, self.steps),
            catalog: {
                // A product of the same id in this scenario replaces the base's.
                let mut c: Vec<crate::catalog::Product> = base
                    .catalog
                    .into_iter()
                    .filter(|b| !self.catalog.iter().any(|p| p.id.eq_ignore_ascii_case(&b.id)))
                    .collect();
                c.extend(self.catalog);
                c
            },
        }
    }
}

/// The base's tenants, then the scenario's; a scenario's tenant of the same domain (or, without
/// one, the same display name) as a base tenant adds to it: its users and verified domains are
/// added, its country and partner replace the base's where it has them.
fn merge_tenants(mut base: Vec<TenantSpec>, tenants: Vec<TenantSpec>) -> Vec<TenantSpec> {
    let same = |a: &TenantSpec, b: &TenantSpec| match (&a.domain, &b.domain) {
        (Some(x), Some(y)) => x.trim().eq_ignore_ascii_case(y.trim()),
        _ => a.display_name.trim() == b.display_name.trim(),
    };
    for t in tenants {
        match base.iter_mut().find(|b| same(b, &t)) {
            Some(b) => {
                b.users.extend(t.users);
                for d in t.verified_domains {
                    if !b.verified_domains.iter().any(|x| x.eq_ignore_ascii_case(&d)) {
                        b.verified_domains.push(d);
                    }
                }
                b.country = t.country.or(b.country.take());
                b.partner = t.partner.or(b.partner.take());
                b.mfa_technical_exception |= t.mfa_technical_exception;
            }
            None => base.push(t),
        }
    }
    base
}

/// Resolves a scenario's `extends` chain with `lookup` (a catalog's raw scenarios).
pub fn resolve_extends(
    spec: ScenarioSpec,
    lookup: &dyn Fn(&str) -> Option<ScenarioSpec>,
) -> Result<ScenarioSpec, FieldError> {
    let mut chain = vec![spec];
    while let Some(base) = chain.last().and_then(|s| s.extends.clone()) {
        if chain.len() >= MAX_EXTENDS {
            return Err(FieldError::new(
                "extends",
                format!("a scenario extends at most {} others in a chain", MAX_EXTENDS - 1),
            ));
        }
        if chain.iter().any(|s| s.name.as_deref() == Some(base.as_str())) {
            return Err(FieldError::new("extends", format!("scenario '{base}' extends itself")));
        }
        let found = lookup(&base)
            .ok_or_else(|| FieldError::new("extends", format!("there is no scenario '{base}' in the catalog")))?;
        chain.push(ScenarioSpec {
            name: Some(base),
            ..found
        });
    }
    // The base of the chain first, each scenario on top of the one it extends.
    let mut resolved: Option<ScenarioSpec> = None;
    while let Some(s) = chain.pop() {
        resolved = Some(match resolved {
            None => s,
            Some(base) => s.on_top_of(base),
        });
    }
    let mut spec = resolved.unwrap_or_default();
    spec.extends = None;
    Ok(spec)
}

/// One step of a scenario, checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A control-plane action with its body (without `action` and `expectRefusal`).
    Action {
        name: String,
        body: serde_json::Value,
        /// The refusal code the step must end in, if it is one that must be refused.
        expect_refusal: Option<String>,
    },
    Advance(chrono::Duration),
    BusinessDays(u32),
}

/// Checks a step's shape; the action's body is read when the step runs.
pub fn plan_step(step: &serde_json::Map<String, serde_json::Value>, actions: &[&str]) -> Result<Step, FieldError> {
    use serde_json::Value;
    let kinds: Vec<&str> = ["action", "advance", "businessDays"]
        .into_iter()
        .filter(|k| step.contains_key(*k))
        .collect();
    match kinds.as_slice() {
        ["action"] => {
            let name = step["action"]
                .as_str()
                .filter(|n| actions.contains(n))
                .ok_or_else(|| {
                    FieldError::new(
                        "action",
                        format!("{} is not an action; actions: {}", step["action"], actions.join(", ")),
                    )
                })?
                .to_owned();
            let expect_refusal = match step.get("expectRefusal") {
                None => None,
                Some(Value::String(c)) if !c.trim().is_empty() => Some(c.trim().to_owned()),
                Some(_) => return Err(FieldError::new("expectRefusal", "expectRefusal is a refusal code")),
            };
            let body: serde_json::Map<String, Value> = step
                .iter()
                .filter(|(k, _)| *k != "action" && *k != "expectRefusal")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Ok(Step::Action {
                name,
                body: Value::Object(body),
                expect_refusal,
            })
        }
        ["advance"] if step.len() == 1 => {
            let text = step["advance"]
                .as_str()
                .ok_or_else(|| FieldError::new("advance", "advance is an ISO 8601 duration such as P3D"))?;
            Ok(Step::Advance(crate::clock::parse_duration("advance", text)?))
        }
        ["businessDays"] if step.len() == 1 => {
            let n = step["businessDays"]
                .as_u64()
                .filter(|n| *n <= 2600)
                .ok_or_else(|| FieldError::new("businessDays", "businessDays is a number of days from 0 to 2600"))?;
            Ok(Step::BusinessDays(n as u32))
        }
        ["advance"] | ["businessDays"] => Err(FieldError::new(kinds[0], "a clock step has nothing else in it")),
        _ => Err(FieldError::new(
            "",
            "a step is an action ({\"action\": ...}) or a clock move ({\"advance\": \"P3D\"} or {\"businessDays\": 2})",
        )),
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistrySpec {
    pub company_name: String,
    pub address: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_number: Option<String>,
}

/// The longest document review a sandbox may declare.
pub const MAX_REVIEW_BUSINESS_DAYS: u32 = 60;

/// Validates a registry entry as `POST .../registry` would.
pub fn plan_registry_entry(spec: &RegistrySpec) -> Result<RegistryEntry, FieldError> {
    Ok(RegistryEntry {
        company_name: crate::profile::text("companyName", &spec.company_name, 1, 200)?,
        address: spec.address.validated().map_err(|e| e.within("address"))?,
        registration_number: spec
            .registration_number
            .as_deref()
            .map(|n| crate::profile::text("registrationNumber", n, 1, 50))
            .transpose()?,
    })
}

pub fn review_business_days(field: &str, n: u32) -> Result<u32, FieldError> {
    if n > MAX_REVIEW_BUSINESS_DAYS {
        return Err(FieldError::new(
            field,
            format!("at most {MAX_REVIEW_BUSINESS_DAYS} business days"),
        ));
    }
    Ok(n)
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TenantSpec {
    pub display_name: String,
    /// The initial `*.onmicrosoft.com` domain; derived from the display name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Further verified (custom) domains, e.g. the company's own `contoso.co.jp`.
    #[serde(default)]
    pub verified_domains: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(default)]
    pub users: Vec<UserSpec>,
    /// The tenant holds a technical exception from the Partner Center MFA requirement.
    #[serde(default)]
    pub mfa_technical_exception: bool,
    /// The tenant is a registered Microsoft partner with this legal business profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partner: Option<PartnerSpec>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PartnerSpec {
    /// The legal company name; the tenant's display name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    pub address: Address,
    pub primary_contact: Contact,
    /// Programs besides the AI Cloud Partner Program (always active for a declared partner),
    /// e.g. `csp-indirect-provider`; `csp-indirect-reseller` is an enrolled reseller associated
    /// with its own PartnerLocation ID whose Global admin accepted the MPA.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub programs: Vec<Program>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `alias` or `alias@domain` (a domain of the tenant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<MfaState>,
    /// A fixed password; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// A fixed base32 TOTP secret for a registered user; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub totp_secret: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AppSpec {
    /// The owning tenant, by its domain (or display name) in this scenario; the first tenant when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub public_client: bool,
    /// A fixed client secret; generated for confidential clients when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
}

/// A validated scenario with every derived value filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioPlan {
    pub tenants: Vec<TenantPlan>,
    pub apps: Vec<AppPlan>,
    pub mfa_enforcement: MfaEnforcement,
    pub registry: Vec<RegistryEntry>,
    pub review_business_days: u32,
    pub steps: Vec<Step>,
    pub catalog: Vec<crate::catalog::Product>,
    pub start_at: Option<chrono::DateTime<chrono::Utc>>,
    pub business_calendar: crate::calendar::BusinessCalendar,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TenantPlan {
    pub display_name: String,
    pub domain: String,
    pub verified_domains: Vec<String>,
    pub country: String,
    pub users: Vec<UserPlan>,
    pub mfa_technical_exception: bool,
    pub partner: Option<PartnerPlan>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PartnerPlan {
    pub legal_business_profile: LegalBusinessProfile,
    pub website: Option<String>,
    /// Every program the partner is active in.
    pub programs: Vec<Program>,
}

impl TenantPlan {
    /// The initial domain first, then the verified ones.
    pub fn all_domains(&self) -> Vec<String> {
        std::iter::once(self.domain.clone())
            .chain(self.verified_domains.iter().cloned())
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserPlan {
    pub display_name: String,
    pub user_principal_name: String,
    pub roles: Vec<Role>,
    pub mfa: MfaState,
    pub password: Option<String>,
    pub totp_secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AppPlan {
    pub tenant_index: usize,
    pub display_name: String,
    pub redirect_uris: Vec<String>,
    pub public_client: bool,
    pub client_secret: Option<String>,
}

pub const DEFAULT_COUNTRY: &str = "JP";

/// Validates a tenant on its own (also used when a tenant is added to a live sandbox).
pub fn plan_tenant(spec: &TenantSpec) -> Result<TenantPlan, FieldError> {
    let display_name = names::display_name("displayName", &spec.display_name)?;
    let domain = match &spec.domain {
        Some(d) => names::domain("domain", d)?,
        None => names::default_domain(&display_name),
    };
    let mut verified_domains = Vec::new();
    for (i, d) in spec.verified_domains.iter().enumerate() {
        let d = names::domain(&format!("verifiedDomains[{i}]"), d)?;
        if d != domain && !verified_domains.contains(&d) {
            verified_domains.push(d);
        }
    }
    let country = match &spec.country {
        Some(c) => names::country("country", c)?,
        None => DEFAULT_COUNTRY.to_owned(),
    };
    let mut tenant = TenantPlan {
        display_name,
        domain,
        verified_domains,
        country,
        users: Vec::new(),
        mfa_technical_exception: spec.mfa_technical_exception,
        partner: None,
    };
    if let Some(p) = &spec.partner {
        tenant.partner = Some(plan_partner(p, &tenant.display_name).map_err(|e| e.within("partner"))?);
    }
    crate::limits::within(
        "verifiedDomains",
        "verified domains per tenant",
        tenant.verified_domains.len(),
        crate::limits::MAX_VERIFIED_DOMAINS,
    )?;
    crate::limits::within("users", "users", spec.users.len(), crate::limits::MAX_USERS)?;
    let domains = tenant.all_domains();
    let mut upns = std::collections::HashSet::with_capacity(spec.users.len());
    for (i, u) in spec.users.iter().enumerate() {
        let user = plan_user(u, &domains, tenant.users.len()).map_err(|e| e.within(&format!("users[{i}]")))?;
        if !upns.insert(user.user_principal_name.clone()) {
            return Err(FieldError::new(
                format!("users[{i}].userPrincipalName"),
                format!("'{}' appears twice in this tenant", user.user_principal_name),
            ));
        }
        tenant.users.push(user);
    }
    let reseller = tenant
        .partner
        .as_ref()
        .is_some_and(|p| p.programs.contains(&Program::CspIndirectReseller));
    if reseller && !tenant.users.iter().any(|u| u.roles.contains(&Role::GlobalAdmin)) {
        return Err(FieldError::new(
            "partner.programs",
            "a csp-indirect-reseller partner needs a global-admin user (its Global admin accepted the MPA)",
        ));
    }
    Ok(tenant)
}

/// Validates a user for a tenant with the given domains; `ordinal` names unnamed users `user1`, `user2`...
pub fn plan_user(spec: &UserSpec, tenant_domains: &[String], ordinal: usize) -> Result<UserPlan, FieldError> {
    let upn_input = spec
        .user_principal_name
        .clone()
        .unwrap_or_else(|| format!("user{}", ordinal + 1));
    let user_principal_name = names::user_principal_name("userPrincipalName", &upn_input, tenant_domains)?;
    let display_name = match &spec.display_name {
        Some(n) => names::display_name("displayName", n)?,
        None => user_principal_name.split('@').next().unwrap_or_default().to_owned(),
    };
    let mut roles = spec.roles.clone();
    roles.sort();
    roles.dedup();
    let mfa = spec.mfa.unwrap_or_default();
    let password = spec
        .password
        .as_deref()
        .map(|p| names::password("password", p))
        .transpose()?;
    let totp_secret = match (&spec.totp_secret, mfa) {
        (Some(s), MfaState::Registered) => Some(totp_secret("totpSecret", s)?),
        (Some(_), _) => {
            return Err(FieldError::new(
                "totpSecret",
                "only a user whose mfa is 'registered' has a TOTP secret",
            ))
        }
        (None, _) => None,
    };
    Ok(UserPlan {
        display_name,
        user_principal_name,
        roles,
        mfa,
        password,
        totp_secret,
    })
}

/// Validates a scenario's partner: its legal business profile as `PUT /v1/profiles/legalbusiness` would.
pub fn plan_partner(spec: &PartnerSpec, tenant_name: &str) -> Result<PartnerPlan, FieldError> {
    let profile = LegalBusinessProfile {
        company_name: spec.company_name.clone().unwrap_or_else(|| tenant_name.to_owned()),
        address: spec.address.clone(),
        primary_contact: spec.primary_contact.clone(),
        company_approver_address: None,
        company_approver_email: None,
    };
    let website = spec
        .website
        .as_deref()
        .map(|w| crate::profile::text("website", w, 1, 2048))
        .transpose()?;
    let mut programs = vec![Program::AiCloudPartnerProgram];
    for p in &spec.programs {
        if !programs.contains(p) {
            programs.push(*p);
        }
    }
    Ok(PartnerPlan {
        legal_business_profile: profile.validated()?,
        website,
        programs,
    })
}

/// A base32 (RFC 4648, no padding) secret of at least 80 bits, as authenticator apps expect.
pub fn totp_secret(field: &str, value: &str) -> Result<String, FieldError> {
    let v: String = value
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if v.len() < 16 || !v.chars().all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)) {
        return Err(FieldError::new(
            field,
            "must be base32 (A-Z, 2-7) of at least 16 characters",
        ));
    }
    Ok(v)
}

/// Validates an app for a tenant of the scenario.
pub fn plan_app(spec: &AppSpec, tenant_index: usize) -> Result<AppPlan, FieldError> {
    let display_name = match &spec.display_name {
        Some(n) => names::display_name("displayName", n)?,
        None => "pcsandbox app".to_owned(),
    };
    crate::limits::within(
        "redirectUris",
        "redirect URIs per app",
        spec.redirect_uris.len(),
        crate::limits::MAX_REDIRECT_URIS,
    )?;
    let mut redirect_uris = Vec::new();
    for (i, r) in spec.redirect_uris.iter().enumerate() {
        redirect_uris.push(names::redirect_uri(&format!("redirectUris[{i}]"), r)?);
    }
    let client_secret = match (&spec.client_secret, spec.public_client) {
        (Some(_), true) => return Err(FieldError::new("clientSecret", "a public client has no client secret")),
        (Some(s), false) if s.chars().count() < 16 => {
            return Err(FieldError::new("clientSecret", "must be at least 16 characters"))
        }
        (s, _) => s.clone(),
    };
    Ok(AppPlan {
        tenant_index,
        display_name,
        redirect_uris,
        public_client: spec.public_client,
        client_secret,
    })
}

/// Validates a whole scenario: field paths in errors start at the scenario's root.
pub fn plan(spec: &ScenarioSpec) -> Result<ScenarioPlan, FieldError> {
    use crate::limits::{self, within};
    if let Some(base) = &spec.extends {
        return Err(FieldError::new(
            "extends",
            format!("scenario '{base}' is to be resolved against the catalog first"),
        ));
    }
    within("tenants", "tenants", spec.tenants.len(), limits::MAX_TENANTS)?;
    within("apps", "apps", spec.apps.len(), limits::MAX_APPS)?;
    within(
        "registry",
        "registry entries",
        spec.registry.len(),
        limits::MAX_REGISTRY,
    )?;
    let users: usize = spec.tenants.iter().map(|t| t.users.len()).sum();
    within("tenants[].users", "users", users, limits::MAX_USERS)?;
    let mut tenants: Vec<TenantPlan> = Vec::new();
    let mut domains = std::collections::HashSet::new();
    for (i, t) in spec.tenants.iter().enumerate() {
        let tenant = plan_tenant(t).map_err(|e| e.within(&format!("tenants[{i}]")))?;
        for d in tenant.all_domains() {
            if !domains.insert(d.clone()) {
                return Err(FieldError::new(
                    format!("tenants[{i}].domain"),
                    format!("domain '{d}' is used by two tenants of this scenario"),
                ));
            }
        }
        tenants.push(tenant);
    }
    let mut apps = Vec::new();
    for (i, a) in spec.apps.iter().enumerate() {
        let tenant_index = match &a.tenant {
            None if !tenants.is_empty() => 0,
            None => {
                return Err(FieldError::new(
                    format!("apps[{i}].tenant"),
                    "the scenario has no tenant to own this app",
                ))
            }
            Some(key) => {
                let k = key.trim().to_ascii_lowercase();
                tenants
                    .iter()
                    .position(|t| t.all_domains().contains(&k) || t.display_name.to_lowercase() == k)
                    .ok_or_else(|| {
                        FieldError::new(
                            format!("apps[{i}].tenant"),
                            format!("no tenant of this scenario has the domain or name '{key}'"),
                        )
                    })?
            }
        };
        apps.push(plan_app(a, tenant_index).map_err(|e| e.within(&format!("apps[{i}]")))?);
    }
    let mut registry = spec
        .registry
        .iter()
        .enumerate()
        .map(|(i, r)| plan_registry_entry(r).map_err(|e| e.within(&format!("registry[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    // A declared partner is verified, so the registry knows it as it registered.
    for p in tenants.iter().filter_map(|t| t.partner.as_ref()) {
        let profile = &p.legal_business_profile;
        if crate::registry::lookup(&profile.company_name, &profile.address, &registry) != crate::registry::Lookup::Match
        {
            registry.push(RegistryEntry {
                company_name: profile.company_name.clone(),
                address: profile.address.clone(),
                registration_number: None,
            });
        }
    }
    let review_business_days = review_business_days(
        "reviewBusinessDays",
        spec.review_business_days
            .unwrap_or(crate::verification::DEFAULT_REVIEW_BUSINESS_DAYS),
    )?;
    within("steps", "steps", spec.steps.len(), MAX_STEPS)?;
    let steps = spec
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| plan_step(s, &ACTIONS).map_err(|e| e.within(&format!("steps[{i}]"))))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(ScenarioPlan {
        tenants,
        apps,
        mfa_enforcement: spec.mfa_enforcement.unwrap_or_default(),
        registry,
        review_business_days,
        steps,
        catalog: crate::catalog::normalized(&spec.catalog)?,
        start_at: spec.start_at,
        business_calendar: spec.business_calendar.unwrap_or_default(),
    })
}

/// The actions a step may take (the control plane's; `core::actions` reads their bodies).
pub const ACTIONS: [&str; 14] = [
    "register-partner",
    "confirm-email",
    "update-legal-profile",
    "resend-verification-email",
    "upload-document",
    "decide-verification",
    "enroll-csp-indirect-reseller",
    "accept-agreement",
    "invite-reseller",
    "respond-relationship-request",
    "sign-customer-agreement",
    "revoke-sessions",
    "lapse-agreement",
    "approve-gdap-relationship",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_puts_the_base_first_and_keeps_the_scenarios_own_settings() {
        let base = spec(serde_json::json!({
            "name": "base", "reviewBusinessDays": 2, "tenants": [{"displayName": "A"}],
            "steps": [{"businessDays": 1}]
        }));
        let lookup = move |n: &str| (n == "base").then(|| base.clone());
        let child = spec(serde_json::json!({
            "name": "child", "extends": "base", "reviewBusinessDays": 5,
            "tenants": [{"displayName": "B"}], "steps": [{"advance": "P1D"}]
        }));
        let r = resolve_extends(child, &lookup).unwrap();
        assert_eq!(r.name.as_deref(), Some("child"));
        assert_eq!(r.review_business_days, Some(5));
        let names: Vec<_> = r.tenants.iter().map(|t| t.display_name.as_str()).collect();
        assert_eq!(names, ["A", "B"]);
        assert!(r.steps[0].contains_key("businessDays") && r.steps[1].contains_key("advance"));
        assert!(plan(&r).is_ok());
        let e = resolve_extends(spec(serde_json::json!({"extends": "nope"})), &lookup).unwrap_err();
        assert!(e.message.contains("nope"), "{e:?}");
        assert!(plan(&spec(serde_json::json!({"extends": "base"}))).is_err());
    }

    #[test]
    fn a_tenant_of_the_base_gets_the_scenarios_users() {
        let base = spec(serde_json::json!({"tenants": [
            {"displayName": "A", "domain": "a.onmicrosoft.com", "users": [{"userPrincipalName": "admin"}]}
        ]}));
        let child = spec(serde_json::json!({"tenants": [
            {"displayName": "A again", "domain": "A.onmicrosoft.com", "verifiedDomains": ["a.co.jp"],
             "users": [{"userPrincipalName": "newcomer", "mfa": "required-unregistered"}]}
        ]}));
        let r = child.on_top_of(base);
        assert_eq!(r.tenants.len(), 1);
        assert_eq!(r.tenants[0].users.len(), 2);
        assert_eq!(r.tenants[0].verified_domains, ["a.co.jp"]);
        assert_eq!(r.tenants[0].display_name, "A");
        assert!(plan(&r).is_ok());
    }

    #[test]
    fn an_extends_cycle_is_refused() {
        let lookup = |n: &str| {
            Some(spec(serde_json::json!({
                "name": n, "extends": if n == "a" { "b" } else { "a" }
            })))
        };
        let e = resolve_extends(spec(serde_json::json!({"name": "a", "extends": "b"})), &lookup).unwrap_err();
        assert!(e.message.contains("extends itself"), "{e:?}");
    }

    fn spec(json: serde_json::Value) -> ScenarioSpec {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn steps_are_actions_or_clock_moves() {
        let p = plan(&spec(serde_json::json!({"steps": [
            {"action": "confirm-email", "as": "admin@x.onmicrosoft.com"},
            {"action": "accept-agreement", "as": "a", "agreementType": "MicrosoftPartnerAgreement", "expectRefusal": "NotAuthorized"},
            {"advance": "P3D"},
            {"businessDays": 2}
        ]})))
        .unwrap();
        assert_eq!(p.steps.len(), 4);
        match &p.steps[1] {
            Step::Action {
                name,
                body,
                expect_refusal,
            } => {
                assert_eq!(name, "accept-agreement");
                assert_eq!(expect_refusal.as_deref(), Some("NotAuthorized"));
                assert!(body.get("expectRefusal").is_none() && body.get("action").is_none());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(p.steps[2], Step::Advance(chrono::Duration::days(3)));
        for (bad, field) in [
            (serde_json::json!({"action": "fly"}), "steps[0].action"),
            (serde_json::json!({"advance": "P3D", "as": "x"}), "steps[0].advance"),
            (serde_json::json!({"advance": "tomorrow"}), "steps[0].advance"),
            (serde_json::json!({"businessDays": -1}), "steps[0].businessDays"),
            (serde_json::json!({"as": "x"}), "steps[0]"),
            (
                serde_json::json!({"action": "confirm-email", "advance": "P1D"}),
                "steps[0]",
            ),
        ] {
            let e = plan(&spec(serde_json::json!({"steps": [bad]}))).unwrap_err();
            assert_eq!(e.field, field, "{e:?}");
        }
        let many: Vec<_> = (0..=MAX_STEPS)
            .map(|_| serde_json::json!({"businessDays": 1}))
            .collect();
        assert_eq!(
            plan(&spec(serde_json::json!({"steps": many}))).unwrap_err().field,
            "steps"
        );
    }

    #[test]
    fn a_scenario_fills_in_domains_upns_and_defaults() {
        let p = plan(&spec(serde_json::json!({
            "tenants": [{"displayName": "Contoso", "users": [{"roles": ["global-admin", "global-admin"]}, {"userPrincipalName": "Sales"}]}],
            "apps": [{"displayName": "CPV"}]
        })))
        .unwrap();
        let t = &p.tenants[0];
        assert_eq!(t.domain, "contoso.onmicrosoft.com");
        assert_eq!(t.country, "JP");
        assert_eq!(t.users[0].user_principal_name, "user1@contoso.onmicrosoft.com");
        assert_eq!(t.users[0].roles, vec![Role::GlobalAdmin]);
        assert_eq!(t.users[1].user_principal_name, "sales@contoso.onmicrosoft.com");
        assert_eq!(p.apps[0].tenant_index, 0);
    }

    #[test]
    fn errors_name_the_field_by_its_path() {
        let e = plan(&spec(serde_json::json!({
            "tenants": [{"displayName": "A", "users": [{}, {"userPrincipalName": "x@elsewhere.com"}]}]
        })))
        .unwrap_err();
        assert_eq!(e.field, "tenants[0].users[1].userPrincipalName");

        let e = plan(&spec(serde_json::json!({
            "tenants": [{"displayName": "A", "domain": "a.onmicrosoft.com"}, {"displayName": "B", "domain": "A.onmicrosoft.com"}]
        })))
        .unwrap_err();
        assert_eq!(e.field, "tenants[1].domain");

        let e = plan(&spec(
            serde_json::json!({"tenants": [{"displayName": "A"}], "apps": [{"tenant": "nope.com"}]}),
        ))
        .unwrap_err();
        assert_eq!(e.field, "apps[0].tenant");

        let e = plan(&spec(serde_json::json!({
            "tenants": [{"displayName": "A", "users": [{"userPrincipalName": "a"}, {"userPrincipalName": "A"}]}]
        })))
        .unwrap_err();
        assert_eq!(e.field, "tenants[0].users[1].userPrincipalName");
    }

    #[test]
    fn unknown_fields_are_refused() {
        let e = serde_json::from_value::<ScenarioSpec>(
            serde_json::json!({"tenants": [{"displayName": "A", "domian": "x.com"}]}),
        )
        .unwrap_err();
        assert!(e.to_string().contains("domian"));
    }

    #[test]
    fn totp_secrets_belong_to_registered_users_only() {
        let doms = vec!["a.onmicrosoft.com".to_owned()];
        let u = UserSpec {
            totp_secret: Some("JBSWY3DPEHPK3PXP".into()),
            ..Default::default()
        };
        assert_eq!(plan_user(&u, &doms, 0).unwrap_err().field, "totpSecret");
        let u = UserSpec {
            mfa: Some(MfaState::Registered),
            totp_secret: Some("jbsw y3dp ehpk 3pxp".into()),
            ..Default::default()
        };
        assert_eq!(
            plan_user(&u, &doms, 0).unwrap().totp_secret.unwrap(),
            "JBSWY3DPEHPK3PXP"
        );
        let u = UserSpec {
            mfa: Some(MfaState::Registered),
            totp_secret: Some("short".into()),
            ..Default::default()
        };
        assert!(plan_user(&u, &doms, 0).is_err());
    }

    #[test]
    fn public_clients_have_no_secret() {
        let a = AppSpec {
            public_client: true,
            client_secret: Some("x".repeat(20)),
            ..Default::default()
        };
        assert_eq!(plan_app(&a, 0).unwrap_err().field, "clientSecret");
    }
}
