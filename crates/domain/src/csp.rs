//! The CSP indirect reseller (STEP2 of the onboarding guide): enrollment with a PartnerLocation
//! ID, the Microsoft Partner Agreement, indirect provider relationships (STEP4), and the MPA
//! status check providers run before an order (`/v1/compliance/csp/agreementstatus`).
//!
//! Every rule here is pure: the use-cases in crates/core read the facts and apply these.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::fault::Fault;
use crate::mail_domain;
use crate::message::{Refusal, RefusalKind};
use crate::partner_id::{PartnerId, PartnerIdKind, PartnerIdRecord, PartnerIdStatus};
use crate::{TenantId, UserId};

/// 顧客サポート情報: what the customer sees in the Microsoft 365 admin center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SupportProfile {
    pub website: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A CSP indirect reseller account: the PartnerLocation ID it is associated with (識別子 > CSP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CspAccount {
    pub partner_id: PartnerId,
    /// The partner account that owns the associated ID (the CSP tenant itself or another one).
    pub location_tenant_id: TenantId,
    /// The CSP account's country (its tenant's; the form does not let it change).
    pub country: String,
    pub support: SupportProfile,
    pub enrolled_at: DateTime<Utc>,
}

/// Agreements a partner accepts in Partner Center (アカウント設定 > 契約).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PartnerAgreementType {
    MicrosoftPartnerAgreement,
}

impl PartnerAgreementType {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MicrosoftPartnerAgreement => "MicrosoftPartnerAgreement",
        }
    }

    /// Any casing; `MPA` too.
    pub fn parse(s: &str) -> Option<Self> {
        let k = crate::vetting::enum_key(s);
        (k == "microsoftpartneragreement" || k == "mpa").then_some(Self::MicrosoftPartnerAgreement)
    }
}

/// An accepted agreement: 同意日 and 同意者 on the agreements page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgreementAcceptance {
    pub agreement_type: PartnerAgreementType,
    pub accepted_at: DateTime<Utc>,
    pub accepted_by: UserId,
    pub accepted_by_upn: String,
}

fn seven_digits(id: impl std::fmt::Display) -> String {
    id.to_string()
}

const LOCATION_RULE_JA: &str = "場所のパートナー ID がアクティブで、CSP アカウントと同じ国にある必要があります。";
const LOCATION_RULE_EN: &str = "The location partner ID must be active and in the same country as the CSP account.";

/// The portal's refusal when the company name is taken (「今すぐ登録する」, STEP2 15).
pub const NAME_EXISTS_JA: &str =
    "この名前は既にシステムに存在します。名前を変更するか、Microsoft サポートにお問い合わせください";
pub const NAME_EXISTS_EN: &str = "This name already exists in the system. Change the name or contact Microsoft support";

/// What an enrollment is checked against, read by the use-case.
#[derive(Debug, Clone)]
pub struct EnrollmentFacts<'a> {
    /// The partner ID entered, as the sandbox knows it (`None`: no such ID).
    pub partner_id: Option<&'a PartnerIdRecord>,
    /// The ID as entered, for the messages.
    pub entered_id: &'a str,
    /// The CSP account's country.
    pub csp_country: &'a str,
    /// The company name exactly as entered.
    pub company_name: &'a str,
    /// The legal names of every partner account in the sandbox.
    pub existing_names: &'a [String],
    pub contact_email: &'a str,
    /// The ID is already associated with another CSP account.
    pub already_associated: bool,
    /// The ID belongs to the enrolling tenant's own partner account.
    pub owned: bool,
    /// The domains of the company owning the ID (its website's and its tenant's verified ones):
    /// another tenant may associate it when its contact's address is in one of them.
    pub owner_domains: &'a [String],
}

