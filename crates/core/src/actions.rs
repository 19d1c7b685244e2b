//! The act-as-user actions of the control plane (`POST .../actions/{action}`) and of scenario
//! steps, read once from their JSON bodies into typed commands and run through the same
//! use-cases the portal runs.
//!
//! Bodies are read strictly: an unknown field anywhere is refused with its path (a typo must not
//! silently change a test). Besides ids, a step of a scenario can only name things it knows in
//! advance, so the references also take names: a user by its principal name, a tenant by its
//! domain, a partner ID by the tenant that holds it (`partnerIdOf`), a reseller by its tenant
//! (`resellerTenant`), and a relationship request by leaving its id out (the newest open one
//! addressed to the acting reseller).

use chrono::{DateTime, NaiveDate, Utc};
use domain::csp::{PartnerAgreementType, RequestDecision, RequestState};
use domain::input::{AddressInput, ContactInput};
use domain::message::{Refusal, RefusalKind};
use domain::partner_id::PartnerIdKind;
use domain::verification::{Check, DocumentKind, IssuedOn, LinkOutcome};
use domain::{FieldError, SandboxId, TenantId};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::csp::{CustomerState, Enrollment, RelationshipState, Response};
use crate::error::{CoreError, Result};
use crate::onboarding::{refused, Decision, Outcome, PartnerState, ProfileChange, Registration, Upload};
use crate::uow::UserRef;
use crate::Core;

/// Every action, by its control-plane name.
pub use domain::scenario::ACTIONS;

/// A field path as the control plane names them: `primaryContact.email`, `steps[2].as`.
fn field_path(p: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match p {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", field_path(parent)),
        Path::Map { parent, key } => {
            let parent = field_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        Path::Some { parent } | Path::NewtypeStruct { parent } | Path::NewtypeVariant { parent } => field_path(parent),
    }
}

/// Reads a JSON value into `T`, refusing unknown fields and naming the path of a bad one.
pub fn from_value<T: DeserializeOwned>(v: &Value) -> std::result::Result<T, FieldError> {
    let mut unknown = Vec::new();
    let mut note = |p: serde_ignored::Path<'_>| unknown.push(field_path(&p));
    let value = serde_path_to_error::deserialize(serde_ignored::Deserializer::new(v.clone(), &mut note));
    let value: T = value.map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        // serde reports a missing field at its parent's path; name the field itself.
        let missing = msg.strip_prefix("missing field `").and_then(|r| r.split('`').next());
        let field = match (path.as_str(), missing) {
            (".", Some(m)) => m.to_owned(),
            (".", None) => String::new(),
            (p, Some(m)) => format!("{p}.{m}"),
            (p, None) => p.to_owned(),
        };
        let detail = if field.is_empty() {
            msg
        } else {
            format!("{field}: {msg}")
        };
        FieldError::new(field, detail)
    })?;
    if let Some(first) = unknown.first() {
        return Err(FieldError::new(first.clone(), format!("{first}: unknown field")));
    }
    Ok(value)
}

/// A field an action needs: missing or blank, it is refused with the portal's "required" message.
fn need<T>(v: Option<T>, field: &str) -> Result<T> {
    v.ok_or_else(|| CoreError::Refused(Refusal::required(field)))
}

fn need_text(v: Option<String>, field: &str) -> Result<String> {
    need(v.filter(|s| !s.trim().is_empty()), field)
}

fn actor(raw: Option<String>) -> Result<UserRef> {
    Ok(UserRef::parse(&need_text(raw, "as")?))
}

fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// A tenant named by its id or one of its domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantRef {
    Id(TenantId),
    Domain(String),
}

