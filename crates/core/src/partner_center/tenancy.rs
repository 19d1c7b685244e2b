//! What a partner does inside a customer's tenant: its users (who sign in through the mock
//! Entra), their licences against the customer's subscriptions, and application consents (the
//! secure application model: a CPV's app may get app-only tokens in the tenant once consented).

use chrono::{DateTime, Utc};
use domain::commerce::Subscription;
use domain::customer::Customer;
use domain::fault::Fault;
use domain::licensing::{self, LicenseUpdate, NewUser, SkuUsage, UserProfile};
use domain::world::User;
use domain::{AppId, MfaState, SandboxId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::commerce::Kind;

use super::auth::Principal;
use crate::error::{CoreError, Result};
use crate::uow::Write;
use crate::Core;

/// The most users one customer tenant holds (the sandbox's user limit applies too).
pub const MAX_USERS_PER_CUSTOMER: usize = 1_000;
/// The most applications consented in one customer tenant.
pub const MAX_CONSENTS_PER_CUSTOMER: usize = 100;

/// A customer user: the directory's user and its profile.
#[derive(Debug, Clone)]
pub struct CustomerUser {
    pub user: User,
    pub profile: UserProfile,
    /// The password, only in the answer that created the user.
    pub password: Option<String>,
    /// What the creating request gave that the answer echoes: forceChangePassword, immutableId.
    pub created: Option<(bool, Option<String>)>,
}

/// An application consented in a customer's tenant, with the resources and scopes granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    pub customer_id: TenantId,
    pub application_id: AppId,
    pub grants: Vec<Grant>,
    pub consented_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The resource's application id (Graph `00000003-0000-0000-c000-000000000000`, ...).
    pub enterprise_application_id: String,
    pub scope: String,
}

fn user_not_found(id: &str) -> CoreError {
    Fault::new(404, 60002, "User object ID is not found")
        .with_data([id])
        .into()
}

fn profile_of(u: &User, docs: &[UserProfile]) -> UserProfile {
    docs.iter()
        .find(|p| p.id == u.id)
        .cloned()
        .unwrap_or_else(|| UserProfile {
            id: u.id,
            usage_location: String::new(),
            first_name: String::new(),
            last_name: String::new(),
            licenses: Vec::new(),
            directory_roles: Vec::new(),
        })
}

fn role_not_found(id: &str) -> CoreError {
    Fault::explained(
        404,
        1000,
        "Not found",
        format!("no directory role {id} (GET .../directoryroles)"),
    )
    .into()
}

fn consent_key(customer: TenantId, app: AppId) -> String {
    format!("{customer}:{app}")
}

impl Core {
    /// A customer the caller manages (created it): reading and writing inside its tenant.
    async fn managed_customer(&self, who: &Principal, customer: &str) -> Result<Customer> {
        let cu = self.customer_of(who, customer).await?;
        if cu.partner_tenant_id != who.tenant {
            return Err(Fault::explained(
                403,
                2032,
                "Access denied",
                "Only the partner that created the customer manages its tenant; you are its indirect reseller.",
            )
            .into());
        }
        Ok(cu)
    }

    async fn profiles(&self, w: &mut Write<'_>, customer: TenantId) -> Result<Vec<UserProfile>> {
        Ok(store::commerce::list(w.c(), Kind::User, customer).await?)
    }

    /// `GET /v1/customers/{id}/users`.
    pub async fn customer_users(&self, who: &Principal, customer: &str) -> Result<Vec<CustomerUser>> {
        let cu = self.managed_customer(who, customer).await?;
        let mut c = self.store.conn().await?;
        let users = store::world::tenant_users(&mut c, cu.id).await?;
        let docs: Vec<UserProfile> = store::commerce::list(&mut c, Kind::User, cu.id).await?;
        Ok(users
            .into_iter()
            .map(|u| CustomerUser {
                profile: profile_of(&u, &docs),
                user: u,
                password: None,
                created: None,
            })
            .collect())
    }

    /// `GET /v1/customers/{id}/users/{userId}`.
    pub async fn customer_user(&self, who: &Principal, customer: &str, id: &str) -> Result<CustomerUser> {
        let wanted: UserId = id.trim().parse().map_err(|_| user_not_found(id))?;
        self.customer_users(who, customer)
            .await?
            .into_iter()
            .find(|u| u.user.id == wanted)
            .ok_or_else(|| user_not_found(id))
    }

