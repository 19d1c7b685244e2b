//! Customers a CSP partner creates (`POST /v1/customers`, optionally for an indirect reseller
//! with `associatedPartnerId`), the customer list's filter, and the customer agreement
//! attestations (`/v1/customers/{id}/agreements`) with the agreement templates of `/v1/agreements`.
//! Shapes follow SDKDOC `customer-resources.md` and `agreement-resources.md`.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fault::Fault;
use crate::profile::{self, Address, Contact};
use crate::{FieldError, TenantId, UserId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingProfile {
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub culture: String,
    pub language: String,
    pub company_name: String,
    pub default_address: Address,
}

impl BillingProfile {
    /// The profile's etag ([`crate::etag`]): it changes exactly when the profile does.
    pub fn etag(&self) -> String {
        crate::etag::of(self)
    }
}

/// `relationshipToPartner` (SDK `CustomerPartnerRelationship`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum RelationshipToPartner {
    None,
    #[default]
    Reseller,
    Advisor,
}

impl RelationshipToPartner {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Reseller => "reseller",
            Self::Advisor => "advisor",
        }
    }
}

fn yes() -> bool {
    true
}

/// A customer tenant of a CSP partner.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// The customer's tenant ID (`id` and `companyProfile.tenantId`).
    pub id: TenantId,
    pub commerce_id: uuid::Uuid,
    /// The partner that created it (a direct partner or an indirect provider).
    pub partner_tenant_id: TenantId,
    /// The indirect reseller it was created for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_partner_id: Option<TenantId>,
    /// `*.onmicrosoft.com`.
    pub domain: String,
    pub company_name: String,
    pub billing_profile: BillingProfile,
    pub created_at: DateTime<Utc>,
    /// The partner's relationship: `reseller` from creation, `none` once removed.
    #[serde(default)]
    pub relationship_to_partner: RelationshipToPartner,
    /// The delegated admin (DAP) relationship; removed with `allowDelegatedAccess: false`.
    #[serde(default = "yes")]
    pub allow_delegated_access: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_registration_number: Option<String>,
    /// When the customer accepted the Microsoft Customer Agreement itself (in the Microsoft 365
    /// admin center), as `directSignedMicrosoftCustomerAgreementStatus` reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mca_signed_directly_at: Option<DateTime<Utc>>,
}

/// Countries where the customer's phone number and organization registration ID are required
/// (SDKDOC `error-codes.md`, 600049/600051; elsewhere a registration ID is refused, 600002).
pub const REGISTRATION_COUNTRIES: [&str; 11] = ["AM", "AZ", "BY", "HU", "KZ", "KG", "MD", "RU", "TJ", "UZ", "UA"];

/// `culture` as Partner Center returns it: `EN-US` is stored as `en-US` (SDKDOC
/// `create-a-customer.md`); a culture that is not language-region is refused.
pub fn culture(field: &str, raw: &str) -> Result<String, FieldError> {
    let c = profile::text(field, raw, 2, 10)?;
    let mut parts = c.split(['-', '_']);
    let lang = parts.next().unwrap_or_default();
    let region = parts.next();
    let ok = (2..=3).contains(&lang.len())
        && lang.chars().all(|ch| ch.is_ascii_alphabetic())
        && region.is_none_or(|r| (2..=4).contains(&r.len()) && r.chars().all(|ch| ch.is_ascii_alphanumeric()))
        && parts.next().is_none();
    if !ok {
        return Err(FieldError::new(
            field,
            format!("'{c}' is not a culture such as en-US or ja-JP."),
        ));
    }
    Ok(match region {
        Some(r) => format!("{}-{}", lang.to_ascii_lowercase(), r.to_ascii_uppercase()),
        None => lang.to_ascii_lowercase(),
    })
}

/// A customer as the request describes it (every field optional until validated).
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub domain: Option<String>,
    pub company_name: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub culture: Option<String>,
    pub language: Option<String>,
    pub billing_company_name: Option<String>,
    pub default_address: Option<Address>,
    pub organization_registration_number: Option<String>,
}

