//! Who may call which Partner Center operation: the one table of `/v1` routes with, for each,
//! whether app-only tokens are accepted and which Partner Center roles an App+User caller needs.
//!
//! Sources (../shared/reference/partner-center-api.md): each Partner Center doc page states whether
//! it supports app-only or only App+User; the legal business profile GET is the one profile read
//! that takes both. No complete endpoint -> role matrix is published, so the roles here follow the
//! portal: every partner role may read the profiles, Global admin and Account admin edit legal
//! and organization details, Global admin and User management admin manage users' roles, and the
//! security-requirements reports are for Global admins and Admin agents.
//!
//! | operation | app-only | roles (App+User) |
//! |---|---|---|
//! | GET /v1/profiles/legalbusiness | yes | any partner role |
//! | PUT /v1/profiles/legalbusiness | no | global-admin, account-admin |
//! | GET /v1/profiles/organization | no | any partner role |
//! | PUT /v1/profiles/organization | no | global-admin, account-admin |
//! | GET /v1/profiles/mpn | no | any partner role |
//! | GET /v1/roles, GET /v1/roles/{id}/usermembers | no | global-admin, user-management-admin, account-admin |
//! | POST, DELETE /v1/roles/{id}/usermembers | no | global-admin, user-management-admin |
//! | GET /v1/nonMfaCompliantPartnerPrincipals, /v1/applicationmfaadoptionstatus, /v1/partnerRequests | no | global-admin, admin-agent |
//! | GET /v1/agreements | no | any partner role |
//! | GET, POST /v1/customers/{id}/agreements | no | global-admin, admin-agent, sales-agent |
//! | GET /v1/compliance/{program}/agreementstatus | no | global-admin, admin-agent, sales-agent |
//! | GET /v1/relationships | no | global-admin, account-admin, admin-agent, sales-agent |
//! | GET /v1/customers, GET /v1/customers/{id} | yes | global-admin, admin-agent, sales-agent, helpdesk-agent |
//! | POST /v1/customers | yes | global-admin, admin-agent, sales-agent |
//! | GET /v1/customers/{id}/relationships | no | global-admin, admin-agent, sales-agent, helpdesk-agent |
//! | GET /v1/customers/relationshiprequests | no | global-admin, admin-agent, sales-agent |
//! | POST /v1/partners/validateresellers | yes | global-admin, admin-agent |
//! | GET /v1/roles/{id} | no | global-admin, user-management-admin, account-admin |
//! | GET /v1/customers/{id}/profiles/company | no | global-admin, admin-agent, sales-agent, helpdesk-agent |
//! | GET /v1/customers/{id}/profiles/billing | yes | global-admin, admin-agent, sales-agent, helpdesk-agent |
//! | PUT /v1/customers/{id}/profiles/billing, DELETE /v1/customers/{id} | yes | global-admin, admin-agent, sales-agent |
//! | PATCH /v1/customers/{id}, GET .../directSignedMicrosoftCustomerAgreementStatus | no | global-admin, admin-agent, sales-agent |
//! | HEAD /v1/domains/{domain}, GET /v1/validations/checkdomainavailability/{prefix} | yes | global-admin, admin-agent, sales-agent |
//! | POST /v1/validations/address, GET /v1/countryvalidationrules/{country} | yes | any partner role |
//! | GET /v1/products[/{id}[/skus[/{id}[/availabilities[/{id}]]]]] | yes | any partner role |
//! | GET /v1/customers/{id}/products... | yes | global-admin, admin-agent, sales-agent, helpdesk-agent |
//! | POST, PUT /v1/customers/{id}/carts..., POST .../checkout, PATCH .../subscriptions/{id} | yes | global-admin, admin-agent, sales-agent |
//! | GET /v1/customers/{id}/orders..., /subscriptions... | yes | global-admin, admin-agent, sales-agent, helpdesk-agent |
//! | GET /v1/customers/{id}/users..., /subscribedskus, /applicationconsents | yes | global-admin, admin-agent, sales-agent, helpdesk-agent |
//! | POST, DELETE /v1/customers/{id}/users..., POST .../licenseupdates, POST, DELETE .../applicationconsents | yes | global-admin, admin-agent |
//! | /webhooks/v1/registration... | yes | global-admin, admin-agent |
//! | GET, POST, DELETE /v1/customers/{id}/directoryroles..., GET .../users/{id}/directoryroles | no | global-admin, admin-agent |
//!
//! The customer pages of the portal are for Admin, Sales and Helpdesk agents (and the Global
//! admin); the MPA check and agreement attestation are order-time work of Admin and Sales
//! agents; LEARN's validateresellers page names the Admin agent.

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    GetLegalBusinessProfile,
    UpdateLegalBusinessProfile,
    GetOrganizationProfile,
    UpdateOrganizationProfile,
    GetMpnProfile,
    GetRoles,
    GetRoleMembers,
    AddRoleMember,
    RemoveRoleMember,
    GetNonMfaCompliantPrincipals,
    GetApplicationMfaAdoptionStatus,
    GetPartnerRequests,
    GetAgreementMetadata,
    GetCustomerAgreements,
    CreateCustomerAgreement,
    GetAgreementStatus,
    GetRelationships,
    GetCustomers,
    CreateCustomer,
    GetCustomer,
    GetCustomerRelationships,
    GetCustomerRelationshipRequest,
    ValidateResellers,
    GetRole,
    GetCustomerCompanyProfile,
    GetCustomerBillingProfile,
    UpdateCustomerBillingProfile,
    UpdateCustomer,
    DeleteCustomer,
    GetDirectSignedMcaStatus,
    CheckDomainExists,
    CheckDomainAvailability,
    ValidateAddress,
    GetCountryValidationRules,
    GetProducts,
    GetProduct,
    GetSkus,
    GetSku,
    GetAvailabilities,
    GetAvailability,
    GetCustomerProducts,
    GetCustomerProduct,
    GetCustomerSkus,
    GetCustomerAvailabilities,
    CreateCart,
    GetCart,
    UpdateCart,
    CheckoutCart,
    GetOrders,
    GetOrder,
    GetOrderProvisioningStatus,
    GetSubscriptions,
    GetSubscription,
    UpdateSubscription,
    GetCustomerUsers,
    GetCustomerUser,
    CreateCustomerUser,
    DeleteCustomerUser,
    GetUserLicenses,
    UpdateUserLicenses,
    GetSubscribedSkus,
    CreateApplicationConsent,
    GetApplicationConsents,
    DeleteApplicationConsent,
    GetWebhookEvents,
    RegisterWebhook,
    GetWebhookRegistration,
    UpdateWebhookRegistration,
    DeleteWebhookRegistration,
    CreateWebhookValidationEvent,
    GetWebhookValidationEvent,
    GetTransitionEligibilities,
    CreateTransition,
    GetCustomerDirectoryRoles,
    GetUserDirectoryRoles,
    GetDirectoryRoleMembers,
    AddDirectoryRoleMember,
    RemoveDirectoryRoleMember,
}

