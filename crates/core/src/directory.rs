//! Tenants, users and apps: turning validated plans into records (ids and credentials), and the
//! control-plane use-cases that add them to a live sandbox.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::partner_id::{PartnerIdKind, PartnerIdRecord, PartnerIdStatus};
use domain::program::{Program, ProgramRecord, ProgramStatus};
use domain::scenario::{self, AppPlan, ScenarioPlan, TenantPlan, TenantSpec, UserPlan, UserSpec};
use domain::world::{App, Tenant, User, World};
use domain::{limits, AppId, MfaState, PartnerId, SandboxId, TenantId, UserId};
use identity::{secrets, Random};

use crate::error::{CoreError, Result};
use crate::Core;

/// Secrets to show once: by user id (passwords) and client id (client secrets).
pub type Secrets = BTreeMap<String, String>;

/// Records made from a plan, with the secrets to show and those the plan stated outright.
#[derive(Debug, Default)]
pub struct Minted {
    pub world: World,
    pub secrets: Secrets,
    pub stated: Secrets,
}

fn mint_user(random: &dyn Random, tenant: TenantId, plan: &UserPlan, out: &mut Minted) -> User {
    let id = UserId(random.uuid());
    let password = match &plan.password {
        Some(p) => {
            out.stated.insert(id.to_string(), p.clone());
            p.clone()
        }
        None => secrets::generate_password(random),
    };
    let totp_secret = match plan.mfa {
        MfaState::Registered => Some(
            plan.totp_secret
                .clone()
                .unwrap_or_else(|| secrets::generate_totp_secret(random)),
        ),
        _ => None,
    };
    let user = User {
        id,
        tenant_id: tenant,
        user_principal_name: plan.user_principal_name.clone(),
        display_name: plan.display_name.clone(),
        roles: plan.roles.clone(),
        mfa: plan.mfa,
        totp_secret,
        password_hash: secrets::hash(random, &password),
    };
    out.secrets.insert(id.to_string(), password);
    out.world.users.push(user.clone());
    user
}

fn mint_tenant(random: &dyn Random, plan: &TenantPlan, out: &mut Minted, now: DateTime<Utc>) -> Tenant {
    let tenant = Tenant {
        id: TenantId(random.uuid()),
        display_name: plan.display_name.clone(),
        domain: plan.domain.clone(),
        verified_domains: plan.verified_domains.clone(),
        country: plan.country.clone(),
        mfa_technical_exception: plan.mfa_technical_exception,
    };
    out.world.tenants.push(tenant.clone());
    for u in &plan.users {
        mint_user(random, tenant.id, u, out);
    }
    if let Some(p) = &plan.partner {
        // A partner a scenario declares is registered and verified: its IDs are active.
        let partner_ids = [PartnerIdKind::PartnerGlobal, PartnerIdKind::PartnerLocation]
            .into_iter()
            .map(|kind| PartnerIdRecord {
                partner_id: fresh_partner_id(random, &out.world),
                kind,
                country: plan.country.clone(),
                status: PartnerIdStatus::Active,
            })
            .collect::<Vec<_>>();
        let mut partner = domain::world::Partner {
            tenant_id: tenant.id,
            legal_business_profile: p.legal_business_profile.clone(),
            website: p.website.clone(),
            partner_ids: Vec::new(),
            programs: p
                .programs
                .iter()
                .map(|&program| ProgramRecord {
                    program,
                    status: ProgramStatus::Active,
                })
                .collect(),
            verification: None,
            last_finalized: None,
            csp: None,
            agreements: Vec::new(),
        };
        for id in partner_ids {
            // Two fresh draws may still coincide with each other.
            let mut id = id;
            while partner.partner_ids.iter().any(|x| x.partner_id == id.partner_id) {
                id.partner_id = fresh_partner_id(random, &out.world);
            }
            partner.partner_ids.push(id);
        }
        if p.programs.contains(&Program::CspIndirectReseller) {
            declare_reseller(&mut partner, &plan.country, out, now);
        } else if p.programs.contains(&Program::CspIndirectProvider) {
            accept_mpa_as_admin(&mut partner, out, now);
        }
        out.world.partners.push(partner);
    }
    tenant
}