/// What a new customer's request fixes: its domain, company name, billing profile and
/// registration ID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCustomer {
    pub domain: String,
    pub company_name: String,
    pub billing: BillingProfile,
    pub organization_registration_number: Option<String>,
}

/// Why a new customer is refused: a field rule, or a documented Partner Center error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerError {
    Field(FieldError),
    Fault(Fault),
}

impl From<FieldError> for CustomerError {
    fn from(e: FieldError) -> Self {
        CustomerError::Field(e)
    }
}

/// The initial domain: `prefix` or `prefix.onmicrosoft.com`, the prefix letters and digits
/// (Microsoft 365's rule, at most 27 characters).
pub fn customer_domain(raw: &str) -> Result<String, FieldError> {
    let field = "companyProfile.domain";
    let d = profile::text(field, raw, 1, 64)?.to_ascii_lowercase();
    let prefix = d.strip_suffix(".onmicrosoft.com").unwrap_or(&d);
    if prefix.is_empty() || prefix.len() > 27 || !prefix.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(FieldError::new(
            field,
            format!(
                "The domain prefix '{prefix}' must be 1 to 27 letters or digits (as in wingtiptoys.onmicrosoft.com)."
            ),
        ));
    }
    Ok(format!("{prefix}.onmicrosoft.com"))
}

fn required(field: &str, v: &Option<String>, max: usize) -> Result<String, FieldError> {
    profile::text(field, v.as_deref().unwrap_or(""), 1, max)
}

/// The country rules of SDKDOC `error-codes.md` 600002/600049/600051 for a customer in `country`.
fn country_rules(
    country: &str,
    phone: Option<&str>,
    registration: Option<&str>,
) -> Result<Option<String>, CustomerError> {
    let listed = REGISTRATION_COUNTRIES.contains(&country);
    let phone_missing = phone.is_none_or(|p| p.trim().is_empty());
    let registration = registration.map(str::trim).filter(|r| !r.is_empty());
    let fault = |code, text: &str, field: &str| {
        CustomerError::Fault(
            Fault::explained(
                400,
                code,
                text,
                format!(
                    "The rule applies to customers in {}; this one is in {country}.",
                    REGISTRATION_COUNTRIES.join(", ")
                ),
            )
            .with_data([field]),
        )
    };
    if listed && phone_missing {
        return Err(fault(
            600051,
            "Customer phone number is missing",
            "billingProfile.defaultAddress.phoneNumber",
        ));
    }
    match (listed, registration) {
        (true, None) => Err(fault(
            600049,
            "Organization registration ID information is missing",
            "companyProfile.organizationRegistrationNumber",
        )),
        (false, Some(_)) => Err(fault(
            600002,
            "Organization registration ID value is not supported",
            "companyProfile.organizationRegistrationNumber",
        )),
        (true, Some(r)) => Ok(Some(profile::text(
            "companyProfile.organizationRegistrationNumber",
            r,
            1,
            50,
        )?)),
        (false, None) => Ok(None),
    }
}

/// The company and billing profiles of a new customer.
pub fn validate_customer(n: &NewCustomer) -> Result<ValidCustomer, CustomerError> {
    let domain = customer_domain(n.domain.as_deref().unwrap_or(""))?;
    let address = n.default_address.clone().ok_or_else(|| {
        FieldError::new(
            "billingProfile.defaultAddress",
            "billingProfile.defaultAddress is required",
        )
    })?;
    let address = address
        .validated()
        .map_err(|e| e.within("billingProfile.defaultAddress"))?;
    let organization_registration_number = country_rules(
        &address.country,
        address.phone_number.as_deref(),
        n.organization_registration_number.as_deref(),
    )?;
    let billing_company = required(
        "billingProfile.companyName",
        &n.billing_company_name,
        profile::MAX_COMPANY_NAME,
    )?;
    let company_name = match n.company_name.as_deref().map(str::trim).filter(|c| !c.is_empty()) {
        Some(c) => profile::text("companyProfile.companyName", c, 1, profile::MAX_COMPANY_NAME)?,
        None => billing_company.clone(),
    };
    let billing = BillingProfile {
        first_name: profile::text(
            "billingProfile.defaultAddress.firstName",
            n.first_name.as_deref().or(address.first_name.as_deref()).unwrap_or(""),
            1,
            50,
        )?,
        last_name: profile::text(
            "billingProfile.defaultAddress.lastName",
            n.last_name.as_deref().or(address.last_name.as_deref()).unwrap_or(""),
            1,
            50,
        )?,
        email: profile::email("billingProfile.email", n.email.as_deref().unwrap_or(""))?,
        culture: culture("billingProfile.culture", n.culture.as_deref().unwrap_or(""))?,
        language: required("billingProfile.language", &n.language, 10)?,
        company_name: billing_company,
        default_address: address,
    };
    Ok(ValidCustomer {
        domain,
        company_name,
        billing,
        organization_registration_number,
    })
}