/// What an operation accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub app_only: bool,
    /// An App+User caller needs at least one of these.
    pub roles: &'static [Role],
}

const ANY_ROLE: &[Role] = Role::ALL;
pub const LEGAL_EDITORS: &[Role] = &[Role::GlobalAdmin, Role::AccountAdmin];
const ROLE_READERS: &[Role] = &[Role::GlobalAdmin, Role::UserManagementAdmin, Role::AccountAdmin];
const ROLE_WRITERS: &[Role] = &[Role::GlobalAdmin, Role::UserManagementAdmin];
const SECURITY_REPORTS: &[Role] = &[Role::GlobalAdmin, Role::AdminAgent];
const ORDER_AGENTS: &[Role] = &[Role::GlobalAdmin, Role::AdminAgent, Role::SalesAgent];
const CUSTOMER_READERS: &[Role] = &[
    Role::GlobalAdmin,
    Role::AdminAgent,
    Role::SalesAgent,
    Role::HelpdeskAgent,
];
const RELATIONSHIP_READERS: &[Role] = &[
    Role::GlobalAdmin,
    Role::AccountAdmin,
    Role::AdminAgent,
    Role::SalesAgent,
];
const RESELLER_VALIDATORS: &[Role] = &[Role::GlobalAdmin, Role::AdminAgent];
/// Administering a customer's tenant (its users, licences, consented apps) is Admin agents' work.
const TENANT_ADMINS: &[Role] = &[Role::GlobalAdmin, Role::AdminAgent];