    /// `POST /v1/customers/{id}/users`: a user of the customer's tenant, able to sign in.
    pub async fn create_customer_user(&self, who: &Principal, customer: &str, body: &Value) -> Result<CustomerUser> {
        let cu = self.managed_customer(who, customer).await?;
        let mut w = self.write(who.sandbox).await?;
        let tenant = store::world::tenant(w.c(), cu.id)
            .await?
            .map(|(_, t)| t)
            .ok_or_else(|| CoreError::not_found("tenant", cu.id))?;
        let new: NewUser = licensing::read_new_user(body, &tenant.all_domains())?;
        let n = store::world::tenant_user_count(w.c(), cu.id).await?;
        domain::limits::within("users", "users of a customer", n + 1, MAX_USERS_PER_CUSTOMER)?;
        let (_, users, _) = store::world::counts(w.c(), who.sandbox).await?;
        domain::limits::within("users", "users", users + 1, domain::limits::MAX_USERS)?;
        if store::world::upn_taken(w.c(), who.sandbox, &new.user_principal_name).await? {
            return Err(Fault::explained(
                409,
                2000,
                "Another object with the same value for property userPrincipalName already exists.",
                format!("{} is taken", new.user_principal_name),
            )
            .with_data(["userPrincipalName"])
            .into());
        }
        let password = new
            .password
            .clone()
            .unwrap_or_else(|| identity::secrets::generate_password(self.random.as_ref()));
        let user = User {
            id: UserId(self.random.uuid()),
            tenant_id: cu.id,
            user_principal_name: new.user_principal_name.clone(),
            display_name: new.display_name.clone(),
            roles: Vec::new(),
            mfa: MfaState::Unregistered,
            totp_secret: None,
            password_hash: identity::secrets::hash(self.random.as_ref(), &password),
        };
        let profile = UserProfile {
            id: user.id,
            usage_location: new.usage_location,
            first_name: new.first_name,
            last_name: new.last_name,
            licenses: Vec::new(),
            directory_roles: Vec::new(),
        };
        store::world::insert_users(w.c(), who.sandbox, std::slice::from_ref(&user)).await?;
        store::commerce::insert(w.c(), Kind::User, &user.id.to_string(), who.sandbox, cu.id, &profile).await?;
        w.commit().await?;
        Ok(CustomerUser {
            user,
            profile,
            password: Some(password),
            created: Some((new.force_change_password, new.immutable_id.clone())),
        })
    }

    /// `DELETE /v1/customers/{id}/users/{userId}`: the user and its licences go.
    pub async fn delete_customer_user(&self, who: &Principal, customer: &str, id: &str) -> Result<()> {
        let found = self.customer_user(who, customer, id).await?;
        let mut w = self.write(who.sandbox).await?;
        store::commerce::remove(w.c(), Kind::User, &found.user.id.to_string()).await?;
        store::world::delete_user(w.c(), found.user.id).await?;
        w.commit().await
    }

    /// Saves a user's profile (made on first change for a user created before profiles).
    /// A user's profile as stored now, read in the write.
    async fn profile_in(&self, w: &mut Write<'_>, u: &User) -> Result<UserProfile> {
        let key = u.id.to_string();
        let stored: Option<UserProfile> = store::commerce::get(w.c(), Kind::User, u.tenant_id, &key).await?;
        Ok(profile_of(u, stored.as_slice()))
    }

    async fn save_profile(&self, w: &mut Write<'_>, sandbox: SandboxId, u: &CustomerUser) -> Result<()> {
        let key = u.user.id.to_string();
        let existing: Option<UserProfile> = store::commerce::get(w.c(), Kind::User, u.user.tenant_id, &key).await?;
        if existing.is_some() {
            store::commerce::update(w.c(), Kind::User, &key, &u.profile).await?;
        } else {
            store::commerce::insert(w.c(), Kind::User, &key, sandbox, u.user.tenant_id, &u.profile).await?;
        }
        Ok(())
    }