/// A billing profile as `PUT /v1/customers/{id}/profiles/billing` sends it.
#[derive(Debug, Clone, Default)]
pub struct BillingUpdate {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub culture: Option<String>,
    pub language: Option<String>,
    pub company_name: Option<String>,
    pub default_address: Option<Address>,
    /// `If-Match`, or the body's `attributes.etag` (the documented example sends only that).
    pub etag: Option<String>,
}

/// The updated billing profile. The etag must be the current one (400, 2055 "Etag is no
/// longer valid"; SDKDOC `update-a-customer-billing-profile.md` requires it); the address
/// keeps its country (a customer's country is fixed at creation) and its phone where the
/// country requires one.
pub fn update_billing(current: &BillingProfile, u: &BillingUpdate) -> Result<BillingProfile, CustomerError> {
    let etag = u.etag.as_deref().map(crate::etag::normalise).unwrap_or("");
    if etag.is_empty() {
        return Err(CustomerError::Fault(
            Fault::explained(
                400,
                2055,
                "Etag is no longer valid",
                "Send the profile's etag (attributes.etag of the last GET) in If-Match or in attributes.etag.",
            )
            .with_data(["If-Match"]),
        ));
    }
    if !crate::etag::matches(etag, &current.etag()) {
        return Err(CustomerError::Fault(
            Fault::explained(
                400,
                2055,
                "Etag is no longer valid",
                "The billing profile changed since that etag was read; GET it again and retry.",
            )
            .with_data(["If-Match"]),
        ));
    }
    let address = u
        .default_address
        .clone()
        .unwrap_or_else(|| current.default_address.clone())
        .validated()
        .map_err(|e| e.within("defaultAddress"))?;
    if !address.country.eq_ignore_ascii_case(&current.default_address.country) {
        return Err(FieldError::new(
            "defaultAddress.country",
            format!(
                "The customer's country ({}) cannot be changed.",
                current.default_address.country
            ),
        )
        .into());
    }
    if REGISTRATION_COUNTRIES.contains(&address.country.as_str()) && address.phone_number.is_none() {
        return Err(CustomerError::Fault(
            Fault::bad_request(600051, "Customer phone number is missing").with_data(["defaultAddress.phoneNumber"]),
        ));
    }
    let or = |v: &Option<String>, old: &str| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .unwrap_or(old)
            .to_owned()
    };
    Ok(BillingProfile {
        first_name: profile::text("firstName", &or(&u.first_name, &current.first_name), 1, 50)?,
        last_name: profile::text("lastName", &or(&u.last_name, &current.last_name), 1, 50)?,
        email: profile::email("email", &or(&u.email, &current.email))?,
        culture: culture("culture", &or(&u.culture, &current.culture))?,
        language: profile::text("language", &or(&u.language, &current.language), 1, 10)?,
        company_name: profile::text(
            "companyName",
            &or(&u.company_name, &current.company_name),
            1,
            profile::MAX_COMPANY_NAME,
        )?,
        default_address: address,
    })
}