/// CSP indirect reseller enrollment: an active PartnerLocation ID in the CSP account's country,
/// a work email address, and a company name no partner account has exactly (a trailing space or
/// period makes it different, as in the real portal).
pub fn check_enrollment(f: &EnrollmentFacts) -> Result<(), Refusal> {
    let id = f.entered_id.trim();
    let Some(record) = f.partner_id else {
        return Err(Refusal::new(
            RefusalKind::NotFound,
            "PartnerIdNotFound",
            format!(
                "パートナー ID {id} が見つかりません。会社名またはパートナー ID (以前の MPN ID) を確認してください。"
            ),
            format!("Partner ID {id} was not found. Check the company name or partner ID (formerly MPN ID)."),
        )
        .on("partnerId"));
    };
    if record.kind == PartnerIdKind::PartnerGlobal {
        return Err(Refusal::new(
            RefusalKind::Invalid,
            "LocationIdRequired",
            format!(
                "パートナー ID {id} は種類が \"グローバル\" (PartnerGlobal) です。CSP トランザクションまたはインセンティブの計算では、\
                 種類が \"グローバル\" のパートナー ID を使用することはできません。種類が \"場所\" (PartnerLocation) のパートナー ID を関連付けてください。"
            ),
            format!(
                "Partner ID {id} is of type \"Global\" (PartnerGlobal). A partner ID of type \"Global\" can't be used for CSP \
                 transactions or incentive calculations. Associate a partner ID of type \"Location\" (PartnerLocation)."
            ),
        )
        .on("partnerId"));
    }
    if record.status != PartnerIdStatus::Active {
        return Err(Refusal::new(
            RefusalKind::Conflict,
            "LocationIdInactive",
            format!("{LOCATION_RULE_JA}パートナー ID {id} はまだアクティブではありません (法人プロフィールの確認が承認されると有効になります)。"),
            format!("{LOCATION_RULE_EN} Partner ID {id} is not active yet (it becomes active when the legal business profile is authorized)."),
        )
        .on("partnerId"));
    }
    if !record.country.eq_ignore_ascii_case(f.csp_country) {
        let (theirs, ours) = (&record.country, f.csp_country);
        return Err(Refusal::new(
            RefusalKind::Invalid,
            "CountryMismatch",
            format!(
                "{LOCATION_RULE_JA}パートナー ID {id} の国 ({theirs}) は CSP アカウントの国 ({ours}) と異なります。"
            ),
            format!("{LOCATION_RULE_EN} Partner ID {id} is in {theirs}; the CSP account is in {ours}."),
        )
        .on("partnerId"));
    }
    let contact_domain = mail_domain::email_domain(f.contact_email).unwrap_or_default();
    if !f.owned && !f.owner_domains.iter().any(|d| mail_domain::within(&contact_domain, d)) {
        return Err(Refusal::new(
            RefusalKind::Forbidden,
            "PartnerIdOfAnotherCompany",
            format!(
                "パートナー ID {id} は別の会社のパートナー アカウントのものです。自社のパートナー ID を関連付けるか、\
                 その会社のドメインのメール アドレスを第一連絡先にしてください。"
            ),
            format!(
                "Partner ID {id} belongs to another company's partner account. Associate your own partner ID, or \
                 give a primary contact whose email address is in that company's domain."
            ),
        )
        .on("partnerId"));
    }
    if f.already_associated {
        return Err(Refusal::new(
            RefusalKind::Conflict,
            "PartnerIdAlreadyAssociated",
            format!("パートナー ID {id} は既に別の CSP アカウントに関連付けられています。"),
            format!("Partner ID {id} is already associated with another CSP account."),
        )
        .on("partnerId"));
    }
    check_work_email(f.contact_email)?;
    if f.existing_names.iter().any(|n| n == f.company_name) {
        return Err(
            Refusal::new(RefusalKind::Conflict, "NameExists", NAME_EXISTS_JA, NAME_EXISTS_EN).on("companyName"),
        );
    }
    Ok(())
}