/// (method, route template as the router declares it, operation).
pub const ROUTES: &[(&str, &str, Operation)] = &[
    ("GET", "/v1/profiles/legalbusiness", Operation::GetLegalBusinessProfile),
    (
        "PUT",
        "/v1/profiles/legalbusiness",
        Operation::UpdateLegalBusinessProfile,
    ),
    ("GET", "/v1/profiles/organization", Operation::GetOrganizationProfile),
    ("PUT", "/v1/profiles/organization", Operation::UpdateOrganizationProfile),
    ("GET", "/v1/profiles/mpn", Operation::GetMpnProfile),
    ("GET", "/v1/roles", Operation::GetRoles),
    ("GET", "/v1/roles/{role_id}/usermembers", Operation::GetRoleMembers),
    ("POST", "/v1/roles/{role_id}/usermembers", Operation::AddRoleMember),
    (
        "DELETE",
        "/v1/roles/{role_id}/usermembers/{user_id}",
        Operation::RemoveRoleMember,
    ),
    (
        "GET",
        "/v1/nonMfaCompliantPartnerPrincipals",
        Operation::GetNonMfaCompliantPrincipals,
    ),
    (
        "GET",
        "/v1/applicationmfaadoptionstatus",
        Operation::GetApplicationMfaAdoptionStatus,
    ),
    ("GET", "/v1/partnerRequests", Operation::GetPartnerRequests),
    ("GET", "/v1/agreements", Operation::GetAgreementMetadata),
    (
        "GET",
        "/v1/customers/{customer_id}/agreements",
        Operation::GetCustomerAgreements,
    ),
    (
        "POST",
        "/v1/customers/{customer_id}/agreements",
        Operation::CreateCustomerAgreement,
    ),
    (
        "GET",
        "/v1/compliance/{program}/agreementstatus",
        Operation::GetAgreementStatus,
    ),
    ("GET", "/v1/relationships", Operation::GetRelationships),
    ("GET", "/v1/customers", Operation::GetCustomers),
    ("POST", "/v1/customers", Operation::CreateCustomer),
    ("GET", "/v1/customers/{customer_id}", Operation::GetCustomer),
    (
        "GET",
        "/v1/customers/{customer_id}/relationships",
        Operation::GetCustomerRelationships,
    ),
    (
        "GET",
        "/v1/customers/relationshiprequests",
        Operation::GetCustomerRelationshipRequest,
    ),
    ("POST", "/v1/partners/validateresellers", Operation::ValidateResellers),
    ("GET", "/v1/roles/{role_id}", Operation::GetRole),
    (
        "GET",
        "/v1/customers/{customer_id}/profiles/company",
        Operation::GetCustomerCompanyProfile,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/profiles/billing",
        Operation::GetCustomerBillingProfile,
    ),
    (
        "PUT",
        "/v1/customers/{customer_id}/profiles/billing",
        Operation::UpdateCustomerBillingProfile,
    ),
    ("PATCH", "/v1/customers/{customer_id}", Operation::UpdateCustomer),
    ("DELETE", "/v1/customers/{customer_id}", Operation::DeleteCustomer),
    (
        "GET",
        "/v1/customers/{customer_id}/directSignedMicrosoftCustomerAgreementStatus",
        Operation::GetDirectSignedMcaStatus,
    ),
    ("HEAD", "/v1/domains/{domain}", Operation::CheckDomainExists),
    (
        "GET",
        "/v1/validations/checkdomainavailability/{domain_prefix}",
        Operation::CheckDomainAvailability,
    ),
    ("POST", "/v1/validations/address", Operation::ValidateAddress),
    (
        "GET",
        "/v1/countryvalidationrules/{country}",
        Operation::GetCountryValidationRules,
    ),
    ("GET", "/v1/products", Operation::GetProducts),
    ("GET", "/v1/products/{product_id}", Operation::GetProduct),
    ("GET", "/v1/products/{product_id}/skus", Operation::GetSkus),
    ("GET", "/v1/products/{product_id}/skus/{sku_id}", Operation::GetSku),
    (
        "GET",
        "/v1/products/{product_id}/skus/{sku_id}/availabilities",
        Operation::GetAvailabilities,
    ),
    (
        "GET",
        "/v1/products/{product_id}/skus/{sku_id}/availabilities/{availability_id}",
        Operation::GetAvailability,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/products",
        Operation::GetCustomerProducts,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/products/{product_id}",
        Operation::GetCustomerProduct,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/products/{product_id}/skus",
        Operation::GetCustomerSkus,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/products/{product_id}/skus/{sku_id}/availabilities",
        Operation::GetCustomerAvailabilities,
    ),
    ("POST", "/v1/customers/{customer_id}/carts", Operation::CreateCart),
    ("GET", "/v1/customers/{customer_id}/carts/{cart_id}", Operation::GetCart),
    (
        "PUT",
        "/v1/customers/{customer_id}/carts/{cart_id}",
        Operation::UpdateCart,
    ),
    (
        "POST",
        "/v1/customers/{customer_id}/carts/{cart_id}/checkout",
        Operation::CheckoutCart,
    ),
    ("GET", "/v1/customers/{customer_id}/orders", Operation::GetOrders),
    (
        "GET",
        "/v1/customers/{customer_id}/orders/{order_id}",
        Operation::GetOrder,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/orders/{order_id}/provisioningstatus",
        Operation::GetOrderProvisioningStatus,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/subscriptions",
        Operation::GetSubscriptions,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/subscriptions/{subscription_id}",
        Operation::GetSubscription,
    ),
    (
        "PATCH",
        "/v1/customers/{customer_id}/subscriptions/{subscription_id}",
        Operation::UpdateSubscription,
    ),
    ("GET", "/v1/customers/{customer_id}/users", Operation::GetCustomerUsers),
    (
        "POST",
        "/v1/customers/{customer_id}/users",
        Operation::CreateCustomerUser,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/users/{user_id}",
        Operation::GetCustomerUser,
    ),
    (
        "DELETE",
        "/v1/customers/{customer_id}/users/{user_id}",
        Operation::DeleteCustomerUser,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/users/{user_id}/licenses",
        Operation::GetUserLicenses,
    ),
    (
        "POST",
        "/v1/customers/{customer_id}/users/{user_id}/licenseupdates",
        Operation::UpdateUserLicenses,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/subscribedskus",
        Operation::GetSubscribedSkus,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/applicationconsents",
        Operation::GetApplicationConsents,
    ),
    (
        "POST",
        "/v1/customers/{customer_id}/applicationconsents",
        Operation::CreateApplicationConsent,
    ),
    (
        "DELETE",
        "/v1/customers/{customer_id}/applicationconsents/{application_id}",
        Operation::DeleteApplicationConsent,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/subscriptions/{subscription_id}/transitionEligibilities",
        Operation::GetTransitionEligibilities,
    ),
    (
        "POST",
        "/v1/customers/{customer_id}/subscriptions/{subscription_id}/transitions",
        Operation::CreateTransition,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/directoryroles",
        Operation::GetCustomerDirectoryRoles,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/users/{user_id}/directoryroles",
        Operation::GetUserDirectoryRoles,
    ),
    (
        "GET",
        "/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers",
        Operation::GetDirectoryRoleMembers,
    ),
    (
        "POST",
        "/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers",
        Operation::AddDirectoryRoleMember,
    ),
    (
        "DELETE",
        "/v1/customers/{customer_id}/directoryroles/{role_id}/usermembers/{user_id}",
        Operation::RemoveDirectoryRoleMember,
    ),
    ("GET", "/webhooks/v1/registration/events", Operation::GetWebhookEvents),
    ("GET", "/webhooks/v1/registration", Operation::GetWebhookRegistration),
    ("POST", "/webhooks/v1/registration", Operation::RegisterWebhook),
    ("PUT", "/webhooks/v1/registration", Operation::UpdateWebhookRegistration),
    (
        "DELETE",
        "/webhooks/v1/registration",
        Operation::DeleteWebhookRegistration,
    ),
    (
        "POST",
        "/webhooks/v1/registration/validationEvents",
        Operation::CreateWebhookValidationEvent,
    ),
    (
        "GET",
        "/webhooks/v1/registration/validationEvents/{correlation_id}",
        Operation::GetWebhookValidationEvent,
    ),
];

