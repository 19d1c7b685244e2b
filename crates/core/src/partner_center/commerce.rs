//! CSP use-cases of the Partner Center API: agreement metadata and customer agreement
//! attestations, the MPA status check of indirect resellers, indirect provider relationships,
//! customers (also for an indirect reseller) and partner-of-record validation.

use domain::csp::{self, PartnerIdFacts, ResellerFacts, ResellerValidation, StatusQuery};
use domain::customer::{
    self, AgreementTemplate, BillingProfile, BillingUpdate, Customer, CustomerAgreement, CustomerFilter, CustomerPatch,
    NewAttestation, NewCustomer, RelationshipToPartner,
};
use domain::fault::Fault;
use domain::partner_id::PartnerIdKind;
use domain::program::{Program, ProgramStatus};
use domain::world::Partner;
use domain::{PartnerId, TenantId};
use store::csp::Side;

use super::auth::Principal;
use crate::error::{CoreError, Result};
use crate::Core;

/// One PartnerRelationship: the partner on the other side of an approved relationship.
#[derive(Debug, Clone)]
pub struct RelationshipView {
    pub partner: Partner,
    /// The partner ID shown for it: a reseller's associated PartnerLocation ID, a provider's own.
    pub mpn_id: Option<PartnerId>,
    pub location: String,
    pub side: Side,
}

/// A created customer with the admin password shown once.
#[derive(Debug, Clone)]
pub struct CreatedCustomer {
    pub customer: Customer,
    pub user_name: String,
    pub password: String,
}

/// The fields of `POST /v1/customers`.
#[derive(Debug, Clone, Default)]
pub struct CustomerRequest {
    pub customer: NewCustomer,
    pub associated_partner_id: Option<String>,
    /// `enableGDAPByDefault`: absent or true, the customer starts with the default GDAP
    /// relationship (Partner Center's behaviour since November 2023); false, without one.
    pub enable_gdap_by_default: Option<bool>,
}

fn customer_not_found(id: &str) -> CoreError {
    CoreError::Fault(Fault::explained(
        404,
        1000,
        "Not found",
        format!("The customer {id} is not one of your customers in this sandbox."),
    ))
}

/// The link a customer follows to accept a reseller relationship (SDKDOC
/// `request-reseller-relationship.md`, the 2021 form; the indirect form names the provider).
#[derive(Debug, Clone, Default)]
pub struct RelationshipRequestLink {
    pub indirect_cloud_solution_provider_id: Option<String>,
    pub indirect_reseller_id: Option<String>,
    pub dual_role_indirect_relationship: Option<String>,
}

/// The provider's view of a reseller or the reseller's of a provider.
fn relationship_of(partner: Partner, side: Side) -> RelationshipView {
    let (mpn_id, location) = match (&partner.csp, side) {
        (Some(c), Side::Provider) => (Some(c.partner_id), c.country.clone()),
        _ => {
            let loc = partner
                .partner_ids
                .iter()
                .find(|p| p.kind == PartnerIdKind::PartnerLocation);
            (
                loc.map(|l| l.partner_id),
                loc.map(|l| l.country.clone())
                    .unwrap_or_else(|| partner.legal_business_profile.address.country.clone()),
            )
        }
    };
    RelationshipView {
        partner,
        mpn_id,
        location,
        side,
    }
}