    /// `GET /v1/customers/{id}/users/{userId}/directoryroles`.
    pub async fn user_directory_roles(
        &self,
        who: &Principal,
        customer: &str,
        id: &str,
    ) -> Result<Vec<(&'static str, &'static str)>> {
        let u = self.customer_user(who, customer, id).await?;
        Ok(u.profile
            .directory_roles
            .iter()
            .filter_map(|r| licensing::directory_role(r))
            .collect())
    }

    /// `GET /v1/customers/{id}/directoryroles/{roleId}/usermembers`.
    pub async fn directory_role_members(
        &self,
        who: &Principal,
        customer: &str,
        role: &str,
    ) -> Result<(&'static str, Vec<CustomerUser>)> {
        let (rid, _) = licensing::directory_role(role).ok_or_else(|| role_not_found(role))?;
        let users = self.customer_users(who, customer).await?;
        Ok((
            rid,
            users
                .into_iter()
                .filter(|u| u.profile.directory_roles.iter().any(|r| r.eq_ignore_ascii_case(rid)))
                .collect(),
        ))
    }

    /// `POST /v1/customers/{id}/directoryroles/{roleId}/usermembers`: the user named by `Id`
    /// holds the role (again: 409).
    pub async fn add_directory_role_member(
        &self,
        who: &Principal,
        customer: &str,
        role: &str,
        user: &str,
    ) -> Result<(&'static str, CustomerUser)> {
        let (rid, _) = licensing::directory_role(role).ok_or_else(|| role_not_found(role))?;
        let mut u = self.customer_user(who, customer, user).await?;
        // Decided on the profile as it is inside the write: another request may have changed
        // the user's roles since it was read above.
        let mut w = self.write(who.sandbox).await?;
        u.profile = self.profile_in(&mut w, &u.user).await?;
        if u.profile.directory_roles.iter().any(|r| r.eq_ignore_ascii_case(rid)) {
            return Err(Fault::explained(
                409,
                2000,
                "The user is already a member of the role",
                format!("{} holds {rid}", u.user.user_principal_name),
            )
            .into());
        }
        u.profile.directory_roles.push(rid.to_owned());
        self.save_profile(&mut w, who.sandbox, &u).await?;
        w.commit().await?;
        Ok((rid, u))
    }

    /// `DELETE /v1/customers/{id}/directoryroles/{roleId}/usermembers/{userId}`.
    pub async fn remove_directory_role_member(
        &self,
        who: &Principal,
        customer: &str,
        role: &str,
        user: &str,
    ) -> Result<()> {
        let (rid, _) = licensing::directory_role(role).ok_or_else(|| role_not_found(role))?;
        let mut u = self.customer_user(who, customer, user).await?;
        let mut w = self.write(who.sandbox).await?;
        u.profile = self.profile_in(&mut w, &u.user).await?;
        let before = u.profile.directory_roles.len();
        u.profile.directory_roles.retain(|r| !r.eq_ignore_ascii_case(rid));
        if u.profile.directory_roles.len() == before {
            return Err(Fault::explained(
                404,
                1000,
                "Not found",
                format!("{} does not hold the role {rid}", u.user.user_principal_name),
            )
            .into());
        }
        self.save_profile(&mut w, who.sandbox, &u).await?;
        w.commit().await
    }

    async fn subscriptions_now(&self, w: &mut Write<'_>, customer: TenantId) -> Result<Vec<Subscription>> {
        let now = w.now;
        let mut subs: Vec<Subscription> = store::commerce::list(w.c(), Kind::Subscription, customer).await?;
        for s in subs.iter_mut() {
            if s.settle(now) {
                store::commerce::update(w.c(), Kind::Subscription, &s.id, s).await?;
            }
        }
        Ok(subs)
    }

    /// `GET /v1/customers/{id}/subscribedskus`.
    pub async fn subscribed_skus(&self, who: &Principal, customer: &str) -> Result<Vec<SkuUsage>> {
        let cu = self.managed_customer(who, customer).await?;
        let mut w = self.write(who.sandbox).await?;
        let subs = self.subscriptions_now(&mut w, cu.id).await?;
        let users = self.profiles(&mut w, cu.id).await?;
        w.commit().await?;
        let cat = self.catalog_for(who.sandbox).await?;
        Ok(licensing::subscribed_skus(&subs, &users, &cat))
    }