/// `PATCH /v1/customers/{id}`: the partner removes its reseller relationship
/// (`relationshipToPartner: none`, SDKDOC `remove-a-reseller-relationship-with-a-customer.md`)
/// or its delegated admin privileges (`allowDelegatedAccess: false`, LEARN `remove-dap`).
#[derive(Debug, Clone, Default)]
pub struct CustomerPatch {
    pub relationship_to_partner: Option<String>,
    pub allow_delegated_access: Option<bool>,
}

/// What a patch changes. Only removals are possible: a relationship is re-established by the
/// customer accepting a new reseller request, DAP by a new admin relationship.
pub fn apply_patch(c: &Customer, p: &CustomerPatch) -> Result<Customer, CustomerError> {
    let mut out = c.clone();
    if let Some(raw) = p.relationship_to_partner.as_deref() {
        match crate::vetting::enum_key(raw).as_str() {
            "none" => out.relationship_to_partner = RelationshipToPartner::None,
            "reseller" if c.relationship_to_partner == RelationshipToPartner::Reseller => {}
            "reseller" | "advisor" => {
                return Err(FieldError::new(
                    "relationshipToPartner",
                    "A relationship is only removed here (none); the customer re-establishes it by accepting a reseller relationship request.",
                )
                .into())
            }
            _ => {
                return Err(CustomerError::Fault(Fault::bad_enum(
                    "relationshipToPartner",
                    raw,
                    &["none"],
                )))
            }
        }
    }
    match p.allow_delegated_access {
        Some(false) => out.allow_delegated_access = false,
        Some(true) if !c.allow_delegated_access => {
            return Err(FieldError::new(
                "allowDelegatedAccess",
                "Delegated admin privileges are not granted back by a PATCH; ask the customer for a new admin relationship.",
            )
            .into())
        }
        _ => {}
    }
    if p.relationship_to_partner.is_none() && p.allow_delegated_access.is_none() {
        return Err(FieldError::new(
            "relationshipToPartner",
            "The patch changes nothing: send relationshipToPartner \"none\" or allowDelegatedAccess false.",
        )
        .into());
    }
    Ok(out)
}

// --- The customer list's filter ---------------------------------------------------------------------

/// `filter={"Field":"IndirectReseller"|"IndirectCloudSolutionProvider"|"CompanyName"|"Domain",
/// "Value":...,"Operator":"starts_with"}` (SDK `CustomerSearchField`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerFilter {
    IndirectReseller(String),
    IndirectCloudSolutionProvider(String),
    CompanyName(String),
    Domain(String),
}

#[derive(Deserialize)]
struct RawFilter {
    #[serde(alias = "field")]
    #[serde(rename = "Field")]
    field: Option<String>,
    #[serde(alias = "value")]
    #[serde(rename = "Value")]
    value: Option<serde_json::Value>,
    #[serde(alias = "operator")]
    #[serde(rename = "Operator")]
    operator: Option<String>,
}

pub fn parse_customer_filter(raw: &str) -> Result<CustomerFilter, Fault> {
    let bad = |why: &str| Fault::bad_request(400056, format!("Invalid input: filter {why}.")).with_data(["filter"]);
    let f: RawFilter =
        serde_json::from_str(raw.trim()).map_err(|_| bad("must be a JSON object with Field, Value and Operator"))?;
    let value = match f.value {
        Some(serde_json::Value::String(s)) => s,
        Some(serde_json::Value::Number(n)) => n.to_string(),
        _ => return Err(bad("needs a Value")),
    };
    let op = crate::vetting::enum_key(f.operator.as_deref().unwrap_or("starts_with"));
    if op != "startswith" {
        return Err(Fault::bad_enum(
            "Operator",
            f.operator.as_deref().unwrap_or(""),
            &["starts_with"],
        ));
    }
    let field = f.field.unwrap_or_default();
    match crate::vetting::enum_key(&field).as_str() {
        "indirectreseller" => Ok(CustomerFilter::IndirectReseller(value)),
        "indirectcloudsolutionprovider" => Ok(CustomerFilter::IndirectCloudSolutionProvider(value)),
        "companyname" => Ok(CustomerFilter::CompanyName(value)),
        "domain" => Ok(CustomerFilter::Domain(value)),
        _ => Err(Fault::bad_enum(
            "Field",
            &field,
            &[
                "IndirectReseller",
                "IndirectCloudSolutionProvider",
                "CompanyName",
                "Domain",
            ],
        )),
    }
}