/// 「.onmicrosoft.com アドレスを含む、ウェブベースの電子メール サービスの電子メール アドレスはご利用いただけません。」
pub fn check_work_email(email: &str) -> Result<(), Refusal> {
    const JA: &str = ".onmicrosoft.com アドレスを含む、ウェブベースの電子メール サービスの電子メール アドレスはご利用いただけません。\
                      登録済みの法的な商号と住所に関連付けられた正式な会社のメール アドレスを指定してください。";
    const EN: &str =
        "Email addresses of web-based email services, including .onmicrosoft.com addresses, can't be used. \
                      Provide an official company email address associated with the registered legal name and address.";
    let domain = mail_domain::email_domain(email).unwrap_or_default();
    let code = if mail_domain::is_onmicrosoft(&domain) {
        "OnMicrosoftAddress"
    } else if mail_domain::is_webmail(&domain) {
        "WebmailAddress"
    } else {
        return Ok(());
    };
    Err(Refusal::new(RefusalKind::Invalid, code, JA, EN).on("primaryContact.email"))
}

/// The reseller's account when it is already enrolled.
pub fn already_enrolled(existing: &CspAccount) -> Refusal {
    let id = seven_digits(existing.partner_id);
    Refusal::new(
        RefusalKind::Conflict,
        "AlreadyEnrolled",
        format!("この組織アカウントは既に CSP 間接リセラーに登録されています (パートナー ID {id})。"),
        format!("This organization is already enrolled as a CSP indirect reseller (partner ID {id})."),
    )
}

/// Accepting the Microsoft Partner Agreement (the Global admin check is the caller's): the
/// account must be an indirect reseller whose legal business profile is authorized.
pub fn check_agreement_acceptance(
    enrolled: bool,
    profile_authorized: bool,
    accepted: &[AgreementAcceptance],
    t: PartnerAgreementType,
) -> Result<(), Refusal> {
    if !enrolled {
        return Err(Refusal::new(
            RefusalKind::Conflict,
            "NotEnrolled",
            "Microsoft Partner Agreement は CSP プログラムの契約です。先に CSP 間接リセラーに登録してください。",
            "The Microsoft Partner Agreement belongs to the CSP program. Enroll as a CSP indirect reseller first.",
        ));
    }
    if !profile_authorized {
        return Err(Refusal::new(
            RefusalKind::Conflict,
            "ProfileNotAuthorized",
            "法人プロフィールの確認の状態が「承認済み」になると、MPA に同意できます。",
            "You can accept the MPA once the legal business profile's verification status is Authorized.",
        ));
    }
    if let Some(a) = accepted.iter().find(|a| a.agreement_type == t) {
        let on = a.accepted_at.format("%Y/%m/%d");
        return Err(Refusal::new(
            RefusalKind::Conflict,
            "AgreementAlreadyAccepted",
            format!(
                "Microsoft Partner Agreement は {on} に {} が同意済みです。",
                a.accepted_by_upn
            ),
            format!(
                "{} accepted the Microsoft Partner Agreement on {on}.",
                a.accepted_by_upn
            ),
        ));
    }
    Ok(())
}

pub fn unknown_agreement_type() -> Refusal {
    Refusal::new(
        RefusalKind::Invalid,
        "UnknownAgreementType",
        "契約の種類には MicrosoftPartnerAgreement を指定してください。",
        "The agreement type is MicrosoftPartnerAgreement.",
    )
    .on("agreementType")
}

// --- Indirect provider relationships -------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RequestState {
    Pending,
    Postponed,
    Approved,
}

impl RequestState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Postponed => "postponed",
            Self::Approved => "approved",
        }
    }
}

/// A provider's invitation to a reseller (`/commerce/indirectresellers/relationshiprequest/{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelationshipRequest {
    pub id: String,
    pub provider_tenant_id: TenantId,
    pub reseller_tenant_id: TenantId,
    pub state: RequestState,
    pub invited_by: UserId,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<UserId>,
}