    /// `POST /v1/customers/{id}/users/{userId}/licenseupdates`.
    pub async fn update_licenses(
        &self,
        who: &Principal,
        customer: &str,
        id: &str,
        update: &LicenseUpdate,
    ) -> Result<(CustomerUser, Vec<SkuUsage>)> {
        let mut found = self.customer_user(who, customer, id).await?;
        let mut w = self.write(who.sandbox).await?;
        let subs = self.subscriptions_now(&mut w, found.user.tenant_id).await?;
        let users = self.profiles(&mut w, found.user.tenant_id).await?;
        // The licences as they are inside the write, not as read before it.
        found.profile = profile_of(&found.user, &users);
        let cat = self.catalog_for(who.sandbox).await?;
        let skus = licensing::subscribed_skus(&subs, &users, &cat);
        licensing::apply_update(&mut found.profile, update, &skus, &found.user.tenant_id.to_string())?;
        let key = found.user.id.to_string();
        if users.iter().any(|p| p.id == found.user.id) {
            store::commerce::update(w.c(), Kind::User, &key, &found.profile).await?;
        } else {
            store::commerce::insert(
                w.c(),
                Kind::User,
                &key,
                who.sandbox,
                found.user.tenant_id,
                &found.profile,
            )
            .await?;
        }
        w.commit().await?;
        Ok((found, skus))
    }

    /// `POST /v1/customers/{id}/applicationconsents`: the application may get app-only tokens
    /// in the customer's tenant for the resources granted.
    pub async fn consent_application(&self, who: &Principal, customer: &str, body: &Value) -> Result<Consent> {
        let cu = self.managed_customer(who, customer).await?;
        let get = |v: &Value, k: &str| -> Option<Value> {
            v.as_object()?
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
        };
        let invalid = |field: &str, why: &str| -> CoreError {
            Fault::explained(400, 800002, "Invalid request input", format!("{field}: {why}"))
                .with_data([field])
                .into()
        };
        let app: AppId = get(body, "applicationId")
            .and_then(|v| v.as_str().map(str::to_owned))
            .and_then(|s| s.trim().parse().ok())
            .ok_or_else(|| invalid("applicationId", "is the application's client id (a GUID)"))?;
        let grants_raw = get(body, "applicationGrants")
            .and_then(|v| v.as_array().cloned())
            .filter(|a| !a.is_empty() && a.len() <= 10)
            .ok_or_else(|| {
                invalid(
                    "applicationGrants",
                    "1 to 10 grants of {enterpriseApplicationId, scope}",
                )
            })?;
        let mut grants = Vec::new();
        for (i, g) in grants_raw.iter().enumerate() {
            let resource = get(g, "enterpriseApplicationId")
                .and_then(|v| v.as_str().map(str::to_owned))
                .filter(|r| identity::claims::resource(r).is_some())
                .ok_or_else(|| {
                    invalid(
                        &format!("applicationGrants[{i}].enterpriseApplicationId"),
                        "the application id of a resource this sandbox issues tokens for (Microsoft Graph 00000003-0000-0000-c000-000000000000, Partner Center fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd)",
                    )
                })?;
            let scope = get(g, "scope")
                .and_then(|v| v.as_str().map(str::to_owned))
                .filter(|s| !s.trim().is_empty() && s.len() <= 1024)
                .ok_or_else(|| invalid(&format!("applicationGrants[{i}].scope"), "is required"))?;
            grants.push(Grant {
                enterprise_application_id: resource.to_ascii_lowercase(),
                scope,
            });
        }
        let mut w = self.write(who.sandbox).await?;
        // Under GDAP a partner user consents only with an active relationship whose access
        // assignment gives the user's group Global Administrator, Application Administrator or
        // Cloud Application Administrator in that customer's tenant (Partner Center's GDAP FAQ).
        if let Some(user) = &who.user {
            let now = w.now;
            let roles = self
                .gdap_roles(w.c(), who.sandbox, user.id, who.tenant, cu.id, now)
                .await?
                .unwrap_or_default();
            if !roles
                .iter()
                .any(|r| domain::gdap::CONSENT_ROLES.iter().any(|c| c.eq_ignore_ascii_case(r)))
            {
                return Err(Fault::explained(
                    403,
                    900150,
                    "The supplied role does not have the rights to perform the requested operation",
                    format!(
                        "{} needs an active GDAP relationship with {} whose access assignment gives one of the user's security \
                         groups Global Administrator, Application Administrator or Cloud Application Administrator \
                         (the user's GDAP roles there: {})",
                        user.upn,
                        cu.domain,
                        if roles.is_empty() { "none".to_owned() } else { roles.join(", ") }
                    ),
                )
                .into());
            }
        }
        if store::world::app(w.c(), app)
            .await?
            .filter(|(s, _)| *s == who.sandbox)
            .is_none()
        {
            return Err(invalid(
                "applicationId",
                "no application of this sandbox has that client id",
            ));
        }
        let key = consent_key(cu.id, app);
        let consent = Consent {
            customer_id: cu.id,
            application_id: app,
            grants,
            consented_at: w.now,
        };
        let existing: Option<Consent> = store::commerce::get(w.c(), Kind::Consent, cu.id, &key).await?;
        if existing.is_some() {
            return Err(Fault::explained(
                409,
                2000,
                "Consent already exists for this application",
                format!("the application {app} is consented in this tenant; DELETE it first to change its grants"),
            )
            .into());
        }
        let n = store::commerce::count(w.c(), Kind::Consent, cu.id).await?;
        domain::limits::within(
            "applicationConsents",
            "applications consented in a customer",
            n + 1,
            MAX_CONSENTS_PER_CUSTOMER,
        )?;
        store::commerce::insert(w.c(), Kind::Consent, &key, who.sandbox, cu.id, &consent).await?;
        w.commit().await?;
        Ok(consent)
    }

