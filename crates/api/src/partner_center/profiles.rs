//! `/v1/profiles/legalbusiness`, `/v1/profiles/organization`, `/v1/profiles/mpn`: wire shapes of
//! SDKDOC `profile-resources.md` (camelCase out, any case in).

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use domain::profile::{Address, Contact, LegalBusinessProfile, OrganizationProfile};
use domain::vetting::VettingVersion;
use pcsandbox_core::partner_center::profiles::{LegalProfileView, OrganizationView};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::collection::{link, SelfLinks};
use super::error::PcError;
use super::extract::{Caller, PcJson, PcQuery};
use super::json_response;
use crate::AppState;

pub use domain::input::{AddressInput as AddressIn, ContactInput as ContactIn};

/// PUT body; read-only fields the client echoes back (vettingStatus, links, ...) are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LegalIn {
    #[serde(rename = "companyname")]
    company_name: Option<String>,
    address: Option<AddressIn>,
    #[serde(rename = "primarycontact")]
    primary_contact: Option<ContactIn>,
    #[serde(rename = "companyapproveraddress")]
    company_approver_address: Option<AddressIn>,
    #[serde(rename = "companyapproveremail")]
    company_approver_email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OrganizationIn {
    #[serde(rename = "companyname")]
    company_name: Option<String>,
    #[serde(rename = "defaultaddress")]
    default_address: Option<AddressIn>,
    email: Option<String>,
    language: Option<String>,
    culture: Option<String>,
    attributes: Option<AttributesIn>,
}

/// `attributes` of a resource a client echoes back: its etag matters.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AttributesIn {
    pub etag: Option<String>,
}

/// The etag a client sends: `If-Match`, else the body's `attributes.etag`.
pub fn sent_etag(headers: &HeaderMap, attributes: Option<AttributesIn>) -> Option<String> {
    headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| attributes.and_then(|a| a.etag))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AddressOut<'a> {
    country: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
    city: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    state: Option<&'a str>,
    address_line1: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_line2: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_line3: Option<&'a str>,
    postal_code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    middle_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<&'a str>,
}

pub(crate) fn address_out(a: &Address) -> AddressOut<'_> {
    AddressOut {
        country: &a.country,
        region: a.region.as_deref(),
        city: &a.city,
        state: a.state.as_deref(),
        address_line1: &a.address_line1,
        address_line2: a.address_line2.as_deref(),
        address_line3: a.address_line3.as_deref(),
        postal_code: &a.postal_code,
        first_name: a.first_name.as_deref(),
        middle_name: a.middle_name.as_deref(),
        last_name: a.last_name.as_deref(),
        phone_number: a.phone_number.as_deref(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContactOut<'a> {
    first_name: &'a str,
    last_name: &'a str,
    email: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    phone_number: Option<&'a str>,
}

pub(crate) fn contact_out(c: &Contact) -> ContactOut<'_> {
    ContactOut {
        first_name: &c.first_name,
        last_name: &c.last_name,
        email: &c.email,
        phone_number: c.phone_number.as_deref(),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LegalOut<'a> {
    company_name: &'a str,
    address: AddressOut<'a>,
    primary_contact: ContactOut<'a>,
    company_approver_address: AddressOut<'a>,
    company_approver_email: &'a str,
    vetting_status: &'static str,
    vetting_sub_status: &'static str,
    profile_type: &'static str,
    links: SelfLinks<'static>,
    attributes: LegalAttributes<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LegalAttributes<'a> {
    etag: &'a str,
    object_type: &'static str,
}

/// Without an approver of its own, the company's approver is at the company's address (as the
/// documented GET shows it: the address without the contact's name and phone) and is the
/// primary contact.
fn approver_default(a: &Address) -> AddressOut<'_> {
    AddressOut {
        first_name: None,
        middle_name: None,
        last_name: None,
        phone_number: None,
        ..partner_address_out(a)
    }
}

/// The partner's addresses as the documented profile GETs show them: `addressLine2` always
/// (`""` when there is none).
fn partner_address_out(a: &Address) -> AddressOut<'_> {
    AddressOut {
        address_line2: Some(a.address_line2.as_deref().unwrap_or_default()),
        ..address_out(a)
    }
}

fn legal_out(v: &LegalProfileView) -> LegalOut<'_> {
    let p = &v.profile;
    let c = &p.primary_contact;
    LegalOut {
        company_approver_address: p
            .company_approver_address
            .as_ref()
            .map(partner_address_out)
            .unwrap_or_else(|| approver_default(&p.address)),
        company_approver_email: p.approver_email(),
        company_name: &p.company_name,
        // The legal address names the person at it; without one of its own, the primary
        // contact (as the documented GET shows: the contact's name and phone).
        address: AddressOut {
            first_name: p.address.first_name.as_deref().or(Some(&c.first_name)),
            last_name: p.address.last_name.as_deref().or(Some(&c.last_name)),
            phone_number: p.address.phone_number.as_deref().or(c.phone_number.as_deref()),
            ..partner_address_out(&p.address)
        },
        primary_contact: contact_out(&p.primary_contact),

        vetting_status: v.vetting_status.wire(),
        vetting_sub_status: v.vetting_sub_status.wire(),
        profile_type: "LegalBusinessProfile",
        links: SelfLinks::to("/profiles/legalbusiness"),
        attributes: LegalAttributes {
            etag: &v.etag,
            object_type: "LegalBusinessProfile",
        },
    }
}