impl CustomerFilter {
    pub fn matches(&self, c: &Customer) -> bool {
        let starts = |s: &str, p: &str| s.to_lowercase().starts_with(&p.to_lowercase());
        match self {
            CustomerFilter::IndirectReseller(id) => c
                .associated_partner_id
                .is_some_and(|r| starts(&r.to_string(), id.trim())),
            CustomerFilter::IndirectCloudSolutionProvider(id) => {
                c.associated_partner_id.is_some() && starts(&c.partner_tenant_id.to_string(), id.trim())
            }
            CustomerFilter::CompanyName(p) => starts(&c.company_name, p),
            CustomerFilter::Domain(p) => starts(&c.domain, p),
        }
    }
}

// --- Agreements ---------------------------------------------------------------------------------------

/// Customer agreements a partner attests (`type` of the Agreement resource).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CustomerAgreementType {
    MicrosoftCloudAgreement,
    MicrosoftCustomerAgreement,
}

impl CustomerAgreementType {
    pub const ALL: [CustomerAgreementType; 2] = [Self::MicrosoftCloudAgreement, Self::MicrosoftCustomerAgreement];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MicrosoftCloudAgreement => "MicrosoftCloudAgreement",
            Self::MicrosoftCustomerAgreement => "MicrosoftCustomerAgreement",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|t| crate::vetting::enum_key(t.as_str()) == crate::vetting::enum_key(s))
    }

    pub fn template(self) -> &'static AgreementTemplate {
        TEMPLATES
            .iter()
            .find(|t| t.agreement_type == self)
            .unwrap_or(&TEMPLATES[0])
    }
}

/// AgreementMetaData of `GET /v1/agreements`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementTemplate {
    pub template_id: &'static str,
    pub agreement_type: CustomerAgreementType,
    pub agreement_link: &'static str,
    pub version_rank: u32,
}

/// The current templates (ids as SDKDOC `get-agreement-metadata.md` and
/// `get-customer-agreement-metadata.md` show them).
pub const TEMPLATES: [AgreementTemplate; 2] = [
    AgreementTemplate {
        template_id: "998b88de-aa99-4388-a42c-1b3517d49490",
        agreement_type: CustomerAgreementType::MicrosoftCloudAgreement,
        agreement_link: "https://docs.microsoft.com/partner-center/agreements",
        version_rank: 0,
    },
    AgreementTemplate {
        template_id: "117a77b0-9360-443b-8795-c6dedc750cf9",
        agreement_type: CustomerAgreementType::MicrosoftCustomerAgreement,
        agreement_link: "https://aka.ms/customeragreement",
        version_rank: 0,
    },
];

/// Which templates `GET /v1/agreements?agreementType=` lists: `MicrosoftCloudAgreement` when
/// left out (for backward compatibility), `*` for all.
pub fn agreement_templates(agreement_type: Option<&str>) -> Result<Vec<&'static AgreementTemplate>, Fault> {
    match agreement_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(vec![CustomerAgreementType::MicrosoftCloudAgreement.template()]),
        Some("*") => Ok(TEMPLATES.iter().collect()),
        Some(t) => CustomerAgreementType::parse(t)
            .map(|t| vec![t.template()])
            .ok_or_else(|| {
                Fault::bad_enum(
                    "agreementType",
                    t,
                    &["MicrosoftCloudAgreement", "MicrosoftCustomerAgreement", "*"],
                )
            }),
    }
}