/// A reseller a scenario declares: enrolled with its own PartnerLocation ID, the MPA accepted by
/// its first Global admin when the sandbox was made.
fn declare_reseller(partner: &mut domain::world::Partner, country: &str, out: &Minted, now: DateTime<Utc>) {
    let Some(location) = partner
        .partner_ids
        .iter()
        .find(|i| i.kind == PartnerIdKind::PartnerLocation)
        .map(|i| i.partner_id)
    else {
        return;
    };
    let profile = &partner.legal_business_profile;
    partner.csp = Some(domain::csp::CspAccount {
        partner_id: location,
        location_tenant_id: partner.tenant_id,
        country: country.to_owned(),
        support: domain::csp::SupportProfile {
            website: partner.website.clone().unwrap_or_default(),
            email: profile.primary_contact.email.clone(),
            phone: profile.primary_contact.phone_number.clone(),
        },
        enrolled_at: now,
    });
    accept_mpa_as_admin(partner, out, now);
}

/// The partner's first Global admin accepted the Microsoft Partner Agreement when the sandbox was
/// made: a declared reseller or indirect provider transacts in CSP, which the MPA is the contract of.
fn accept_mpa_as_admin(partner: &mut domain::world::Partner, out: &Minted, now: DateTime<Utc>) {
    if let Some(admin) = out
        .world
        .users
        .iter()
        .find(|u| u.tenant_id == partner.tenant_id && u.roles.contains(&domain::Role::GlobalAdmin))
    {
        partner.agreements.push(domain::csp::AgreementAcceptance {
            agreement_type: domain::csp::PartnerAgreementType::MicrosoftPartnerAgreement,
            accepted_at: now,
            accepted_by: admin.id,
            accepted_by_upn: admin.user_principal_name.clone(),
        });
    }
}

/// A partner ID no partner of this world holds yet.
pub fn fresh_partner_id(random: &dyn Random, world: &World) -> PartnerId {
    loop {
        let r = u32::try_from(random.below(u64::from(PartnerId::MAX - PartnerId::MIN + 1))).unwrap_or_default();
        let id = PartnerId::from_random(r);
        if !world
            .partners
            .iter()
            .any(|p| p.partner_ids.iter().any(|x| x.partner_id == id))
        {
            return id;
        }
    }
}

fn mint_app(random: &dyn Random, tenant: TenantId, plan: &AppPlan, out: &mut Minted) -> App {
    let client_id = AppId(random.uuid());
    let secret = match (&plan.client_secret, plan.public_client) {
        (_, true) => None,
        (Some(s), false) => {
            out.stated.insert(client_id.to_string(), s.clone());
            Some(s.clone())
        }
        (None, false) => Some(secrets::generate_client_secret(random)),
    };
    let app = App {
        client_id,
        tenant_id: tenant,
        display_name: plan.display_name.clone(),
        redirect_uris: plan.redirect_uris.clone(),
        public_client: plan.public_client,
        secret_hash: secret.as_deref().map(|s| secrets::hash(random, s)),
    };
    if let Some(s) = secret {
        out.secrets.insert(client_id.to_string(), s);
    }
    out.world.apps.push(app.clone());
    app
}

/// Gives a whole scenario its ids and credentials.
pub fn mint_scenario(random: &dyn Random, plan: &ScenarioPlan, now: DateTime<Utc>) -> Minted {
    let mut out = Minted::default();
    out.world.mfa_enforcement = plan.mfa_enforcement;
    out.world.registry = plan.registry.clone();
    out.world.review_business_days = plan.review_business_days;
    out.world.business_calendar = plan.business_calendar;
    out.world.catalog = plan.catalog.clone();
    let tenant_ids: Vec<TenantId> = plan
        .tenants
        .iter()
        .map(|t| mint_tenant(random, t, &mut out, now).id)
        .collect();
    for a in &plan.apps {
        // plan() guarantees the index points at one of the scenario's tenants.
        if let Some(t) = tenant_ids.get(a.tenant_index) {
            mint_app(random, *t, a, &mut out);
        }
    }
    out
}

/// What the control plane accepts for a new app.
#[derive(Debug, Clone)]
pub struct NewApp {
    pub tenant_id: TenantId,
    pub display_name: Option<String>,
    pub redirect_uris: Vec<String>,
    pub public_client: bool,
}

/// A tenant just added, with its users, its partner account (if declared) and the secrets to show.
#[derive(Debug)]
pub struct AddedTenant {
    pub tenant: Tenant,
    pub users: Vec<User>,
    pub partner: Option<domain::world::Partner>,
    pub secrets: Secrets,
}