/// The reseller's answer on the request page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestDecision {
    /// 間接プロバイダーの承認 (needs the consent box ticked).
    Approve,
    /// 要求を延期する: the request stays open.
    Postpone,
}

impl RequestDecision {
    pub fn parse(s: &str) -> Option<Self> {
        match crate::vetting::enum_key(s).as_str() {
            "approve" | "approved" => Some(Self::Approve),
            "postpone" | "postponed" => Some(Self::Postpone),
            _ => None,
        }
    }
}

/// The consent text the reseller ticks (STEP4).
pub const CONSENT_JA: &str =
    "この Microsoft 間接プロバイダーが当社の顧客に Cloud Services を販売することに同意し、確認します。";
pub const CONSENT_EN: &str =
    "I agree and confirm that this Microsoft indirect provider may sell Cloud Services to our customers.";

impl RelationshipRequest {
    pub fn respond(
        &mut self,
        decision: RequestDecision,
        consent: bool,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), Refusal> {
        if self.state == RequestState::Approved {
            return Err(Refusal::new(
                RefusalKind::Conflict,
                "RequestAlreadyApproved",
                "この間接プロバイダー パートナーシップは既に承認されています。",
                "This indirect provider partnership is already approved.",
            ));
        }
        match decision {
            RequestDecision::Approve if !consent => Err(Refusal::new(
                RefusalKind::Invalid,
                "ConsentRequired",
                format!("間接プロバイダーを承認するには、「{CONSENT_JA}」にチェックを入れてください。"),
                format!("To approve the indirect provider, tick \"{CONSENT_EN}\""),
            )
            .on("consent")),
            RequestDecision::Approve => {
                self.state = RequestState::Approved;
                self.decided_at = Some(now);
                self.decided_by = Some(by);
                Ok(())
            }
            RequestDecision::Postpone => {
                self.state = RequestState::Postponed;
                self.decided_at = Some(now);
                self.decided_by = Some(by);
                Ok(())
            }
        }
    }
}

pub fn unknown_decision() -> Refusal {
    Refusal::new(
        RefusalKind::Invalid,
        "UnknownDecision",
        "decision には approve か postpone を指定してください。",
        "The decision is approve or postpone.",
    )
    .on("decision")
}

pub fn not_an_indirect_provider() -> Refusal {
    Refusal::new(
        RefusalKind::Forbidden,
        "NotAnIndirectProvider",
        "間接リセラーを招待できるのは、CSP 間接プロバイダーのアカウントだけです。",
        "Only a CSP indirect provider account can invite indirect resellers.",
    )
}

pub fn not_an_indirect_reseller(id: &str) -> Refusal {
    Refusal::new(
        RefusalKind::NotFound,
        "NotAnIndirectReseller",
        format!("パートナー ID {id} は CSP 間接リセラーのアカウントに関連付けられていません。"),
        format!("Partner ID {id} is not associated with a CSP indirect reseller account."),
    )
    .on("resellerPartnerId")
}

pub fn already_related() -> Refusal {
    Refusal::new(
        RefusalKind::Conflict,
        "AlreadyRelated",
        "この間接リセラーとのパートナーシップは既に確立されています。",
        "A partnership with this indirect reseller already exists.",
    )
}

pub fn unknown_request(id: &str) -> Refusal {
    Refusal::new(
        RefusalKind::NotFound,
        "UnknownRelationshipRequest",
        format!("パートナーシップの要求 {id} が見つかりません。"),
        format!("There is no partnership request {id}."),
    )
    .on("requestId")
}

// --- /v1/compliance/csp/agreementstatus ------------------------------------------------------------

/// Which reseller the MPA status check asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusQuery {
    /// A numeric PartnerID (PGA or PLA), as given.
    Mpn(String),
    /// A CSP tenant ID, as given.
    Tenant(String, TenantId),
}

const FAQ: &str = "https://docs.microsoft.com/partner-center/mpa-indirect-provider-faq";
const MIGRATE: &str = "https://partner.microsoft.com/resources/detail/migrate-pmc-pc-mpa-guide-pptx";