    /// `GET /v1/customers/{id}/applicationconsents`.
    pub async fn application_consents(&self, who: &Principal, customer: &str) -> Result<Vec<Consent>> {
        let cu = self.managed_customer(who, customer).await?;
        let mut c = self.store.conn().await?;
        Ok(store::commerce::list(&mut c, Kind::Consent, cu.id).await?)
    }

    /// `DELETE /v1/customers/{id}/applicationconsents/{appId}`.
    pub async fn remove_consent(&self, who: &Principal, customer: &str, app: &str) -> Result<()> {
        let cu = self.managed_customer(who, customer).await?;
        let app: AppId = app
            .trim()
            .parse()
            .map_err(|_| CoreError::from(Fault::new(404, 1000, "Not found")))?;
        let key = consent_key(cu.id, app);
        let mut w = self.write(who.sandbox).await?;
        let existing: Option<Consent> = store::commerce::get(w.c(), Kind::Consent, cu.id, &key).await?;
        if existing.is_none() {
            return Err(Fault::explained(
                404,
                1000,
                "Not found",
                format!("the application {app} is not consented in this tenant"),
            )
            .into());
        }
        store::commerce::remove(w.c(), Kind::Consent, &key).await?;
        w.commit().await
    }

    /// Whether an app may get app-only tokens for `resource` in `tenant`: its home tenant and
    /// the sandbox's partner tenants always; a customer's tenant only once consented there, for
    /// the resources granted. `Err` carries Entra's refusal.
    pub(crate) async fn app_only_allowed(
        &self,
        sandbox: SandboxId,
        app: AppId,
        app_tenant: TenantId,
        tenant: TenantId,
        resource_app_id: &str,
    ) -> std::result::Result<(), crate::entra::EntraError> {
        if tenant == app_tenant {
            return Ok(());
        }
        let mut c = self.store.conn().await?;
        let Some(cu) = store::csp::customer(&mut c, tenant).await? else {
            return Ok(());
        };
        let _ = sandbox;
        let consent: Option<Consent> =
            store::commerce::get(&mut c, Kind::Consent, cu.id, &consent_key(cu.id, app)).await?;
        match consent {
            None => Err(crate::entra::EntraError::missing_service_principal(
                &app.to_string(),
                &tenant.to_string(),
            )),
            Some(c)
                if !c
                    .grants
                    .iter()
                    .any(|g| g.enterprise_application_id.eq_ignore_ascii_case(resource_app_id)) =>
            {
                Err(crate::entra::EntraError::consent_required(&app.to_string()))
            }
            Some(_) => Ok(()),
        }
    }
}
