//! CSP routes of `/v1`: agreements, the MPA status check, indirect provider relationships,
//! customers and partner-of-record validation. Wire shapes of SDKDOC `agreement-resources.md`,
//! `relationships-resources.md`, `customer-resources.md` and `verify-indirect-reseller-mpa-status.md`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use domain::customer::{self, Customer, CustomerAgreement, NewAttestation, NewCustomer};
use domain::customer::{BillingUpdate, CustomerPatch};
use domain::vetting::enum_key;
use pcsandbox_core::partner_center::commerce::{CustomerRequest, RelationshipRequestLink, RelationshipView};
use serde::Deserialize;
use serde_json::{json, Value};
use store::csp::Side;

use super::collection::{link, whole};
use super::error::PcError;
use super::extract::{paging, Caller, PcJson, PcQuery};
use super::json_response;
use super::profiles::{address_out, contact_out, sent_etag, AddressIn, AttributesIn, ContactIn};
use crate::AppState;

pub async fn agreement_metadata(State(s): State<AppState>, q: PcQuery) -> Result<Response, PcError> {
    let items: Vec<Value> = s
        .core
        .agreement_metadata(q.get("agreementType"))?
        .into_iter()
        .map(|t| {
            json!({
                "templateId": t.template_id,
                "agreementType": t.agreement_type.as_str(),
                "agreementLink": t.agreement_link,
                "versionRank": t.version_rank,
            })
        })
        .collect();
    Ok(json_response(&whole(items, "/agreements")))
}

/// An attestation as `POST .../agreements` answers it (SDKDOC `confirm-customer-consent-customer-
/// agreement.md`: with the user who confirmed it) and, with the template's link, as the list shows
/// it (`get-confirmation-of-customer-agreement.md`; the list's example leaves `userId` out, the
/// resource table has it).
fn agreement_out(a: &CustomerAgreement, listed: bool) -> Value {
    let mut v = json!({
        "userId": a.user_id.to_string(),
        "primaryContact": contact_out(&a.primary_contact),
        "templateId": a.template_id,
        "dateAgreed": a.date_agreed.to_rfc3339_opts(SecondsFormat::Millis, true),
        "type": a.agreement_type.as_str(),
    });
    if listed {
        v["agreementLink"] = json!(a.agreement_type.template().agreement_link);
    }
    v
}

pub async fn customer_agreements(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let all = s
        .core
        .customer_agreements(&who, &customer, q.get("agreementType"))
        .await?;
    let items: Vec<Value> = all.iter().map(|a| agreement_out(a, true)).collect();
    // The documented list is bare: no links, no attributes.
    Ok(json_response(&json!({"totalCount": items.len(), "items": items})))
}

/// The Agreement a client posts (any key case).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgreementIn {
    #[serde(rename = "primarycontact")]
    primary_contact: Option<ContactIn>,
    #[serde(rename = "templateid")]
    template_id: Option<String>,
    #[serde(rename = "dateagreed")]
    date_agreed: Option<String>,
    #[serde(rename = "type")]
    agreement_type: Option<String>,
}

pub async fn create_customer_agreement(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(customer): Path<String>,
    PcJson(body): PcJson<AgreementIn>,
) -> Result<Response, PcError> {
    let n = NewAttestation {
        primary_contact: body.primary_contact.map(Into::into),
        template_id: body.template_id,
        date_agreed: body.date_agreed,
        agreement_type: body.agreement_type,
    };
    let a = s.core.attest_customer_agreement(&who, &customer, n).await?;
    Ok((StatusCode::CREATED, json_response(&agreement_out(&a, false))).into_response())
}

pub async fn agreement_status(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(program): Path<String>,
    q: PcQuery,
) -> Result<Response, PcError> {
    let signed = s
        .core
        .agreement_status(&who, &program, q.get("mpnId"), q.get("tenantId"))
        .await?;
    Ok(json_response(&json!({ "isAgreementSigned": signed })))
}

/// The caller's own relationship to the partner listed: a provider is the indirect CSP of its
/// resellers, a reseller the indirect reseller of its providers (SDKDOC examples of
/// `/v1/relationships` and `/v1/customers/{id}/relationships` alike).
fn relationship_type(side: Side) -> &'static str {
    match side {
        Side::Provider => "is_indirect_cloud_solution_provider_of",
        Side::Reseller => "is_indirect_reseller_of",
    }
}