/// Reads `mpnId` / `tenantId` with the documented 400s (SDKDOC `verify-indirect-reseller-mpa-status.md`).
pub fn parse_status_query(mpn_id: Option<&str>, tenant_id: Option<&str>) -> Result<StatusQuery, Fault> {
    fn given(v: Option<&str>) -> Option<&str> {
        v.map(str::trim).filter(|v| !v.is_empty())
    }
    match (given(mpn_id), given(tenant_id)) {
        (None, None) => {
            Err(Fault::bad_request(2001, "Both MPN Id and Tenant Id cannot be empty.")
                .from_source("ComplianceController"))
        }
        (Some(_), Some(_)) => Err(
            Fault::bad_request(2000, "Both MPN Id and Tenant Id should not be passed.")
                .from_source("ComplianceController"),
        ),
        (Some(m), None) => {
            if m.chars().all(|c| c.is_ascii_digit()) {
                Ok(StatusQuery::Mpn(m.to_owned()))
            } else {
                Err(Fault::bad_request(2000, "MPN Id must be numeric.").from_source("PartnerApiServiceControllers"))
            }
        }
        (None, Some(t)) => match t.parse::<uuid::Uuid>() {
            Ok(u) => Ok(StatusQuery::Tenant(t.to_owned(), TenantId(u))),
            Err(_) => {
                Err(Fault::bad_request(2000, "Tenant Id must be a GUID.").from_source("PartnerApiServiceControllers"))
            }
        },
    }
}

/// What the sandbox knows about the reseller a status check names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResellerFacts {
    /// No partner ID (or, by tenant, no partner account) of that value.
    Unknown,
    /// A partner account without a CSP indirect reseller account.
    NotEnrolled,
    Enrolled {
        country: String,
        signed: bool,
    },
}

/// The MPA status check: `Ok(true)` when signed; the documented error otherwise.
/// `caller_country` is the country where the provider places the order (its CSP account's).
pub fn agreement_status(q: &StatusQuery, facts: &ResellerFacts, caller_country: &str) -> Result<bool, Fault> {
    match q {
        StatusQuery::Mpn(id) => match facts {
            ResellerFacts::Unknown => Err(Fault::bad_request(
                2200,
                format!(
                    "MPN Id {id} is either invalid or not yet migrated to Partner Center. Please advise your reseller \
                     to migrate the reseller MPN ID to Partner Center to continue with this order."
                ),
            )
            .with_data([MIGRATE])),
            ResellerFacts::NotEnrolled => Err(Fault::bad_request(
                2204,
                format!(
                    "MPN Id {id} is not associated with a CSP Indirect Reseller account in Partner Center. Please advise \
                     your reseller to enroll into the CSP program as an indirect reseller in Partner Center."
                ),
            )
            .with_data([FAQ])),
            ResellerFacts::Enrolled { country, .. } if !country.eq_ignore_ascii_case(caller_country) => {
                Err(Fault::bad_request(
                    2201,
                    format!(
                        "The CSP region of the MPN ID {id} doesn\u{2019}t match the CSP region from where you are placing \
                         the order. Provide the MPN ID for the CSP region where you are placing the order."
                    ),
                )
                .with_data([FAQ]))
            }
            ResellerFacts::Enrolled { signed: false, .. } => Err(Fault::bad_request(
                2203,
                format!(
                    "MPN Id {id} has not signed Microsoft Partner Agreement (MPA) for the CSP region where the order is \
                     being placed. Please advise your reseller to sign MPA to continue with the order."
                ),
            )
            .with_data([FAQ])),
            ResellerFacts::Enrolled { signed: true, .. } => Ok(true),
        },
        StatusQuery::Tenant(raw, _) => match facts {
            ResellerFacts::Unknown | ResellerFacts::NotEnrolled => Err(Fault::bad_request(
                2205,
                format!("Partner Center doesn't find any account associated to the Tenant ID {raw}"),
            )),
            ResellerFacts::Enrolled { signed: false, .. } => Err(Fault::bad_request(
                2206,
                // "Parnter" is the real service's spelling.
                format!("Parnter Center Account associated to Tenant Id {raw} hasn't signed the agreement"),
            )
            .with_data([FAQ])),
            ResellerFacts::Enrolled { signed: true, .. } => Ok(true),
        },
    }
}