/// Which attestations `GET /v1/customers/{id}/agreements[?agreementType=]` lists: the
/// MicrosoftCloudAgreement ones when the parameter is left out (SDKDOC
/// `get-customer-agreements.md`: "if not specified, defaults to MicrosoftCloudAgreement"), all for
/// `*`; `None` means every type.
pub fn attestation_filter(agreement_type: Option<&str>) -> Result<Option<CustomerAgreementType>, Fault> {
    match agreement_type.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(Some(CustomerAgreementType::MicrosoftCloudAgreement)),
        Some("*") => Ok(None),
        Some(t) => CustomerAgreementType::parse(t).map(Some).ok_or_else(|| {
            Fault::bad_enum(
                "agreementType",
                t,
                &["MicrosoftCloudAgreement", "MicrosoftCustomerAgreement", "*"],
            )
        }),
    }
}

/// A partner's confirmation that the customer accepted an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerAgreement {
    pub user_id: UserId,
    pub primary_contact: Contact,
    pub template_id: String,
    pub date_agreed: DateTime<Utc>,
    #[serde(rename = "type")]
    pub agreement_type: CustomerAgreementType,
}

#[derive(Debug, Clone, Default)]
pub struct NewAttestation {
    pub primary_contact: Option<Contact>,
    pub template_id: Option<String>,
    pub date_agreed: Option<String>,
    pub agreement_type: Option<String>,
}

/// `dateAgreed` as clients send it: RFC 3339, or a date-time without offset (UTC).
fn date_agreed(raw: &str) -> Result<DateTime<Utc>, FieldError> {
    let s = raw.trim();
    DateTime::parse_from_rfc3339(s)
        .map(|d| d.with_timezone(&Utc))
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map(|d| d.and_utc()))
        .or_else(|_| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        })
        .map_err(|_| {
            FieldError::new(
                "dateAgreed",
                format!("dateAgreed '{s}' is not a UTC date time such as 2018-06-14T00:00:00.000Z."),
            )
        })
}

/// A new attestation, refused with 600061 when one for the same agreement with the same contact
/// (first and last name, email, phone) exists.
pub fn attest(
    existing: &[CustomerAgreement],
    n: &NewAttestation,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<CustomerAgreement, CustomerError> {
    let raw_type = n
        .agreement_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            FieldError::new(
                "type",
                "type is required (MicrosoftCloudAgreement or MicrosoftCustomerAgreement).",
            )
        })?;
    let agreement_type = CustomerAgreementType::parse(raw_type).ok_or_else(|| {
        CustomerError::Fault(Fault::bad_enum(
            "type",
            raw_type,
            &["MicrosoftCloudAgreement", "MicrosoftCustomerAgreement"],
        ))
    })?;
    let template = agreement_type.template();
    let template_id = profile::text("templateId", n.template_id.as_deref().unwrap_or(""), 1, 64)?;
    if !template_id.eq_ignore_ascii_case(template.template_id) {
        return Err(FieldError::new(
            "templateId",
            format!(
                "templateId '{template_id}' is not the current {} template ({}); read it from GET /v1/agreements.",
                agreement_type.as_str(),
                template.template_id
            ),
        )
        .into());
    }
    let contact = n
        .primary_contact
        .as_ref()
        .ok_or_else(|| FieldError::new("primaryContact", "primaryContact is required"))?
        .validated()
        .map_err(|e| e.within("primaryContact"))?;
    let date = date_agreed(n.date_agreed.as_deref().unwrap_or(""))?;
    if date > now {
        return Err(FieldError::new("dateAgreed", "dateAgreed must not be in the future.").into());
    }
    let same = |a: &CustomerAgreement| {
        a.agreement_type == agreement_type
            && a.primary_contact.first_name == contact.first_name
            && a.primary_contact.last_name == contact.last_name
            && a.primary_contact.email.eq_ignore_ascii_case(&contact.email)
            && a.primary_contact.phone_number == contact.phone_number
    };
    if existing.iter().any(same) {
        const M: &str = "A partner confirmed agreement already exists for the customer.";
        return Err(CustomerError::Fault(
            Fault::bad_request(600061, M).extended("PartnerConfirmedAgreementAlreadyExists"),
        ));
    }
    Ok(CustomerAgreement {
        user_id: user,
        primary_contact: contact,
        template_id: template.template_id.to_owned(),
        date_agreed: date,
        agreement_type,
    })
}

#[cfg(test)]
#[path = "customer_tests.rs"]
mod tests;