fn organization_out(v: &OrganizationView) -> Value {
    let p = &v.profile;
    let mut out = json!({
        "id": v.tenant_id.to_string(),
        "companyName": p.company_name,
    });
    if let Some(a) = &p.default_address {
        // As documented: the phone is "" when there is none.
        out["defaultAddress"] = json!(AddressOut {
            phone_number: Some(a.phone_number.as_deref().unwrap_or_default()),
            ..partner_address_out(a)
        });
    }
    out["tenantId"] = json!(v.tenant_id.to_string());
    out["domain"] = json!(v.domain);
    out["email"] = json!(p.email);
    out["language"] = json!(p.language);
    out["culture"] = json!(p.culture);
    out["profileType"] = json!("OrganizationProfile");
    out["links"] = json!({"self": link("/profiles/organization")});
    out["attributes"] = json!({"etag": v.etag, "objectType": "OrganizationProfile"});
    out
}

/// `GET /v1/profiles/legalbusiness[?vettingVersion=None|Current|LastFinalized]` (SDK default Current).
pub async fn get_legal(State(s): State<AppState>, Caller(who): Caller, q: PcQuery) -> Result<Response, PcError> {
    let version = match q.get("vettingVersion") {
        None => VettingVersion::default(),
        Some(v) => VettingVersion::parse(v)
            .ok_or_else(|| PcError::bad_enum("vettingVersion", v, &VettingVersion::ALL.map(VettingVersion::wire)))?,
    };
    let view = s.core.legal_business_profile(&who, version).await?;
    Ok(json_response(&legal_out(&view)))
}

pub async fn put_legal(
    State(s): State<AppState>,
    Caller(who): Caller,
    PcJson(body): PcJson<LegalIn>,
) -> Result<Response, PcError> {
    let profile = LegalBusinessProfile {
        company_name: body.company_name.unwrap_or_default(),
        address: body.address.unwrap_or_default().into(),
        primary_contact: body.primary_contact.unwrap_or_default().into(),
        // The SDK echoes what GET showed: a blank address is none (and the default approver is
        // not kept as one of its own, see `LegalBusinessProfile::validated`).
        company_approver_address: body
            .company_approver_address
            .filter(|a| !a.is_blank())
            .map(Address::from),
        company_approver_email: body.company_approver_email.filter(|e| !e.trim().is_empty()),
    };
    let view = s.core.update_legal_business_profile(&who, profile).await?;
    Ok(json_response(&legal_out(&view)))
}

pub async fn get_organization(State(s): State<AppState>, Caller(who): Caller) -> Result<Response, PcError> {
    let view = s.core.organization_profile(&who).await?;
    Ok(json_response(&organization_out(&view)))
}

pub async fn put_organization(
    State(s): State<AppState>,
    Caller(who): Caller,
    headers: HeaderMap,
    PcJson(body): PcJson<OrganizationIn>,
) -> Result<Response, PcError> {
    let etag = sent_etag(&headers, body.attributes);
    let profile = OrganizationProfile {
        company_name: body.company_name.unwrap_or_default(),
        default_address: body.default_address.map(Into::into),
        email: body.email.unwrap_or_default(),
        language: body.language.unwrap_or_default(),
        culture: body.culture.unwrap_or_default(),
    };
    let view = s
        .core
        .update_organization_profile(&who, profile, etag.as_deref())
        .await?;
    Ok(json_response(&organization_out(&view)))
}

/// `GET /v1/profiles/mpn[?mpnId=]`: an unknown ID is 404 with code 3000 (SDKDOC `get-partner-by-mpn-id.md`).
pub async fn get_mpn(State(s): State<AppState>, Caller(who): Caller, q: PcQuery) -> Result<Response, PcError> {
    let mpn_id = q.get("mpnId");
    if let Some(id) = mpn_id {
        if id.trim().is_empty() || !id.trim().chars().all(|c| c.is_ascii_digit()) {
            return Err(PcError::new(
                StatusCode::BAD_REQUEST,
                2000,
                format!("The mpnId '{id}' is not valid: a partner ID is a number."),
            )
            .with_data(vec![json!("mpnId")]));
        }
    }
    let view = s.core.mpn_profile(&who, mpn_id).await?;
    Ok(json_response(&json!({
        "partnerName": view.partner_name,
        "mpnId": view.mpn_id.to_string(),
        "profileType": "MpnProfile",
        "links": {"self": link("/profiles/mpn")},
        "attributes": {"objectType": "MpnProfile"},
    })))
}