/// The path as the router declares it, for a request path the real front door would take:
/// literal segments in any case (`/V1/Customers`), a trailing slash (the documented PATCH
/// customer URI ends in one). Parameters keep their spelling. `None` when no route has the
/// path's shape (it is left to the router's 404).
pub fn canonical_path(path: &str) -> Option<String> {
    let trimmed = path.strip_suffix('/').filter(|p| !p.is_empty()).unwrap_or(path);
    let n = trimmed.split('/').count();
    // On every /v1 request: no allocation unless the path must change.
    let mut best: Option<&Template> = None;
    for t in TEMPLATES.iter().filter(|t| t.segments.len() == n) {
        let fits = t
            .segments
            .iter()
            .zip(trimmed.split('/'))
            .all(|(t, s)| t.starts_with('{') || t.eq_ignore_ascii_case(s));
        // Literal routes win over parameter ones (`/customers/relationshiprequests` over `/customers/{id}`).
        if fits && best.is_none_or(|b| t.literals > b.literals) {
            best = Some(t);
        }
    }
    let t = best?;
    let exact = trimmed.len() == path.len()
        && t.segments
            .iter()
            .zip(trimmed.split('/'))
            .all(|(t, s)| t.starts_with('{') || *t == s);
    if exact {
        return None;
    }
    let out: Vec<&str> = t
        .segments
        .iter()
        .zip(trimmed.split('/'))
        .map(|(t, s)| if t.starts_with('{') { s } else { *t })
        .collect();
    let out = out.join("/");
    (out != path).then_some(out)
}