// --- POST /v1/partners/validateresellers -----------------------------------------------------------

/// What the sandbox knows about a partner ID a provider wants to put on record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartnerIdFacts {
    Unknown,
    Global,
    /// A PartnerLocation ID; `reseller` is `Some(active)` when a CSP indirect reseller account
    /// is associated with it.
    Location {
        reseller: Option<bool>,
    },
}

/// One line of `validationResults`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResellerValidation {
    pub partner_id: String,
    pub is_valid_partner_id_on_record: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

/// Is this ID the PLA ID of an authorized (MPA accepted) indirect reseller?
pub fn validate_reseller_id(raw: &str, facts: PartnerIdFacts) -> ResellerValidation {
    let id = raw.trim();
    let why = match facts {
        PartnerIdFacts::Location { reseller: Some(true) } => None,
        PartnerIdFacts::Unknown => Some("was not found in Partner Center"),
        PartnerIdFacts::Global => Some("is a PGA (PartnerGlobal) ID; provide the indirect reseller's PLA ID"),
        PartnerIdFacts::Location { reseller: None } => Some("is not associated with a CSP indirect reseller account"),
        PartnerIdFacts::Location { reseller: Some(false) } => {
            Some("belongs to an indirect reseller that has not accepted the Microsoft Partner Agreement")
        }
    };
    ResellerValidation {
        partner_id: id.to_owned(),
        is_valid_partner_id_on_record: why.is_none(),
        error_code: why.map(|_| 900400),
        error_description: why.map(|w| format!("The PLA ID (formerly MPN ID) {id} {w}.")),
    }
}

/// `GET /v1/relationships?filter=`: `{"Field":"Name","Value":...,"Operator":"starts_with"|"substring"}`
/// (NETSDK `PartnerRelationshipSearchField` has `Name` only). Returns the match test.
pub fn parse_relationship_filter(raw: &str) -> Result<impl Fn(&str) -> bool, Fault> {
    let v: serde_json::Value = serde_json::from_str(raw.trim()).map_err(|_| {
        Fault::bad_request(
            400056,
            "Invalid input: filter must be a JSON object with Field, Value and Operator.",
        )
        .with_data(["filter"])
    })?;
    let get = |k: &str| {
        v.as_object().and_then(|o| {
            o.iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .and_then(|(_, v)| v.as_str())
                .map(str::to_owned)
        })
    };
    let field = get("Field").unwrap_or_default();
    if crate::vetting::enum_key(&field) != "name" {
        return Err(Fault::bad_enum("Field", &field, &["Name"]));
    }
    let value = get("Value")
        .ok_or_else(|| Fault::bad_request(400056, "Invalid input: filter needs a Value.").with_data(["filter"]))?
        .to_lowercase();
    let op = get("Operator").unwrap_or_else(|| "substring".into());
    let prefix = match crate::vetting::enum_key(&op).as_str() {
        "startswith" => true,
        "substring" => false,
        _ => return Err(Fault::bad_enum("Operator", &op, &["starts_with", "substring"])),
    };
    Ok(move |name: &str| {
        let n = name.to_lowercase();
        if prefix {
            n.starts_with(&value)
        } else {
            n.contains(&value)
        }
    })
}

/// A partner ID as a status check or a validation reads it: seven digits, or nothing known.
pub fn partner_id_of(raw: &str) -> Option<PartnerId> {
    raw.trim().parse().ok()
}

#[cfg(test)]
#[path = "csp_tests.rs"]
mod tests;