impl TenantRef {
    pub fn parse(raw: &str) -> TenantRef {
        let raw = raw.trim();
        match raw.parse::<TenantId>() {
            Ok(id) => TenantRef::Id(id),
            Err(_) => TenantRef::Domain(raw.to_ascii_lowercase()),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RegisterBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    tenant_id: Option<String>,
    company_name: Option<String>,
    address: Option<AddressInput>,
    primary_contact: Option<ContactInput>,
    website: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    company_name: Option<String>,
    address: Option<AddressInput>,
    primary_contact: Option<ContactInput>,
    website: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AsBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    check: Option<String>,
    kind: Option<String>,
    issued_on: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecideBody {
    /// Accepted for symmetry with the other actions; a decision is a sandbox power.
    #[serde(rename = "as")]
    _as_user: Option<String>,
    tenant_id: Option<String>,
    check: Option<String>,
    outcome: Option<String>,
    reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SupportBody {
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnrollBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    partner_id: Option<String>,
    /// Instead of `partnerId`: the partner ID of this tenant's partner account.
    partner_id_of: Option<String>,
    /// With `partnerIdOf`: `PartnerLocation` (the default) or `PartnerGlobal`.
    partner_id_type: Option<String>,
    company_name: Option<String>,
    address: Option<AddressInput>,
    primary_contact: Option<ContactInput>,
    support_profile: Option<SupportBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AgreementBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    agreement_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LapseBody {
    /// The partner's tenant (id or domain).
    tenant: Option<String>,
    agreement_type: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct InviteBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    reseller_partner_id: Option<String>,
    /// Instead of `resellerPartnerId`: the reseller's tenant (id or domain).
    reseller_tenant: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GdapApproveBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    relationship_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RespondBody {
    #[serde(rename = "as")]
    as_user: Option<String>,
    /// Left out: the newest open request addressed to the acting user's partner.
    request_id: Option<String>,
    decision: Option<String>,
    #[serde(default)]
    consent: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerBody {
    customer_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UserBody {
    user: Option<String>,
}

/// Where an enrollment's partner ID comes from.
#[derive(Debug, Clone)]
pub enum PartnerIdSource {
    /// As typed.
    Typed(String),
    /// The partner ID of a tenant's partner account, of this kind.
    Of(TenantRef, PartnerIdKind),
}

/// Which reseller an invitation goes to.
#[derive(Debug, Clone)]
pub enum ResellerRef {
    PartnerId(String),
    Tenant(TenantRef),
}

/// One action, read from its body.
#[derive(Debug, Clone)]
pub enum Action {
    RegisterPartner(Registration, Option<TenantRef>),
    ConfirmEmail(UserRef),
    UpdateLegalProfile(ProfileChange),
    ResendVerificationEmail(UserRef),
    UploadDocument(Upload),
    DecideVerification(Decision, Option<TenantRef>),
    EnrollCspIndirectReseller(Enrollment, PartnerIdSource),
    AcceptAgreement(UserRef, PartnerAgreementType),
    /// A sandbox power: an accepted agreement lapses (the reseller is pending again).
    LapseAgreement(TenantRef, PartnerAgreementType),
    InviteReseller(UserRef, ResellerRef),
    RespondRelationshipRequest(Response, bool),
    SignCustomerAgreement(String),
    /// An admin revokes a user's sign-in sessions: its refresh tokens stop working.
    RevokeSessions(UserRef),
    /// The customer's Global Administrator approves a GDAP relationship (the invitation page).
    ApproveGdapRelationship(UserRef, String),
}

/// What an action left: a partner, a relationship request (and whether it was created now), or
/// a customer.
#[derive(Debug, Clone)]
pub enum ActionOutcome {
    Partner(Box<PartnerState>),
    Request(Box<RelationshipState>, bool),
    Customer(Box<CustomerState>),
    Revoked {
        user: domain::UserId,
        refresh_tokens: u64,
        now: DateTime<Utc>,
    },
    Gdap(Box<domain::gdap::Relationship>, DateTime<Utc>),
}

impl ActionOutcome {
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            ActionOutcome::Partner(p) => p.now,
            ActionOutcome::Request(r, _) => r.now,
            ActionOutcome::Customer(c) => c.now,
            ActionOutcome::Revoked { now, .. } => *now,
            ActionOutcome::Gdap(_, now) => *now,
        }
    }
}

fn check(raw: Option<String>) -> Result<Check> {
    Check::parse(&need_text(raw, "check")?).ok_or_else(|| {
        refused(
            Refusal::new(
                RefusalKind::Invalid,
                "UnknownCheck",
                "確認の種類は emailOwnership、employment、company のいずれかを指定してください。",
                "The check is emailOwnership, employment or company.",
            )
            .on("check"),
        )
    })
}

fn document_kind(raw: Option<String>) -> Result<DocumentKind> {
    DocumentKind::parse(&need_text(raw, "kind")?).ok_or_else(|| {
        refused(
            Refusal::new(
                RefusalKind::Invalid,
                "UnknownDocumentKind",
                "書類の種類は domain-ownership か registry-certificate を指定してください。",
                "The document kind is domain-ownership or registry-certificate.",
            )
            .on("kind"),
        )
    })
}

/// A document's issue date: `YYYY-MM-DD`, or a duration before the sandbox's today (`-P30D`), so
/// that a scenario's document stays as old as it says while the real calendar moves on.
fn issued_on(field: &str, raw: Option<String>) -> Result<Option<IssuedOn>> {
    let Some(raw) = given(raw) else {
        return Ok(None);
    };
    let parsed = match raw.strip_prefix('-') {
        Some(ago) => domain::clock::parse_duration(field, ago).ok().map(IssuedOn::Before),
        None => NaiveDate::parse_from_str(&raw, "%Y-%m-%d").ok().map(IssuedOn::Date),
    };
    parsed.map(Some).ok_or_else(|| {
        refused(
            Refusal::new(
                RefusalKind::Invalid,
                "InvalidDate",
                "日付は YYYY-MM-DD の形式か、今日より前の期間 (-P30D など) で入力してください。",
                "Enter the date as YYYY-MM-DD, or as a duration before today such as -P30D.",
            )
            .on(field),
        )
    })
}

fn outcome(raw: Option<String>) -> Result<Outcome> {
    match need_text(raw, "outcome")?.trim().to_ascii_lowercase().as_str() {
        "approved" => Ok(Outcome::Approved),
        "rejected" => Ok(Outcome::Rejected),
        _ => Err(refused(
            Refusal::new(
                RefusalKind::Invalid,
                "InvalidOutcome",
                "結果には approved か rejected を指定してください。",
                "The outcome is approved or rejected.",
            )
            .on("outcome"),
        )),
    }
}

fn partner_id_kind(raw: Option<String>) -> Result<PartnerIdKind> {
    match given(raw).map(|s| domain::vetting::enum_key(&s)).as_deref() {
        None | Some("partnerlocation") | Some("location") => Ok(PartnerIdKind::PartnerLocation),
        Some("partnerglobal") | Some("global") => Ok(PartnerIdKind::PartnerGlobal),
        Some(other) => Err(FieldError::new(
            "partnerIdType",
            format!("partnerIdType '{other}' is not PartnerLocation or PartnerGlobal"),
        )
        .into()),
    }
}

impl Action {
    /// Reads an action's body. An unknown action is not found.
    pub fn parse(name: &str, body: &Value) -> Result<Action> {
        let body = if body.is_null() {
            &Value::Object(Default::default())
        } else {
            body
        };
        Ok(match name {
            "register-partner" => {
                let b: RegisterBody = from_value(body)?;
                let tenant = given(b.tenant_id).map(|t| TenantRef::parse(&t));
                Action::RegisterPartner(
                    Registration {
                        actor: actor(b.as_user)?,
                        tenant_id: None,
                        company_name: need_text(b.company_name, "companyName")?,
                        address: need(b.address, "address")?.into(),
                        primary_contact: need(b.primary_contact, "primaryContact")?.into(),
                        website: b.website,
                    },
                    tenant,
                )
            }
            "confirm-email" => {
                let b: AsBody = from_value(body)?;
                Action::ConfirmEmail(actor(b.as_user)?)
            }
            "update-legal-profile" => {
                let b: UpdateBody = from_value(body)?;
                Action::UpdateLegalProfile(ProfileChange {
                    actor: actor(b.as_user)?,
                    company_name: b.company_name,
                    address: b.address.map(Into::into),
                    primary_contact: b.primary_contact.map(Into::into),
                    website: b.website,
                })
            }
            "resend-verification-email" => {
                let b: AsBody = from_value(body)?;
                Action::ResendVerificationEmail(actor(b.as_user)?)
            }
            "upload-document" => {
                let b: UploadBody = from_value(body)?;
                Action::UploadDocument(Upload {
                    actor: actor(b.as_user)?,
                    check: check(b.check)?,
                    kind: document_kind(b.kind)?,
                    issued_on: issued_on("issuedOn", b.issued_on)?,
                })
            }
            "decide-verification" => {
                let b: DecideBody = from_value(body)?;
                let tenant = given(b.tenant_id).map(|t| TenantRef::parse(&t));
                Action::DecideVerification(
                    Decision {
                        tenant_id: None,
                        check: check(b.check)?,
                        outcome: outcome(b.outcome)?,
                        reason: b.reason,
                    },
                    tenant,
                )
            }
            "enroll-csp-indirect-reseller" => {
                let b: EnrollBody = from_value(body)?;
                let source = match (given(b.partner_id), given(b.partner_id_of)) {
                    (Some(id), None) => PartnerIdSource::Typed(id),
                    (None, Some(of)) => PartnerIdSource::Of(TenantRef::parse(&of), partner_id_kind(b.partner_id_type)?),
                    (Some(_), Some(_)) => {
                        return Err(FieldError::new("partnerIdOf", "give partnerId or partnerIdOf, not both").into())
                    }
                    (None, None) => return Err(CoreError::Refused(Refusal::required("partnerId"))),
                };
                let support = b.support_profile.unwrap_or_default();
                Action::EnrollCspIndirectReseller(
                    Enrollment {
                        actor: actor(b.as_user)?,
                        partner_id: String::new(),
                        company_name: need_text(b.company_name, "companyName")?,
                        address: b.address.map(Into::into),
                        primary_contact: need(b.primary_contact, "primaryContact")?.into(),
                        support_website: support.website,
                        support_email: support.email,
                        support_phone: support.phone,
                    },
                    source,
                )
            }
            "accept-agreement" => {
                let b: AgreementBody = from_value(body)?;
                let who = actor(b.as_user)?;
                let t = PartnerAgreementType::parse(&need_text(b.agreement_type, "agreementType")?)
                    .ok_or_else(|| refused(domain::csp::unknown_agreement_type()))?;
                Action::AcceptAgreement(who, t)
            }
            "lapse-agreement" => {
                let b: LapseBody = from_value(body)?;
                let tenant = TenantRef::parse(&need_text(b.tenant, "tenant")?);
                let t = PartnerAgreementType::parse(&need_text(b.agreement_type, "agreementType")?)
                    .ok_or_else(|| refused(domain::csp::unknown_agreement_type()))?;
                Action::LapseAgreement(tenant, t)
            }
            "invite-reseller" => {
                let b: InviteBody = from_value(body)?;
                let who = actor(b.as_user)?;
                let reseller = match (given(b.reseller_partner_id), given(b.reseller_tenant)) {
                    (Some(id), None) => ResellerRef::PartnerId(id),
                    (None, Some(t)) => ResellerRef::Tenant(TenantRef::parse(&t)),
                    (Some(_), Some(_)) => {
                        return Err(FieldError::new(
                            "resellerTenant",
                            "give resellerPartnerId or resellerTenant, not both",
                        )
                        .into())
                    }
                    (None, None) => return Err(CoreError::Refused(Refusal::required("resellerPartnerId"))),
                };
                Action::InviteReseller(who, reseller)
            }
            "approve-gdap-relationship" => {
                let b: GdapApproveBody = from_value(body)?;
                Action::ApproveGdapRelationship(actor(b.as_user)?, need_text(b.relationship_id, "relationshipId")?)
            }
            "respond-relationship-request" => {
                let b: RespondBody = from_value(body)?;
                let request_id = given(b.request_id);
                let newest = request_id.is_none();
                Action::RespondRelationshipRequest(
                    Response {
                        actor: actor(b.as_user)?,
                        request_id: request_id.unwrap_or_default(),
                        decision: RequestDecision::parse(&need_text(b.decision, "decision")?)
                            .ok_or_else(|| refused(domain::csp::unknown_decision()))?,
                        consent: b.consent,
                    },
                    newest,
                )
            }
            "sign-customer-agreement" => {
                let b: CustomerBody = from_value(body)?;
                Action::SignCustomerAgreement(need_text(b.customer_id, "customerId")?)
            }
            "revoke-sessions" => {
                let b: UserBody = from_value(body)?;
                Action::RevokeSessions(UserRef::parse(&need_text(b.user, "user")?))
            }
            other => {
                return Err(CoreError::NotFound {
                    what: "action",
                    id: other.to_owned(),
                    field: None,
                })
            }
        })
    }
}

impl Core {
    /// A tenant of the sandbox by id or domain.
    async fn tenant_in(&self, sandbox: SandboxId, t: &TenantRef, field: &str) -> Result<TenantId> {
        let mut c = self.store.read().await?;
        let found = match t {
            TenantRef::Id(id) => store::world::tenant(&mut c, *id)
                .await?
                .filter(|(s, _)| *s == sandbox)
                .map(|(_, t)| t.id),
            TenantRef::Domain(d) => store::world::tenant_by_domain(&mut c, sandbox, d).await?.map(|t| t.id),
        };
        found.ok_or_else(|| CoreError::NotFound {
            what: "tenant",
            id: match t {
                TenantRef::Id(id) => id.to_string(),
                TenantRef::Domain(d) => d.clone(),
            },
            field: Some(field.to_owned()),
        })
    }

    /// The partner ID a tenant's partner account holds, of a kind.
    async fn partner_id_of(&self, sandbox: SandboxId, t: &TenantRef, kind: PartnerIdKind) -> Result<String> {
        let tenant = self.tenant_in(sandbox, t, "partnerIdOf").await?;
        let partner = self
            .partner_of(sandbox, tenant)
            .await?
            .ok_or_else(|| FieldError::new("partnerIdOf", format!("the tenant {tenant} has no partner account")))?;
        let id = partner
            .0
            .partner_ids
            .iter()
            .find(|p| p.kind == kind)
            .ok_or_else(|| FieldError::new("partnerIdOf", format!("the partner of {tenant} has no {kind:?} ID")))?;
        Ok(id.partner_id.to_string())
    }

    /// The newest open relationship request addressed to the acting user's partner.
    async fn newest_open_request(&self, sandbox: SandboxId, actor: &UserRef) -> Result<String> {
        let tenant = {
            let mut c = self.store.read().await?;
            let user = actor.find(&mut c, sandbox).await?;
            user.map(|u| u.tenant_id)
        };
        let Some(tenant) = tenant else {
            // The use-case refuses the unknown user with its own words.
            return Ok(String::new());
        };
        let mut c = self.store.read().await?;
        let open = store::csp::requests_to(&mut c, tenant).await?;
        open.into_iter()
            .rev()
            .find(|r| matches!(r.state, RequestState::Pending | RequestState::Postponed))
            .map(|r| r.id)
            .ok_or_else(|| refused(domain::csp::unknown_request("(the newest open request)")))
    }

    /// Runs an action in a sandbox.
    pub async fn run_action(&self, sandbox: SandboxId, action: Action) -> Result<ActionOutcome> {
        Ok(match action {
            Action::RegisterPartner(mut r, tenant) => {
                if let Some(t) = tenant {
                    r.tenant_id = Some(self.tenant_in(sandbox, &t, "tenantId").await?);
                }
                ActionOutcome::Partner(Box::new(self.register_partner(sandbox, r).await?))
            }
            Action::ConfirmEmail(who) => ActionOutcome::Partner(Box::new(self.confirm_email(sandbox, &who).await?)),
            Action::UpdateLegalProfile(c) => {
                ActionOutcome::Partner(Box::new(self.update_legal_profile(sandbox, c).await?))
            }
            Action::ResendVerificationEmail(who) => {
                ActionOutcome::Partner(Box::new(self.resend_verification_email(sandbox, &who).await?))
            }
            Action::UploadDocument(u) => ActionOutcome::Partner(Box::new(self.upload_document(sandbox, u).await?)),
            Action::DecideVerification(mut d, tenant) => {
                if let Some(t) = tenant {
                    d.tenant_id = Some(self.tenant_in(sandbox, &t, "tenantId").await?);
                }
                ActionOutcome::Partner(Box::new(self.decide_verification(sandbox, d).await?))
            }
            Action::EnrollCspIndirectReseller(mut e, source) => {
                e.partner_id = match source {
                    PartnerIdSource::Typed(id) => id,
                    PartnerIdSource::Of(t, kind) => self.partner_id_of(sandbox, &t, kind).await?,
                };
                ActionOutcome::Partner(Box::new(self.enroll_csp_indirect_reseller(sandbox, e).await?))
            }
            Action::AcceptAgreement(who, t) => {
                ActionOutcome::Partner(Box::new(self.accept_agreement(sandbox, &who, t).await?))
            }
            Action::LapseAgreement(t, agreement) => {
                let tenant = self.tenant_in(sandbox, &t, "tenant").await?;
                let mut w = self.write(sandbox).await?;
                let mut partner = w.partner(tenant).await?;
                if !partner.lapse(agreement) {
                    return Err(refused(
                        Refusal::new(
                            RefusalKind::Conflict,
                            "AgreementNotAccepted",
                            "この契約は承諾されていません。",
                            "This agreement is not accepted: there is nothing to lapse.",
                        )
                        .on("agreementType"),
                    ));
                }
                store::profiles::save_partner(w.c(), &partner).await?;
                let now = w.now;
                w.commit().await?;
                ActionOutcome::Partner(Box::new(PartnerState { partner, now }))
            }
            Action::InviteReseller(who, reseller) => {
                let id = match reseller {
                    ResellerRef::PartnerId(id) => id,
                    ResellerRef::Tenant(t) => {
                        let tenant = self.tenant_in(sandbox, &t, "resellerTenant").await?;
                        self.partner_of(sandbox, tenant)
                            .await?
                            .and_then(|p| p.0.csp.as_ref().map(|c| c.partner_id.to_string()))
                            .ok_or_else(|| refused(domain::csp::not_an_indirect_reseller(&tenant.to_string())))?
                    }
                };
                let (state, created) = self.invite_reseller(sandbox, &who, &id).await?;
                ActionOutcome::Request(Box::new(state), created)
            }
            Action::RespondRelationshipRequest(mut r, newest) => {
                if newest {
                    r.request_id = self.newest_open_request(sandbox, &r.actor).await?;
                }
                ActionOutcome::Request(Box::new(self.respond_relationship_request(sandbox, r).await?), false)
            }
            Action::SignCustomerAgreement(raw) => {
                let id: TenantId = raw.trim().parse().map_err(|_| CoreError::NotFound {
                    what: "customer",
                    id: raw.clone(),
                    field: Some("customerId".into()),
                })?;
                ActionOutcome::Customer(Box::new(self.sign_customer_agreement(sandbox, id).await?))
            }
            Action::ApproveGdapRelationship(who, id) => {
                let r = self.approve_gdap_relationship(sandbox, &who, &id).await?;
                let now = self.sandbox_now_of(sandbox).await?;
                ActionOutcome::Gdap(Box::new(r), now)
            }
            Action::RevokeSessions(who) => {
                let mut w = self.write(sandbox).await?;
                let user = who.find(w.c(), sandbox).await?.ok_or_else(|| CoreError::NotFound {
                    what: "user",
                    id: match &who {
                        UserRef::Id(id) => id.to_string(),
                        UserRef::Upn(u) => u.clone(),
                    },
                    field: Some("user".into()),
                })?;
                let n = store::oauth::revoke_refresh_tokens(w.c(), sandbox, user.id).await?;
                let now = w.now;
                w.commit().await?;
                ActionOutcome::Revoked {
                    user: user.id,
                    refresh_tokens: n,
                    now,
                }
            }
        })
    }

    /// `confirm-email`: the partner's contact follows the email-ownership link of its current
    /// verification, as clicking it in the mailbox does. The acting user must belong to the
    /// partner's tenant; a link that is not there (confirmed, expired, never sent) is refused.
    pub async fn confirm_email(&self, sandbox: SandboxId, actor: &UserRef) -> Result<PartnerState> {
        let token = {
            let mut w = self.write(sandbox).await?;
            let (_, tenant) = w.actor(actor, domain::Role::ALL).await?;
            let partner = w.partner(tenant.id).await?;
            let token = partner
                .verification
                .as_ref()
                .and_then(|v| v.link.as_ref())
                .map(|l| l.token.clone());
            w.commit().await?;
            token.ok_or_else(|| {
                refused(Refusal::new(
                    RefusalKind::Conflict,
                    "NoEmailLink",
                    "確認待ちのメール リンクはありません。確認済みか、まだ送信されていません。",
                    "There is no email link waiting: it was followed already or never sent.",
                ))
            })?
        };
        let result = self
            .follow_email_link(&token)
            .await?
            .ok_or_else(|| CoreError::not_found("email link", "current"))?;
        if result.outcome == LinkOutcome::Expired {
            return Err(refused(Refusal::new(
                RefusalKind::Conflict,
                "EmailLinkExpired",
                "メールのリンクの有効期限が切れています。確認メールを再送信してください。",
                "The email link has expired. Send the verification email again.",
            )));
        }
        let mut c = self.store.read().await?;
        let tenant = match actor {
            UserRef::Id(id) => store::world::user(&mut c, *id).await?.map(|(_, u)| u.tenant_id),
            UserRef::Upn(upn) => store::world::user_by_upn(&mut c, sandbox, upn)
                .await?
                .map(|u| u.tenant_id),
        };
        let partner = match tenant {
            Some(t) => store::profiles::partner(&mut c, t).await?.map(|(p, _)| p),
            None => None,
        }
        .ok_or_else(|| CoreError::not_found("partner", "of the acting user"))?;
        Ok(PartnerState {
            partner,
            now: self.sandbox_now_of(sandbox).await?,
        })
    }
}