/// A route template cut into its segments once, with its count of literal segments.
struct Template {
    segments: Vec<&'static str>,
    literals: usize,
}

/// [`ROUTES`] by (method, template).
static BY_ROUTE: std::sync::LazyLock<std::collections::HashMap<(&'static str, &'static str), Operation>> =
    std::sync::LazyLock::new(|| ROUTES.iter().map(|(m, t, op)| ((*m, *t), *op)).collect());

/// The distinct templates of [`ROUTES`], split once.
static TEMPLATES: std::sync::LazyLock<Vec<Template>> = std::sync::LazyLock::new(|| {
    let mut seen: Vec<&str> = Vec::new();
    let mut out = Vec::new();
    for (_, t, _) in ROUTES {
        if seen.contains(t) {
            continue;
        }
        seen.push(t);
        let segments: Vec<&'static str> = t.split('/').collect();
        let literals = segments.iter().filter(|s| !s.starts_with('{')).count();
        out.push(Template { segments, literals });
    }
    out
});

impl Operation {
    /// The operation a matched route serves.
    pub fn from_route(method: &str, template: &str) -> Option<Operation> {
        // Every /v1 request asks: one hash lookup, a scan only for an unusual method spelling.
        let find = |method: &str| {
            BY_ROUTE.get(&(method, template)).copied().or_else(|| {
                ROUTES
                    .iter()
                    .find(|(m, t, _)| m.eq_ignore_ascii_case(method) && *t == template)
                    .map(|(_, _, op)| *op)
            })
        };
        // HEAD of a GET route is that GET without its body (HTTP semantics; axum serves it so).
        find(method).or_else(|| method.eq_ignore_ascii_case("HEAD").then(|| find("GET")).flatten())
    }