impl Core {
    /// `GET /v1/agreements[?agreementType=]`.
    pub fn agreement_metadata(&self, agreement_type: Option<&str>) -> Result<Vec<&'static AgreementTemplate>> {
        Ok(customer::agreement_templates(agreement_type)?)
    }

    /// A customer the caller may see: it created it, or it was created for the caller.
    pub async fn customer_of(&self, who: &Principal, raw: &str) -> Result<Customer> {
        let id: TenantId = raw
            .trim()
            .parse()
            .map_err(|_| CoreError::Fault(Fault::bad_request(900118, "Invalid Customer Id").with_data([raw.trim()])))?;
        let mut c = self.store.conn().await?;
        match store::csp::customer(&mut c, id).await? {
            Some(cu) if cu.partner_tenant_id == who.tenant || cu.associated_partner_id == Some(who.tenant) => Ok(cu),
            _ => Err(customer_not_found(raw.trim())),
        }
    }

    /// `GET /v1/customers/{id}/agreements[?agreementType=]`: MicrosoftCloudAgreement when left
    /// out, every type for `*`.
    pub async fn customer_agreements(
        &self,
        who: &Principal,
        customer: &str,
        agreement_type: Option<&str>,
    ) -> Result<Vec<CustomerAgreement>> {
        let wanted = customer::attestation_filter(agreement_type)?;
        let c = self.customer_of(who, customer).await?;
        let all = store::csp::customer_agreements(&mut *self.store.conn().await?, c.id).await?;
        Ok(all
            .into_iter()
            .filter(|a| wanted.is_none_or(|t| a.agreement_type == t))
            .collect())
    }

    /// `POST /v1/customers/{id}/agreements`: the partner confirms the customer's acceptance.
    pub async fn attest_customer_agreement(
        &self,
        who: &Principal,
        customer: &str,
        n: NewAttestation,
    ) -> Result<CustomerAgreement> {
        let c = self.customer_of(who, customer).await?;
        if c.partner_tenant_id != who.tenant {
            return Err(customer_not_found(customer.trim()));
        }
        let user = who
            .user
            .as_ref()
            .ok_or_else(|| Fault::new(403, 2032, "Access denied"))?
            .id;
        let mut w = self.write(who.sandbox).await?;
        if store::csp::customer(w.c(), c.id).await?.is_none() {
            return Err(customer_not_found(customer.trim()));
        }
        let existing = store::csp::customer_agreements(w.c(), c.id).await?;
        let a = customer::attest(&existing, &n, user, w.now)?;
        store::csp::insert_customer_agreement(w.c(), who.sandbox, c.id, &a).await?;
        w.commit().await?;
        Ok(a)
    }

    /// `GET /v1/compliance/{program}/agreementstatus?mpnId=|tenantId=`.
    pub async fn agreement_status(
        &self,
        who: &Principal,
        program: &str,
        mpn_id: Option<&str>,
        tenant_id: Option<&str>,
    ) -> Result<bool> {
        if !program.eq_ignore_ascii_case("csp") {
            return Err(Fault::bad_enum("ProgramName", program, &["csp"]).into());
        }
        let q = csp::parse_status_query(mpn_id, tenant_id)?;
        let caller_country = self
            .tenant(who.tenant)
            .await?
            .map(|(_, t)| t.country.clone())
            .unwrap_or_default();
        let facts = self.reseller_facts(who, &q).await?;
        Ok(csp::agreement_status(&q, &facts, &caller_country)?)
    }

    async fn reseller_facts(&self, who: &Principal, q: &StatusQuery) -> Result<ResellerFacts> {
        let of = |p: &Partner| match &p.csp {
            None => ResellerFacts::NotEnrolled,
            Some(c) => ResellerFacts::Enrolled {
                country: c.country.clone(),
                signed: p
                    .accepted(domain::csp::PartnerAgreementType::MicrosoftPartnerAgreement)
                    .is_some(),
            },
        };
        match q {
            StatusQuery::Tenant(_, tenant) => match self.tenant(*tenant).await? {
                Some((sid, _)) if sid == who.sandbox => Ok(self
                    .partner_of(who.sandbox, *tenant)
                    .await?
                    .map_or(ResellerFacts::Unknown, |p| of(&p.0))),
                _ => Ok(ResellerFacts::Unknown),
            },
            StatusQuery::Mpn(raw) => {
                let Some(id) = csp::partner_id_of(raw) else {
                    return Ok(ResellerFacts::Unknown);
                };
                let mut c = self.store.read().await?;
                let Some((owner, record)) = store::profiles::partner_id(&mut c, who.sandbox, id).await? else {
                    return Ok(ResellerFacts::Unknown);
                };
                // A PLA names its CSP account; a PGA the account of any of its locations.
                let locations: Vec<PartnerId> = match record.kind {
                    PartnerIdKind::PartnerLocation => vec![id],
                    PartnerIdKind::PartnerGlobal => store::profiles::partner(&mut c, owner)
                        .await?
                        .map(|(p, _)| {
                            p.partner_ids
                                .iter()
                                .filter(|r| r.kind == PartnerIdKind::PartnerLocation)
                                .map(|r| r.partner_id)
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                for l in locations {
                    if let Some(p) = store::profiles::reseller_with_id(&mut c, who.sandbox, l).await? {
                        return Ok(of(&p));
                    }
                }
                Ok(ResellerFacts::NotEnrolled)
            }
        }
    }

    /// `GET /v1/relationships?relationship_type=`: the caller's approved relationships.
    pub async fn relationships(&self, who: &Principal, side: Side) -> Result<Vec<RelationshipView>> {
        self.own_partner(who).await?;
        let mut c = self.store.read().await?;
        Ok(store::csp::relationships(&mut c, who.tenant, side)
            .await?
            .into_iter()
            .map(|(_, p)| relationship_of(p, side))
            .collect())
    }

    /// `GET /v1/customers/{id}/relationships`: the other side of the indirect relationship the
    /// customer was created through (the provider sees the reseller and the reseller the
    /// provider, each with the caller's own relationship type, as in `/v1/relationships`).
    pub async fn customer_relationships(&self, who: &Principal, customer: &str) -> Result<Vec<RelationshipView>> {
        let c = self.customer_of(who, customer).await?;
        let Some(reseller) = c.associated_partner_id else {
            return Ok(Vec::new());
        };
        // The provider sees the reseller; the reseller sees the provider.
        let (other, side) = if who.tenant == reseller {
            (c.partner_tenant_id, Side::Reseller)
        } else {
            (reseller, Side::Provider)
        };
        Ok(self
            .partner_of(who.sandbox, other)
            .await?
            .map(|p| relationship_of(p.0.clone(), side))
            .into_iter()
            .collect())
    }

    /// `GET /v1/customers[?filter=]`: the caller's customers, oldest first.
    pub async fn customers(&self, who: &Principal, filter: Option<&CustomerFilter>) -> Result<Vec<Customer>> {
        self.own_partner(who).await?;
        let all = store::csp::customers_of(&mut *self.store.conn().await?, who.tenant).await?;
        Ok(all
            .into_iter()
            .filter(|c| filter.is_none_or(|f| f.matches(c)))
            .collect())
    }

    /// `POST /v1/customers`: an indirect provider creates a customer, for one of its resellers
    /// when `associatedPartnerId` names one it has an approved relationship with.
    pub async fn create_customer(&self, who: &Principal, r: CustomerRequest) -> Result<CreatedCustomer> {
        let me = self.own_partner(who).await?;
        if me.0.program(Program::CspIndirectProvider) != Some(ProgramStatus::Active) {
            return Err(Fault::new(403, 900149, "CSP Indirect Provider program status is not active.").into());
        }
        let valid = customer::validate_customer(&r.customer)?;
        let associated = match r
            .associated_partner_id
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
        {
            None => None,
            // SDKDOC `create-a-customer-for-an-indirect-reseller.md`: App+User only.
            Some(_) if who.user.is_none() => {
                return Err(Fault::explained(
                    403,
                    2032,
                    "Access denied",
                    "Creating a customer for an indirect reseller (associatedPartnerId) supports App+User authentication only.",
                )
                .into())
            }
            Some(raw) => Some(self.related_reseller(who, raw).await?),
        };
        let domain = valid.domain;
        let mut w = self.write(who.sandbox).await?;
        let count = store::csp::customer_count(w.c(), who.sandbox).await?;
        domain::limits::within("customers", "customers", count + 1, domain::limits::MAX_CUSTOMERS)?;
        if store::csp::customer_domain_taken(w.c(), who.sandbox, &domain).await? {
            return Err(Fault::new(409, 2000, format!("The domain {domain} is already in use."))
                .with_data(["companyProfile.domain"])
                .into());
        }
        let customer = Customer {
            id: TenantId(self.random.uuid()),
            commerce_id: self.random.uuid(),
            partner_tenant_id: who.tenant,
            associated_partner_id: associated,
            domain,
            company_name: valid.company_name,
            billing_profile: valid.billing,
            created_at: w.now,
            relationship_to_partner: RelationshipToPartner::Reseller,
            allow_delegated_access: true,
            organization_registration_number: valid.organization_registration_number,
            mca_signed_directly_at: None,
        };
        if store::world::domain_taken(w.c(), who.sandbox, &customer.domain).await? {
            return Err(
                Fault::new(409, 2000, format!("The domain {} is already in use.", customer.domain))
                    .with_data(["companyProfile.domain"])
                    .into(),
            );
        }
        let (_, users, _) = store::world::counts(w.c(), who.sandbox).await?;
        domain::limits::within("users", "users", users + 1, domain::limits::MAX_USERS)?;
        store::csp::insert_customer(w.c(), who.sandbox, &customer).await?;
        // The customer's own Entra tenant, with its admin: its users sign in through the mock
        // Entra, and applications are consented into it.
        let tenant = domain::world::Tenant {
            id: customer.id,
            display_name: customer.company_name.clone(),
            domain: customer.domain.clone(),
            verified_domains: Vec::new(),
            country: customer.billing_profile.default_address.country.to_ascii_uppercase(),
            mfa_technical_exception: false,
        };
        store::world::insert_tenants(w.c(), who.sandbox, std::slice::from_ref(&tenant)).await?;
        let password = identity::secrets::generate_password(self.random.as_ref());
        let admin = domain::world::User {
            id: domain::UserId(self.random.uuid()),
            tenant_id: customer.id,
            user_principal_name: format!("admin@{}", customer.domain),
            display_name: format!("{} admin", customer.company_name),
            roles: Vec::new(),
            mfa: domain::MfaState::Unregistered,
            totp_secret: None,
            password_hash: identity::secrets::hash(self.random.as_ref(), &password),
        };
        store::world::insert_users(w.c(), who.sandbox, std::slice::from_ref(&admin)).await?;
        let profile = domain::licensing::UserProfile {
            id: admin.id,
            usage_location: tenant.country.clone(),
            first_name: String::new(),
            last_name: String::new(),
            licenses: Vec::new(),
            directory_roles: vec![domain::licensing::COMPANY_ADMINISTRATOR.to_owned()],
        };
        store::commerce::insert(
            w.c(),
            store::commerce::Kind::User,
            &admin.id.to_string(),
            who.sandbox,
            customer.id,
            &profile,
        )
        .await?;
        let default_gdap = if r.enable_gdap_by_default != Some(false) {
            Some(
                self.default_gdap(&mut w, who, &me.0.legal_business_profile.company_name, &tenant)
                    .await?,
            )
        } else {
            None
        };
        w.commit().await?;
        if let Some(rel) = &default_gdap {
            self.gdap_created_active(who.sandbox, rel).await;
        }
        let path = format!("customers/{}", customer.id);
        self.emit(who.sandbox, who.tenant, "customer-created", "customer", &path)
            .await;
        // The sandbox's customer is in a reseller relationship with its partner from the start.
        self.emit(
            who.sandbox,
            who.tenant,
            "reseller-relationship-accepted-by-customer",
            "Customer",
            &path,
        )
        .await;
        Ok(CreatedCustomer {
            customer,
            user_name: "admin".into(),
            password,
        })
    }

    /// The reseller `associatedPartnerId` names (its tenant ID, or its associated partner ID),
    /// when the caller has an approved relationship with it.
    async fn related_reseller(&self, who: &Principal, raw: &str) -> Result<TenantId> {
        let mut c = self.store.read().await?;
        let tenant = match raw.parse::<TenantId>() {
            Ok(t) => Some(t),
            Err(_) => match csp::partner_id_of(raw) {
                Some(id) => store::profiles::reseller_with_id(&mut c, who.sandbox, id)
                    .await?
                    .map(|p| p.tenant_id),
                None => None,
            },
        };
        let related = store::csp::relationships(&mut c, who.tenant, Side::Provider).await?;
        match tenant {
            Some(t) if related.iter().any(|(_, p)| p.tenant_id == t) => Ok(t),
            _ => Err(Fault::bad_request(
                2000,
                format!(
                    "The indirect reseller {raw} has no relationship with your partner account. Invite the reseller \
                     and have it approve the request before creating customers for it."
                ),
            )
            .with_data(["associatedPartnerId"])
            .into()),
        }
    }

    /// `GET /v1/customers/{id}/profiles/billing`.
    pub async fn customer_billing_profile(&self, who: &Principal, customer: &str) -> Result<Customer> {
        self.customer_of(who, customer).await
    }

    /// `PUT /v1/customers/{id}/profiles/billing`: only the partner that created the customer
    /// updates it, with the profile's current etag.
    pub async fn update_customer_billing_profile(
        &self,
        who: &Principal,
        customer: &str,
        u: BillingUpdate,
    ) -> Result<Customer> {
        let id = self.customer_of(who, customer).await?.id;
        let mut w = self.write(who.sandbox).await?;
        let mut c = own_customer(&mut w, who, id, customer).await?;
        let billing: BillingProfile = customer::update_billing(&c.billing_profile, &u)?;
        c.billing_profile = billing;
        store::csp::update_customer(w.c(), &c).await?;
        w.commit().await?;
        Ok(c)
    }

    /// `PATCH /v1/customers/{id}`: the partner that created the customer removes its reseller
    /// relationship or its delegated admin privileges (App+User only).
    pub async fn patch_customer(&self, who: &Principal, customer: &str, p: CustomerPatch) -> Result<Customer> {
        let id = self.customer_of(who, customer).await?.id;
        let mut w = self.write(who.sandbox).await?;
        let c = own_customer(&mut w, who, id, customer).await?;
        let patched = customer::apply_patch(&c, &p)?;
        store::csp::update_customer(w.c(), &patched).await?;
        w.commit().await?;
        Ok(patched)
    }

    /// `DELETE /v1/customers/{id}`: the integration sandbox lets its partners delete their
    /// customers (SDKDOC `delete-a-customer-account-from-the-integration-sandbox.md`); every
    /// pcsandbox partner is a sandbox partner.
    pub async fn delete_customer(&self, who: &Principal, customer: &str) -> Result<()> {
        let id = self.customer_of(who, customer).await?.id;
        let mut w = self.write(who.sandbox).await?;
        own_customer(&mut w, who, id, customer).await?;
        store::csp::delete_customer(w.c(), id).await?;
        store::world::delete_tenant(w.c(), id).await?;
        w.commit().await
    }

    /// `GET /v1/customers/{id}/directSignedMicrosoftCustomerAgreementStatus`: whether the
    /// customer accepted the MCA itself (the control plane's `sign-customer-agreement`).
    pub async fn direct_signed_mca(&self, who: &Principal, customer: &str) -> Result<bool> {
        Ok(self.customer_of(who, customer).await?.mca_signed_directly_at.is_some())
    }

    /// Whether a domain is in use in the caller's sandbox: a tenant's or a customer's.
    /// `HEAD /v1/domains/{domain}` and the deprecated `checkdomainavailability/{prefix}`.
    pub async fn domain_in_use(&self, who: &Principal, raw: &str) -> Result<bool> {
        let domain = raw.trim().to_ascii_lowercase();
        if domain.is_empty() || domain.len() > 253 {
            return Ok(false);
        }
        let mut c = self.store.read().await?;
        Ok(store::csp::customer_domain_taken(&mut c, who.sandbox, &domain).await?)
    }

    /// `GET /v1/customers/relationshiprequests`: the link for a customer to accept the caller
    /// as reseller; with `indirectResellerId` (a provider for one of its resellers) or
    /// `indirectCloudSolutionProviderId` (a reseller naming its provider), the indirect form,
    /// for a relationship that exists.
    pub async fn relationship_request_link(&self, who: &Principal, q: &RelationshipRequestLink) -> Result<String> {
        let given = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        if let Some(d) = given(&q.dual_role_indirect_relationship) {
            if !d.eq_ignore_ascii_case("true") && !d.eq_ignore_ascii_case("false") {
                return Err(domain::FieldError::new(
                    "dualRoleIndirectRelationship",
                    format!("dualRoleIndirectRelationship must be true or false, not '{d}'."),
                )
                .into());
            }
        }
        let direct = format!(
            "https://admin.microsoft.com/Adminportal/Home?invType=ResellerRelationship&partnerId={}&msppId=0&DAP=false#/BillingAccounts/partner-invitation",
            who.tenant
        );
        let (provider, reseller) = match (
            given(&q.indirect_cloud_solution_provider_id),
            given(&q.indirect_reseller_id),
        ) {
            (None, None) => return Ok(direct),
            (Some(_), Some(_)) => return Err(domain::FieldError::new(
                "indirectResellerId",
                "Give indirectResellerId (as a provider) or indirectCloudSolutionProviderId (as a reseller), not both.",
            )
            .into()),
            (Some(p), None) => (p, who.tenant.to_string()),
            (None, Some(r)) => (who.tenant.to_string(), r),
        };
        let (field, side, other) = if provider == who.tenant.to_string() {
            ("indirectResellerId", Side::Provider, reseller.clone())
        } else {
            ("indirectCloudSolutionProviderId", Side::Reseller, provider.clone())
        };
        let other: TenantId = other.parse().map_err(|_| {
            domain::FieldError::new(
                field,
                format!("{field} must be a partner tenant id (a GUID), not '{other}'."),
            )
        })?;
        let mut c = self.store.read().await?;
        let related = store::csp::relationships(&mut c, who.tenant, side).await?;
        if !related.iter().any(|(_, p)| p.tenant_id == other) {
            return Err(domain::FieldError::new(
                field,
                format!("You have no approved indirect relationship with the partner {other}."),
            )
            .into());
        }
        Ok(format!(
            "https://admin.microsoft.com/Adminportal/Home?invType=IndirectResellerRelationship&partnerId={reseller}&msppId=0&indirectCSPId={provider}#/BillingAccounts/partner-invitation"
        ))
    }

    /// `POST /v1/partners/validateresellers`.
    pub async fn validate_resellers(&self, who: &Principal, ids: &[String]) -> Result<Vec<ResellerValidation>> {
        if ids.is_empty() {
            return Err(
                Fault::bad_request(2000, "partnerIds must name at least one partner ID.")
                    .with_data(["partnerIds"])
                    .into(),
            );
        }
        if ids.len() > 100 {
            return Err(Fault::bad_request(2000, "partnerIds can name at most 100 partner IDs.")
                .with_data(["partnerIds"])
                .into());
        }
        // Two queries for the whole list: the IDs, then the reseller accounts they name.
        let parsed: Vec<Option<PartnerId>> = ids.iter().map(|raw| csp::partner_id_of(raw)).collect();
        let wanted: Vec<PartnerId> = parsed.iter().flatten().copied().collect();
        let mut c = self.store.read().await?;
        let records = store::profiles::partner_ids(&mut c, who.sandbox, &wanted).await?;
        let resellers = store::profiles::resellers_with_ids(&mut c, who.sandbox, &wanted).await?;
        let mut out = Vec::with_capacity(ids.len());
        for (raw, id) in ids.iter().zip(parsed) {
            let facts = match id.and_then(|id| records.iter().find(|(_, r)| r.partner_id == id)) {
                None => PartnerIdFacts::Unknown,
                Some((_, r)) if r.kind == PartnerIdKind::PartnerGlobal => PartnerIdFacts::Global,
                Some((_, r)) => PartnerIdFacts::Location {
                    reseller: resellers
                        .iter()
                        .find(|p| p.csp.as_ref().is_some_and(|a| a.partner_id == r.partner_id))
                        .map(Partner::can_transact),
                },
            };
            out.push(csp::validate_reseller_id(raw, facts));
        }
        Ok(out)
    }
}

/// A customer the caller created (not one created for it as reseller), read in the write.
async fn own_customer(w: &mut crate::uow::Write<'_>, who: &Principal, id: TenantId, raw: &str) -> Result<Customer> {
    match store::csp::customer(w.c(), id).await? {
        Some(c) if c.partner_tenant_id == who.tenant => Ok(c),
        Some(_) => Err(Fault::explained(
            403,
            2032,
            "Access denied",
            "Only the partner that created the customer can change it; you are its indirect reseller.",
        )
        .into()),
        None => Err(customer_not_found(raw.trim())),
    }
}