impl Core {
    /// Adds a tenant to a live sandbox. Its domains must be free in the sandbox.
    pub async fn add_tenant(&self, sandbox: SandboxId, spec: TenantSpec) -> Result<AddedTenant> {
        let plan = scenario::plan_tenant(&spec)?;
        let mut w = self.write(sandbox).await?;
        let (tenants, users, _) = store::world::counts(w.c(), sandbox).await?;
        limits::within("tenants", "tenants", tenants + 1, limits::MAX_TENANTS)?;
        limits::within("users", "users", users + plan.users.len(), limits::MAX_USERS)?;
        let mut minted = Minted::default();
        let tenant = mint_tenant(self.random.as_ref(), &plan, &mut minted, w.now);
        for (i, d) in tenant.all_domains().iter().enumerate() {
            if store::world::domain_taken(w.c(), sandbox, d).await? {
                let field = if i == 0 {
                    "domain".to_owned()
                } else {
                    format!("verifiedDomains[{}]", i - 1)
                };
                return Err(CoreError::conflict(
                    field,
                    format!("domain '{d}' already belongs to a tenant of this sandbox"),
                ));
            }
        }
        store::world::insert_tenants(w.c(), sandbox, std::slice::from_ref(&tenant)).await?;
        store::world::insert_users(w.c(), sandbox, &minted.world.users).await?;
        let mut partner = minted.world.partners.pop();
        if let Some(p) = &mut partner {
            // Fresh within this tenant; now make each ID fresh within the sandbox too.
            for i in 0..p.partner_ids.len() {
                loop {
                    let id = p.partner_ids[i].partner_id;
                    let clash = p.partner_ids.iter().filter(|x| x.partner_id == id).count() > 1;
                    if !clash && !store::profiles::partner_id_taken(w.c(), sandbox, id).await? {
                        break;
                    }
                    let fresh = fresh_partner_id(self.random.as_ref(), &minted.world);
                    // A declared reseller is associated with its own location: follow the new ID.
                    if let Some(c) = p.csp.as_mut().filter(|c| c.partner_id == id) {
                        c.partner_id = fresh;
                    }
                    p.partner_ids[i].partner_id = fresh;
                }
            }
            store::profiles::insert_partners(w.c(), sandbox, std::slice::from_ref(p)).await?;
        }
        w.commit().await?;
        Ok(AddedTenant {
            tenant,
            users: minted.world.users,
            partner,
            secrets: minted.secrets,
        })
    }

    /// Adds a user to a tenant of a live sandbox; the password is generated unless given.
    pub async fn add_user(&self, sandbox: SandboxId, tenant: TenantId, spec: UserSpec) -> Result<(User, Secrets)> {
        let mut w = self.write(sandbox).await?;
        let t = store::world::tenant(w.c(), tenant)
            .await?
            .filter(|(s, _)| *s == sandbox)
            .map(|(_, t)| t)
            .ok_or_else(|| CoreError::not_found("tenant", tenant))?;
        let (_, users, _) = store::world::counts(w.c(), sandbox).await?;
        limits::within("users", "users", users + 1, limits::MAX_USERS)?;
        let ordinal = store::world::tenant_user_count(w.c(), t.id).await?;
        let plan = scenario::plan_user(&spec, &t.all_domains(), ordinal)?;
        if store::world::upn_taken(w.c(), sandbox, &plan.user_principal_name).await? {
            return Err(CoreError::conflict(
                "userPrincipalName",
                format!("a user '{}' already exists in this sandbox", plan.user_principal_name),
            ));
        }
        let mut minted = Minted::default();
        let user = mint_user(self.random.as_ref(), t.id, &plan, &mut minted);
        store::world::insert_users(w.c(), sandbox, std::slice::from_ref(&user)).await?;
        w.commit().await?;
        Ok((user, minted.secrets))
    }

    /// Registers an app in a tenant of a live sandbox; confidential clients get a secret.
    pub async fn add_app(&self, sandbox: SandboxId, new: NewApp) -> Result<(App, Secrets)> {
        let spec = scenario::AppSpec {
            tenant: None,
            display_name: new.display_name,
            redirect_uris: new.redirect_uris,
            public_client: new.public_client,
            client_secret: None,
        };
        let plan = scenario::plan_app(&spec, 0)?;
        let mut w = self.write(sandbox).await?;
        if store::world::tenant(w.c(), new.tenant_id)
            .await?
            .is_none_or(|(s, _)| s != sandbox)
        {
            return Err(CoreError::NotFound {
                what: "tenant",
                id: new.tenant_id.to_string(),
                field: Some("tenantId".into()),
            });
        }
        let (_, _, apps) = store::world::counts(w.c(), sandbox).await?;
        limits::within("apps", "apps", apps + 1, limits::MAX_APPS)?;
        let mut minted = Minted::default();
        let app = mint_app(self.random.as_ref(), new.tenant_id, &plan, &mut minted);
        store::world::insert_apps(w.c(), sandbox, std::slice::from_ref(&app)).await?;
        w.commit().await?;
        Ok((app, minted.secrets))
    }
}