    pub fn access(self) -> Access {
        use Operation::*;
        let (app_only, roles) = match self {
            GetLegalBusinessProfile => (true, ANY_ROLE),
            UpdateLegalBusinessProfile | UpdateOrganizationProfile => (false, LEGAL_EDITORS),
            GetOrganizationProfile | GetMpnProfile => (false, ANY_ROLE),
            GetRoles | GetRoleMembers => (false, ROLE_READERS),
            AddRoleMember | RemoveRoleMember => (false, ROLE_WRITERS),
            GetNonMfaCompliantPrincipals | GetApplicationMfaAdoptionStatus | GetPartnerRequests => {
                (false, SECURITY_REPORTS)
            }
            GetAgreementMetadata => (false, ANY_ROLE),
            GetCustomerAgreements | CreateCustomerAgreement | GetAgreementStatus => (false, ORDER_AGENTS),
            GetCustomerRelationshipRequest => (false, ORDER_AGENTS),
            GetRelationships => (false, RELATIONSHIP_READERS),
            GetCustomers | GetCustomer => (true, CUSTOMER_READERS),
            CreateCustomer => (true, ORDER_AGENTS),
            GetCustomerRelationships => (false, CUSTOMER_READERS),
            ValidateResellers => (true, RESELLER_VALIDATORS),
            GetRole => (false, ROLE_READERS),
            GetCustomerCompanyProfile => (false, CUSTOMER_READERS),
            GetCustomerBillingProfile => (true, CUSTOMER_READERS),
            UpdateCustomerBillingProfile | DeleteCustomer => (true, ORDER_AGENTS),
            UpdateCustomer | GetDirectSignedMcaStatus => (false, ORDER_AGENTS),
            CheckDomainExists | CheckDomainAvailability => (true, ORDER_AGENTS),
            ValidateAddress | GetCountryValidationRules => (true, ANY_ROLE),
            GetProducts | GetProduct | GetSkus | GetSku | GetAvailabilities | GetAvailability => (true, ANY_ROLE),
            GetCustomerProducts | GetCustomerProduct | GetCustomerSkus | GetCustomerAvailabilities => {
                (true, CUSTOMER_READERS)
            }
            CreateCart | GetCart | UpdateCart | CheckoutCart | UpdateSubscription => (true, ORDER_AGENTS),
            GetOrders | GetOrder | GetOrderProvisioningStatus | GetSubscriptions | GetSubscription => {
                (true, CUSTOMER_READERS)
            }
            GetCustomerUsers | GetCustomerUser | GetUserLicenses | GetSubscribedSkus | GetApplicationConsents => {
                (true, CUSTOMER_READERS)
            }
            CreateCustomerUser | DeleteCustomerUser | UpdateUserLicenses => (true, TENANT_ADMINS),
            CreateApplicationConsent | DeleteApplicationConsent => (true, TENANT_ADMINS),
            // transition-a-new-commerce-subscription.md: Global admin and Admin agent.
            GetTransitionEligibilities | CreateTransition => (true, TENANT_ADMINS),
            // get-user-roles-for-a-customer.md and its kin: App+User (Global admin, Admin agent).
            GetCustomerDirectoryRoles | GetUserDirectoryRoles | GetDirectoryRoleMembers => (false, TENANT_ADMINS),
            AddDirectoryRoleMember | RemoveDirectoryRoleMember => (false, TENANT_ADMINS),
            GetWebhookEvents | GetWebhookRegistration | GetWebhookValidationEvent => (true, TENANT_ADMINS),
            RegisterWebhook | UpdateWebhookRegistration | DeleteWebhookRegistration | CreateWebhookValidationEvent => {
                (true, TENANT_ADMINS)
            }
        };
        Access { app_only, roles }
    }

    /// The name `/v1/partnerRequests` reports, e.g. `Get /v{version}/partnerRequests`.
    pub fn name(self) -> &'static str {
        static NAMES: std::sync::OnceLock<Vec<(Operation, String)>> = std::sync::OnceLock::new();
        let names = NAMES.get_or_init(|| {
            ROUTES
                .iter()
                .map(|(method, template, op)| {
                    let mut m = method.to_ascii_lowercase();
                    if let Some(first) = m.get_mut(0..1) {
                        first.make_ascii_uppercase();
                    }
                    (*op, format!("{m} /v{{version}}{}", template.trim_start_matches("/v1")))
                })
                .collect()
        });
        names
            .iter()
            .find(|(op, _)| *op == self)
            .map_or("Get /v{version}/", |(_, n)| n.as_str())
    }
}

/// The MFA policy that applies to a caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaPolicy {
    /// The sandbox enforces MFA for App+User calls (the real service does since 2024).
    pub enforced: bool,
    /// The caller's tenant holds a technical exception.
    pub tenant_exception: bool,
}

/// Who is calling, as far as access is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallerKind<'a> {
    AppOnly,
    AppUser { mfa: bool, roles: &'a [Role] },
}

/// Why a call is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denial {
    /// The operation needs an App+User token.
    AppOnlyNotSupported,
    /// An App+User token without `mfa` in `amr`.
    MfaRequired,
    /// The user has none of the roles the operation allows.
    Role,
}