fn relationship_out(r: &RelationshipView) -> Value {
    json!({
        "id": r.partner.tenant_id.to_string(),
        "name": r.partner.legal_business_profile.company_name,
        "relationshipType": relationship_type(r.side),
        "state": "Active",
        "mpnId": r.mpn_id.map(|m| m.to_string()),
        "location": r.location,
        "attributes": {"objectType": "PartnerRelationship"},
    })
}

pub async fn relationships(State(s): State<AppState>, Caller(who): Caller, q: PcQuery) -> Result<Response, PcError> {
    const TYPES: [&str; 2] = ["IsIndirectCloudSolutionProviderOf", "IsIndirectResellerOf"];
    let raw = q
        .get("relationship_type")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            PcError::invalid(
                "relationship_type",
                "relationship_type is required: IsIndirectCloudSolutionProviderOf or IsIndirectResellerOf.",
            )
        })?;
    let side = match enum_key(raw).as_str() {
        "isindirectcloudsolutionproviderof" => Side::Provider,
        "isindirectresellerof" => Side::Reseller,
        _ => return Err(PcError::bad_enum("relationship_type", raw, &TYPES)),
    };
    let filter = q
        .get("filter")
        .filter(|f| !f.trim().is_empty())
        .map(domain::csp::parse_relationship_filter)
        .transpose()
        .map_err(|f| PcError::from(pcsandbox_core::CoreError::Fault(f)))?;
    let items: Vec<Value> = s
        .core
        .relationships(&who, side)
        .await?
        .iter()
        .filter(|r| {
            filter
                .as_ref()
                .is_none_or(|f| f(&r.partner.legal_business_profile.company_name))
        })
        .map(relationship_out)
        .collect();
    Ok(json_response(&whole(items, "/relationships")))
}

/// `GET /v1/customers/relationshiprequests[?indirectResellerId=|indirectCloudSolutionProviderId=
/// &dualRoleIndirectRelationship=]`: the link a partner sends a customer to accept it as
/// reseller (SDKDOC `request-reseller-relationship.md`; the parameters are the swagger's).
pub async fn customer_relationship_request(
    State(s): State<AppState>,
    Caller(who): Caller,
    q: PcQuery,
) -> Result<Response, PcError> {
    let link = RelationshipRequestLink {
        indirect_cloud_solution_provider_id: q.get("indirectCloudSolutionProviderId").map(str::to_owned),
        indirect_reseller_id: q.get("indirectResellerId").map(str::to_owned),
        dual_role_indirect_relationship: q.get("dualRoleIndirectRelationship").map(str::to_owned),
    };
    let url = s.core.relationship_request_link(&who, &link).await?;
    Ok(json_response(
        &json!({"url": url, "attributes": {"objectType": "RelationshipRequest"}}),
    ))
}

