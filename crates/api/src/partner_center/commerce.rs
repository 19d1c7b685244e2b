//! CSP routes of `/v1`: agreements, the MPA status check, indirect provider relationships,
//! customers and partner-of-record validation. Wire shapes of SDKDOC `agreement-resources.md`,
//! `relationships-resources.md`, `customer-resources.md` and `verify-indirect-reseller-mpa-status.md`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use domain::customer::{self, Customer, CustomerAgreement, NewAttestation, NewCustomer};
use domain::vetting::enum_key;
use pcsandbox_core::partner_center::commerce::{CustomerRequest, RelationshipView};
use serde::Deserialize;
use serde_json::{json, Value};
use store::csp::Side;

use super::collection::{collection, link, whole};
use super::error::PcError;
use super::extract::{paging, Caller, PcJson, PcQuery};
use super::json_response;
use super::profiles::{address_out, contact_out, AddressIn, ContactIn};
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

fn agreement_out(a: &CustomerAgreement) -> Value {
    json!({
        "userId": a.user_id.to_string(),
        "primaryContact": contact_out(&a.primary_contact),
        "templateId": a.template_id,
        "dateAgreed": a.date_agreed.to_rfc3339_opts(SecondsFormat::Millis, true),
        "type": a.agreement_type.as_str(),
        "agreementLink": a.agreement_type.template().agreement_link,
        "attributes": {"objectType": "Agreement"},
    })
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
    let items: Vec<Value> = all.iter().map(agreement_out).collect();
    Ok(json_response(&whole(
        items,
        &format!("/customers/{customer}/agreements"),
    )))
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
    Ok((StatusCode::CREATED, json_response(&agreement_out(&a))).into_response())
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

fn relationship_out(r: &RelationshipView) -> Value {
    let kind = match r.side {
        Side::Provider => "is_indirect_cloud_solution_provider_of",
        Side::Reseller => "is_indirect_reseller_of",
    };
    json!({
        "id": r.partner.tenant_id.to_string(),
        "name": r.partner.legal_business_profile.company_name,
        "relationshipType": kind,
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

/// `GET /v1/customers/relationshiprequests`: the link a partner sends a customer to accept it
/// as reseller (SDKDOC `request-reseller-relationship.md`).
pub async fn customer_relationship_request(Caller(who): Caller) -> Response {
    let url = format!(
        "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId={}&msppId=0&DAP=false#/BillingAccounts/partner-invitation",
        who.tenant
    );
    json_response(&json!({"url": url, "attributes": {"objectType": "RelationshipRequest"}}))
}

/// The billing profile's etag: changes whenever the profile does.
fn billing_etag(b: &customer::BillingProfile) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_string(b).unwrap_or_default().hash(&mut h);
    format!("W/\"{:016x}\"", h.finish())
}

fn customer_out(c: &Customer) -> Value {
    let b = &c.billing_profile;
    let mut v = json!({
        "id": c.id.to_string(),
        "commerceId": c.commerce_id.to_string(),
        "companyProfile": {
            "tenantId": c.id.to_string(),
            "domain": c.domain,
            "companyName": c.company_name,
            "links": {"self": link(&format!("/customers/{}/profiles/company", c.id))},
            "attributes": {"objectType": "CustomerCompanyProfile"},
        },
        "billingProfile": {
            "id": c.commerce_id.to_string(),
            "firstName": b.first_name,
            "lastName": b.last_name,
            "email": b.email,
            "culture": b.culture,
            "language": b.language,
            "companyName": b.company_name,
            "defaultAddress": address_out(&b.default_address),
            "links": {"self": link(&format!("/customers/{}/profiles/billing", c.id))},
            "attributes": {"etag": billing_etag(b), "objectType": "CustomerBillingProfile"},
        },
        "relationshipToPartner": "reseller",
        "allowDelegatedAccess": true,
        "links": {"self": link(&format!("/customers/{}", c.id))},
        "attributes": {"objectType": "Customer"},
    });
    if let Some(r) = c.associated_partner_id {
        v["associatedPartnerId"] = json!(r.to_string());
    }
    v
}

pub async fn customers(
    State(s): State<AppState>,
    Caller(who): Caller,
    q: PcQuery,
    headers: HeaderMap,
) -> Result<Response, PcError> {
    let raw_filter = q.get("filter").filter(|f| !f.trim().is_empty());
    let filter = raw_filter
        .map(customer::parse_customer_filter)
        .transpose()
        .map_err(|f| PcError::from(pcsandbox_core::CoreError::Fault(f)))?;
    let scope = format!("customers|{}", raw_filter.unwrap_or(""));
    let p = paging(&q, &headers, &scope)?;
    let all = s.core.customers(&who, filter.as_ref()).await?;
    let (range, next) = p.page.slice(all.len());
    let items = all[range].iter().map(customer_out).collect();
    let self_uri = match raw_filter {
        Some(f) => format!(
            "/customers?filter={}",
            serde_urlencoded::to_string([("", f)])
                .unwrap_or_default()
                .trim_start_matches('=')
        ),
        None => "/customers".to_owned(),
    };
    Ok(json_response(&collection(
        items,
        all.len(),
        &self_uri,
        &scope,
        p.size,
        next,
    )))
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
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BillingProfileIn {
    email: Option<String>,
    culture: Option<String>,
    language: Option<String>,
    #[serde(rename = "companyname")]
    company_name: Option<String>,
    #[serde(rename = "defaultaddress")]
    default_address: Option<AddressIn>,
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
            first_name: None,
            last_name: None,
            email: billing.email,
            culture: billing.culture,
            language: billing.language,
            billing_company_name: billing.company_name,
            default_address: billing.default_address.map(Into::into),
        },
        associated_partner_id: body.associated_partner_id,
    };
    let created = s.core.create_customer(&who, r).await?;
    let mut out = customer_out(&created.customer);
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
            let kind = match r.side {
                Side::Provider => "is_indirect_reseller_of",
                Side::Reseller => "is_indirect_cloud_solution_provider_of",
            };
            json!({
                "id": r.partner.tenant_id.to_string(),
                "name": r.partner.legal_business_profile.company_name,
                "relationshipType": kind,
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
