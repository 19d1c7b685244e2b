//! Partner Center roles of the caller's tenant: `/v1/roles` and their user members.

use domain::role::MemberSort;
use domain::world::User;
use domain::{FieldError, Role, UserId};

use super::auth::Principal;
use crate::error::{CoreError, Result};
use crate::Core;

/// A user member of a role, as `/v1/roles/{id}/usermembers` lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleMember {
    pub user: User,
    pub role: Role,
}

/// What `POST /v1/roles/{id}/usermembers` carries (Partner Center's UserMember).
#[derive(Debug, Clone, Default)]
pub struct NewRoleMember {
    pub account_id: Option<String>,
    pub id: Option<String>,
}

fn unknown_role(id: &str) -> CoreError {
    if uuid::Uuid::parse_str(id.trim()).is_err() {
        return FieldError::new("roleId", format!("The role id '{id}' is not a valid GUID.")).into();
    }
    CoreError::NotFound {
        what: "role",
        id: id.to_owned(),
        field: Some("roleId".into()),
    }
}

impl Core {
    /// `GET /v1/roles/{id}`.
    pub fn role(&self, role_id: &str) -> Result<Role> {
        Role::by_id(role_id).ok_or_else(|| unknown_role(role_id))
    }

    /// The members of a role in the caller's tenant, sorted as asked.
    pub async fn role_members(&self, who: &Principal, role_id: &str, sort: MemberSort) -> Result<Vec<RoleMember>> {
        let role = Role::by_id(role_id).ok_or_else(|| unknown_role(role_id))?;
        let mut c = self.store.conn().await?;
        let mut members: Vec<RoleMember> = store::world::role_holders(&mut c, who.tenant, role)
            .await?
            .into_iter()
            .map(|user| RoleMember { user, role })
            .collect();
        sort.sort(
            &mut members,
            |m| m.user.user_principal_name.as_str(),
            |m| m.user.display_name.as_str(),
        );
        Ok(members)
    }

    /// Gives a user of the caller's tenant a role. Partner Center wants the account (tenant) id
    /// set: without it, 400 "Account Id has to be set." (observed, code 2000).
    pub async fn add_role_member(&self, who: &Principal, role_id: &str, m: NewRoleMember) -> Result<RoleMember> {
        let role = Role::by_id(role_id).ok_or_else(|| unknown_role(role_id))?;
        let account = m.account_id.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let Some(account) = account else {
            return Err(FieldError::new("accountId", "Account Id has to be set.").into());
        };
        if !account.eq_ignore_ascii_case(&who.tenant.to_string()) {
            return Err(FieldError::new(
                "accountId",
                format!("Account Id '{account}' is not the partner's tenant."),
            )
            .into());
        }
        let uid = user_id(m.id.as_deref().unwrap_or_default())?;
        let mut w = self.write(who.sandbox).await?;
        let user = tenant_user(&mut w, who, uid).await?;
        let mut roles = user.roles.clone();
        if !roles.contains(&role) {
            roles.push(role);
            roles.sort();
            store::world::set_roles(w.c(), user.id, &roles).await?;
        }
        w.commit().await?;
        Ok(RoleMember {
            user: User { roles, ..user },
            role,
        })
    }

    /// Takes a role from a user. The tenant's last Global admin keeps the role, as in the portal;
    /// the count is read in the same transaction as the write, so two requests removing the last
    /// two Global admins cannot both pass.
    pub async fn remove_role_member(&self, who: &Principal, role_id: &str, user: &str) -> Result<()> {
        let role = Role::by_id(role_id).ok_or_else(|| unknown_role(role_id))?;
        let uid = user_id(user)?;
        let mut w = self.write(who.sandbox).await?;
        let user = tenant_user(&mut w, who, uid).await?;
        if !user.roles.contains(&role) {
            return Err(CoreError::NotFound {
                what: "role member",
                id: uid.to_string(),
                field: Some("userId".into()),
            });
        }
        if role == Role::GlobalAdmin && store::world::global_admins(w.c(), who.tenant).await?.len() <= 1 {
            return Err(FieldError::new(
                "userId",
                "The last Global admin of the account cannot be removed from the role.",
            )
            .into());
        }
        let roles: Vec<Role> = user.roles.iter().copied().filter(|r| *r != role).collect();
        store::world::set_roles(w.c(), user.id, &roles).await?;
        w.commit().await
    }
}

fn user_id(raw: &str) -> Result<UserId> {
    raw.trim()
        .parse()
        .map_err(|_| FieldError::new("id", format!("The user id '{raw}' is not a valid GUID.")).into())
}

/// A user of the caller's tenant, read in the write.
async fn tenant_user(w: &mut crate::uow::Write<'_>, who: &Principal, id: UserId) -> Result<User> {
    store::world::user(w.c(), id)
        .await?
        .map(|(_, u)| u)
        .filter(|u| u.tenant_id == who.tenant)
        .ok_or_else(|| CoreError::NotFound {
            what: "user",
            id: id.to_string(),
            field: Some("id".into()),
        })
}