/// `GET /v1/customers/{id}/profiles/company`.
pub async fn customer_company_profile(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, PcError> {
    let c = s.core.customer_of(&who, &id).await?;
    Ok(json_response(&company_out(&c, true)))
}

/// `GET /v1/customers/{id}/profiles/billing`.
pub async fn customer_billing_profile(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, PcError> {
    let c = s.core.customer_billing_profile(&who, &id).await?;
    Ok(json_response(&billing_out(&c)))
}

/// `PUT /v1/customers/{id}/profiles/billing`, with the etag in `If-Match` or, as the
/// documented example sends it, in `attributes.etag`.
pub async fn update_customer_billing_profile(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    PcJson(body): PcJson<BillingProfileIn>,
) -> Result<Response, PcError> {
    let u = BillingUpdate {
        etag: sent_etag(&headers, body.attributes),
        first_name: body.first_name,
        last_name: body.last_name,
        email: body.email,
        culture: body.culture,
        language: body.language,
        company_name: body.company_name,
        default_address: body.default_address.filter(|a| !a.is_blank()).map(Into::into),
    };
    let c = s.core.update_customer_billing_profile(&who, &id, u).await?;
    Ok(json_response(&billing_out(&c)))
}

/// The Customer of a PATCH (any key case); only the two documented changes are read.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CustomerPatchIn {
    #[serde(rename = "relationshiptopartner")]
    relationship_to_partner: Option<String>,
    #[serde(rename = "allowdelegatedaccess")]
    allow_delegated_access: Option<bool>,
}

/// `PATCH /v1/customers/{id}`: 200 with the PascalCase echo the documented example shows.
pub async fn patch_customer(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
    PcJson(body): PcJson<CustomerPatchIn>,
) -> Result<Response, PcError> {
    let p = CustomerPatch {
        relationship_to_partner: body.relationship_to_partner.clone(),
        allow_delegated_access: body.allow_delegated_access,
    };
    let c = s.core.patch_customer(&who, &id, p).await?;
    let relationship = match body.relationship_to_partner {
        Some(_) => c.relationship_to_partner.as_str(),
        None => "none",
    };
    Ok(json_response(&json!({
        "Id": null,
        "CommerceId": null,
        "CompanyProfile": null,
        "BillingProfile": null,
        "RelationshipToPartner": relationship,
        "AllowDelegatedAccess": body.allow_delegated_access,
        "UserCredentials": null,
        "CustomDomains": null,
        "AssociatedPartnerId": null,
        "Attributes": {"ObjectType": "Customer"},
    })))
}

/// `DELETE /v1/customers/{id}`: 204.
pub async fn delete_customer(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, PcError> {
    s.core.delete_customer(&who, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`: `{"isSigned": bool}`.
pub async fn direct_signed_mca(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, PcError> {
    let signed = s.core.direct_signed_mca(&who, &id).await?;
    Ok(json_response(&json!({ "isSigned": signed })))
}

/// `HEAD /v1/domains/{domain}`: 200 when the domain exists (not available), 404 when it is
/// free, both without a body (SDKDOC `verify-domain-availability.md`).
pub async fn head_domain(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(domain): Path<String>,
) -> Result<Response, PcError> {
    let status = if s.core.domain_in_use(&who, &domain).await? {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    Ok(status.into_response())
}

/// `GET /v1/validations/checkdomainavailability/{prefix}` (deprecated in the reference): `true`
/// when `prefix.onmicrosoft.com` is free.
pub async fn check_domain_availability(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(prefix): Path<String>,
) -> Result<Response, PcError> {
    let domain =
        customer::customer_domain(&prefix).map_err(|e| PcError::from(pcsandbox_core::CoreError::Invalid(e)))?;
    let taken = s.core.domain_in_use(&who, &domain).await?;
    Ok(json_response(&!taken))
}

/// The Address of `POST /v1/validations/address` (any key case).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PostalAddressIn {
    country: Option<String>,
    region: Option<String>,
    city: Option<String>,
    state: Option<String>,
    #[serde(rename = "addressline1")]
    address_line1: Option<String>,
    #[serde(rename = "addressline2")]
    address_line2: Option<String>,
    #[serde(rename = "addressline3")]
    address_line3: Option<String>,
    #[serde(rename = "postalcode")]
    postal_code: Option<String>,
}

/// `POST /v1/validations/address`: 200 with an AddressValidationResponse (the 2021 contract
/// of SDKDOC `validate-an-address.md`).
pub async fn validate_address(Caller(_): Caller, PcJson(body): PcJson<PostalAddressIn>) -> Result<Response, PcError> {
    let required = |name: &str, v: &Option<String>| -> Result<String, PcError> {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 200)
            .map(str::to_owned)
            .ok_or_else(|| PcError::invalid(name, format!("{name} is required (at most 200 characters).")))
    };
    let optional = |v: Option<String>| {
        v.map(|s| s.trim().chars().take(200).collect::<String>())
            .filter(|s| !s.is_empty())
    };
    let a = domain::market::PostalAddress {
        country: required("country", &body.country)?,
        city: required("city", &body.city)?,
        address_line1: required("addressLine1", &body.address_line1)?,
        postal_code: optional(body.postal_code).unwrap_or_default(),
        state: optional(body.state),
        region: optional(body.region),
        address_line2: optional(body.address_line2),
        address_line3: optional(body.address_line3),
    };
    let v = domain::market::validate_address(&a);
    let mut out = json!({
        "originalAddress": v.original,
        "suggestedAddresses": v.suggested,
        "status": v.status.as_str(),
    });
    if let Some(m) = v.message {
        out["validationMessage"] = json!(m);
    }
    Ok(json_response(&out))
}

/// `GET /v1/countryvalidationrules/{country}`: the CountryValidationRules resource.
pub async fn country_validation_rules(Caller(_): Caller, Path(country): Path<String>) -> Result<Response, PcError> {
    let rules = domain::market::rules(&country).ok_or_else(|| {
        PcError::not_found(format!(
            "pcsandbox has no validation rules for the country '{}'; it has them for {}.",
            country.trim(),
            domain::market::known_countries()
        ))
        .with_data(vec![json!("country")])
    })?;
    let mut out = json!(rules);
    out["attributes"] = json!({"objectType": "CountryValidationRules"});
    Ok(json_response(&out))
}

/// The billing profile as `GET .../profiles/billing` and the customer show it.
fn billing_out(c: &Customer) -> Value {
    let b = &c.billing_profile;
    let mut address = json!(address_out(&b.default_address));
    if b.default_address.phone_number.is_none() {
        // SDKDOC `create-a-customer.md` answers a customer created without a phone with "".
        address["phoneNumber"] = json!("");
    }
    json!({
        "id": c.commerce_id.to_string(),
        "firstName": b.first_name,
        "lastName": b.last_name,
        "email": b.email,
        "culture": b.culture,
        "language": b.language,
        "companyName": b.company_name,
        "defaultAddress": address,
        "links": {"self": link(&format!("/customers/{}/profiles/billing", c.id))},
        "attributes": {"etag": b.etag(), "objectType": "CustomerBillingProfile"},
    })
}

/// The company profile (SDKDOC `get-a-customer-s-company-profile.md`): the address in the
/// company's form, with `region` where the billing address has `state`.
fn company_out(c: &Customer, full: bool) -> Value {
    let mut v = json!({
        "tenantId": c.id.to_string(),
        "domain": c.domain,
        "companyName": c.company_name,
    });
    if full {
        let a = &c.billing_profile.default_address;
        let mut address = json!({
            "country": a.country,
            "region": a.state.as_deref().or(a.region.as_deref()).unwrap_or_default(),
            "city": a.city,
            "addressLine1": a.address_line1,
            "postalCode": a.postal_code,
        });
        if let Some(l2) = a.address_line2.as_deref() {
            address["addressLine2"] = json!(l2);
        }
        if let Some(p) = a.phone_number.as_deref() {
            address["phoneNumber"] = json!(p);
        }
        v["address"] = address;
        v["email"] = json!(c.billing_profile.email);
        if let Some(r) = &c.organization_registration_number {
            v["organizationRegistrationNumber"] = json!(r);
        }
    }
    v["links"] = json!({"self": link(&format!("/customers/{}/profiles/company", c.id))});
    v["attributes"] = json!({"objectType": "CustomerCompanyProfile"});
    v
}

/// A customer as `GET /v1/customers/{id}` shows it (SDKDOC `get-a-customer-by-id.md`).
fn customer_out(c: &Customer) -> Value {
    let mut v = json!({
        "id": c.id.to_string(),
        "commerceId": c.commerce_id.to_string(),
        "companyProfile": company_out(c, true),
        "billingProfile": billing_out(c),
        "relationshipToPartner": c.relationship_to_partner.as_str(),
        "allowDelegatedAccess": c.allow_delegated_access,
        "customDomains": [c.domain],
    });
    if let Some(r) = c.associated_partner_id {
        v["associatedPartnerId"] = json!(r.to_string());
    }
    v["links"] = json!({"self": link(&format!("/customers/{}", c.id))});
    v["attributes"] = json!({"objectType": "Customer"});
    v
}

/// A customer as `POST /v1/customers` answers it (SDKDOC `create-a-customer.md`,
/// `create-a-customer-for-an-indirect-reseller.md`): the company profile without its address,
/// the billing profile without the names, no custom domains.
fn created_out(c: &Customer) -> Value {
    let mut v = customer_out(c);
    v["companyProfile"] = company_out(c, false);
    if let Some(b) = v["billingProfile"].as_object_mut() {
        b.remove("firstName");
        b.remove("lastName");
        b.remove("links");
    }
    if let Some(o) = v.as_object_mut() {
        o.remove("customDomains");
        o.remove("links");
    }
    v
}

/// A customer as the list shows it (SDKDOC `get-a-list-of-customers.md`: no billing profile).
fn customer_item(c: &Customer) -> Value {
    json!({
        "id": c.id.to_string(),
        "companyProfile": company_out(c, false),
        "relationshipToPartner": c.relationship_to_partner.as_str(),
        "links": {"self": link(&format!("/customers/{}", c.id))},
        "attributes": {"objectType": "Customer"},
    })
}

/// `GET /v1/customers[?size=&filter=]`, then `?seekOperation=` with the `MS-ContinuationToken`
/// header alone for the pages that follow (the token keeps size and filter).
pub async fn customers(
    State(s): State<AppState>,
    Caller(who): Caller,
    q: PcQuery,
    headers: HeaderMap,
) -> Result<Response, PcError> {
    let query_filter = q.get("filter").filter(|f| !f.trim().is_empty());
    let p = paging(&q, &headers, "customers", query_filter, domain::paging::MAX_PAGE_SIZE)?;
    let filter = p
        .params
        .as_deref()
        .map(customer::parse_customer_filter)
        .transpose()
        .map_err(|f| PcError::from(pcsandbox_core::CoreError::Fault(f)))?;
    let all = s.core.customers(&who, filter.as_ref()).await?;
    let mut self_uri = "/customers".to_owned();
    let mut sep = '?';
    if let Some(size) = q.get("size") {
        self_uri.push_str(&format!("{sep}size={}", size.trim()));
        sep = '&';
    }
    if let Some(f) = query_filter {
        self_uri.push_str(&format!(
            "{sep}{}",
            serde_urlencoded::to_string([("filter", f)]).unwrap_or_default()
        ));
    }
    Ok(json_response(&p.answer(&all, &self_uri, customer_item)))
}

pub async fn customer(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, PcError> {
    let c = s.core.customer_of(&who, &id).await?;
    Ok(json_response(&customer_out(&c)))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CompanyProfileIn {
    domain: Option<String>,
    #[serde(rename = "companyname")]
    company_name: Option<String>,
    #[serde(rename = "organizationregistrationnumber")]
    organization_registration_number: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BillingProfileIn {
    #[serde(rename = "firstname")]
    first_name: Option<String>,
    #[serde(rename = "lastname")]
    last_name: Option<String>,
    email: Option<String>,
    culture: Option<String>,
    language: Option<String>,
    #[serde(rename = "companyname")]
    company_name: Option<String>,
    #[serde(rename = "defaultaddress")]
    default_address: Option<AddressIn>,
    attributes: Option<AttributesIn>,
}

/// The Customer a client posts (any key case); read-only fields are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CustomerIn {
    #[serde(rename = "companyprofile")]
    company_profile: Option<CompanyProfileIn>,
    #[serde(rename = "billingprofile")]
    billing_profile: Option<BillingProfileIn>,
    #[serde(rename = "associatedpartnerid")]
    associated_partner_id: Option<String>,
    #[serde(rename = "enablegdapbydefault")]
    enable_gdap_by_default: Option<bool>,
}

pub async fn create_customer(
    State(s): State<AppState>,
    Caller(who): Caller,
    PcJson(body): PcJson<CustomerIn>,
) -> Result<Response, PcError> {
    let company = body.company_profile.unwrap_or_default();
    let billing = body.billing_profile.unwrap_or_default();
    let r = CustomerRequest {
        customer: NewCustomer {
            domain: company.domain,
            company_name: company.company_name,
            first_name: billing.first_name,
            last_name: billing.last_name,
            email: billing.email,
            culture: billing.culture,
            language: billing.language,
            billing_company_name: billing.company_name,
            default_address: billing.default_address.map(Into::into),
            organization_registration_number: company.organization_registration_number,
        },
        associated_partner_id: body.associated_partner_id,
        enable_gdap_by_default: body.enable_gdap_by_default,
    };
    let created = s.core.create_customer(&who, r).await?;
    let mut out = created_out(&created.customer);
    out["userCredentials"] = json!({"userName": created.user_name, "password": created.password});
    Ok((StatusCode::CREATED, json_response(&out)).into_response())
}

pub async fn customer_relationships(
    State(s): State<AppState>,
    Caller(who): Caller,
    Path(id): Path<String>,
) -> Result<Response, PcError> {
    let items: Vec<Value> = s
        .core
        .customer_relationships(&who, &id)
        .await?
        .iter()
        .map(|r| {
            json!({
                "id": r.partner.tenant_id.to_string(),
                "name": r.partner.legal_business_profile.company_name,
                "relationshipType": relationship_type(r.side),
                "mpnId": r.mpn_id.map(|m| m.to_string()),
                "attributes": {"objectType": "PartnerRelationship"},
            })
        })
        .collect();
    Ok(json_response(&whole(items, &format!("/customers/{id}/relationships"))))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ValidateIn {
    #[serde(rename = "partnerids")]
    partner_ids: Option<Vec<String>>,
}

pub async fn validate_resellers(
    State(s): State<AppState>,
    Caller(who): Caller,
    PcJson(body): PcJson<ValidateIn>,
) -> Result<Response, PcError> {
    let ids = body.partner_ids.unwrap_or_default();
    let results = s.core.validate_resellers(&who, &ids).await?;
    Ok(json_response(&json!({ "validationResults": results })))
}