/// The gate every `/v1` call passes: app-only where allowed, then MFA, then roles.
pub fn authorize(op: Operation, caller: &CallerKind<'_>, policy: MfaPolicy) -> Result<(), Denial> {
    let access = op.access();
    match caller {
        CallerKind::AppOnly if access.app_only => Ok(()),
        CallerKind::AppOnly => Err(Denial::AppOnlyNotSupported),
        CallerKind::AppUser { mfa, roles } => {
            if !mfa && policy.enforced && !policy.tenant_exception {
                return Err(Denial::MfaRequired);
            }
            if roles.iter().any(|r| access.roles.contains(r)) {
                Ok(())
            } else {
                Err(Denial::Role)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENFORCED: MfaPolicy = MfaPolicy {
        enforced: true,
        tenant_exception: false,
    };

    #[test]
    fn every_route_maps_to_its_operation_and_back() {
        for (m, t, op) in ROUTES {
            assert_eq!(Operation::from_route(m, t), Some(*op));
        }
        assert_eq!(Operation::from_route("get", "/v1/roles"), Some(Operation::GetRoles));
        assert_eq!(Operation::from_route("PATCH", "/v1/roles"), None);
        assert_eq!(Operation::from_route("HEAD", "/v1/roles"), Some(Operation::GetRoles));
        assert_eq!(
            Operation::from_route("HEAD", "/v1/domains/{domain}"),
            Some(Operation::CheckDomainExists)
        );
        assert_eq!(
            Operation::GetNonMfaCompliantPrincipals.name(),
            "Get /v{version}/nonMfaCompliantPartnerPrincipals"
        );
        assert_eq!(
            Operation::RemoveRoleMember.name(),
            "Delete /v{version}/roles/{role_id}/usermembers/{user_id}"
        );
    }

    #[test]
    fn app_only_tokens_pass_only_where_the_operation_allows_them() {
        let app = CallerKind::AppOnly;
        assert_eq!(authorize(Operation::GetLegalBusinessProfile, &app, ENFORCED), Ok(()));
        assert_eq!(
            authorize(Operation::UpdateLegalBusinessProfile, &app, ENFORCED),
            Err(Denial::AppOnlyNotSupported)
        );
        assert_eq!(
            authorize(Operation::GetPartnerRequests, &app, ENFORCED),
            Err(Denial::AppOnlyNotSupported)
        );
    }

    #[test]
    fn app_user_tokens_without_mfa_are_refused_unless_lifted() {
        let roles = [Role::GlobalAdmin];
        let no_mfa = CallerKind::AppUser {
            mfa: false,
            roles: &roles,
        };
        let op = Operation::GetLegalBusinessProfile;
        assert_eq!(authorize(op, &no_mfa, ENFORCED), Err(Denial::MfaRequired));
        let exception = MfaPolicy {
            enforced: true,
            tenant_exception: true,
        };
        assert_eq!(authorize(op, &no_mfa, exception), Ok(()));
        let off = MfaPolicy {
            enforced: false,
            tenant_exception: false,
        };
        assert_eq!(authorize(op, &no_mfa, off), Ok(()));
    }

    #[test]
    fn mfa_comes_before_roles_and_roles_decide_the_rest() {
        let sales = [Role::SalesAgent];
        let op = Operation::UpdateLegalBusinessProfile;
        let without = CallerKind::AppUser {
            mfa: false,
            roles: &sales,
        };
        assert_eq!(authorize(op, &without, ENFORCED), Err(Denial::MfaRequired));
        let with = CallerKind::AppUser {
            mfa: true,
            roles: &sales,
        };
        assert_eq!(authorize(op, &with, ENFORCED), Err(Denial::Role));
        assert_eq!(authorize(Operation::GetLegalBusinessProfile, &with, ENFORCED), Ok(()));
        let nobody = CallerKind::AppUser { mfa: true, roles: &[] };
        assert_eq!(
            authorize(Operation::GetLegalBusinessProfile, &nobody, ENFORCED),
            Err(Denial::Role)
        );
        let admin = [Role::AccountAdmin];
        let account_admin = CallerKind::AppUser {
            mfa: true,
            roles: &admin,
        };
        assert_eq!(authorize(op, &account_admin, ENFORCED), Ok(()));
        assert_eq!(
            authorize(Operation::AddRoleMember, &account_admin, ENFORCED),
            Err(Denial::Role)
        );
    }

    #[test]
    fn paths_are_matched_in_any_case_and_with_a_trailing_slash() {
        let id = "4D3CF487-70F4-4E1E-9FF1-B2BFCE8D9F04";
        assert_eq!(
            canonical_path(&format!("/V1/Customers/{id}/")).as_deref(),
            Some(format!("/v1/customers/{id}").as_str()),
            "the parameter keeps its case"
        );
        assert_eq!(
            canonical_path("/v1/customers/RelationshipRequests").as_deref(),
            Some("/v1/customers/relationshiprequests"),
            "a literal route wins over /customers/{{id}}"
        );
        assert_eq!(
            canonical_path("/v1/nonmfacompliantpartnerprincipals").as_deref(),
            Some("/v1/nonMfaCompliantPartnerPrincipals")
        );
        assert_eq!(canonical_path("/v1/customers"), None, "already canonical");
        assert_eq!(canonical_path("/v1/nothing/here"), None);
        assert_eq!(canonical_path("/"), None);
    }
}
