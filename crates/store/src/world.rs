//! Tenants (with their domains), users and apps of a sandbox.

use std::collections::HashMap;

use domain::lockout::Guard;
use domain::world::{App, Tenant, User, World};
use domain::{AppId, MfaState, SandboxId, TenantId, UserId};
use sqlx::any::AnyRow;

use crate::rows::{self, get};
use crate::{corrupt, map_write_err, Conn, Result};

/// Tenant columns with the verified domains aggregated, so a tenant is one row.
const TENANT_SELECT: &str =
    "SELECT t.id, t.sandbox_id, t.display_name, t.domain, t.country, t.mfa_technical_exception, \
     (SELECT json_group_array(d.domain) FROM (SELECT domain FROM tenant_domains \
      WHERE tenant_id = t.id AND initial = 0 ORDER BY rowid) d) AS verified FROM tenants t";

fn tenant_from_row(r: &AnyRow) -> Result<Tenant> {
    Ok(Tenant {
        id: rows::parse(r, "id")?,
        display_name: get(r, "display_name")?,
        domain: get(r, "domain")?,
        verified_domains: rows::json(r, "verified")?,
        country: get(r, "country")?,
        mfa_technical_exception: get::<i64>(r, "mfa_technical_exception")? != 0,
    })
}

fn user_from_row(r: &AnyRow) -> Result<User> {
    let mfa: String = get(r, "mfa_state")?;
    Ok(User {
        id: rows::parse(r, "id")?,
        tenant_id: rows::parse(r, "tenant_id")?,
        user_principal_name: get(r, "user_principal_name")?,
        display_name: get(r, "display_name")?,
        roles: rows::json(r, "roles")?,
        mfa: mfa.parse().map_err(corrupt)?,
        totp_secret: get(r, "totp_secret")?,
        password_hash: get(r, "password_hash")?,
    })
}

fn app_from_row(r: &AnyRow) -> Result<App> {
    Ok(App {
        client_id: rows::parse(r, "client_id")?,
        tenant_id: rows::parse(r, "tenant_id")?,
        display_name: get(r, "display_name")?,
        redirect_uris: rows::json(r, "redirect_uris")?,
        public_client: get::<i64>(r, "public_client")? != 0,
        secret_hash: get(r, "secret_hash")?,
    })
}

const USER_COLUMNS: &str =
    "id, sandbox_id, tenant_id, user_principal_name, display_name, roles, mfa_state, totp_secret, password_hash";

/// Everything in a sandbox, in creation order. Run it in a read transaction ([`crate::Store::read`])
/// so that its reads agree.
pub async fn world(c: &mut Conn, sandbox: SandboxId) -> Result<World> {
    worlds(c, &[sandbox])
        .await?
        .remove(&sandbox)
        .ok_or_else(|| corrupt(format!("no sandbox {sandbox}")))
}

/// The worlds of several sandboxes in a fixed number of queries (a page of the sandbox list).
pub async fn worlds(c: &mut Conn, sandboxes: &[SandboxId]) -> Result<HashMap<SandboxId, World>> {
    let ids: Vec<String> = sandboxes.iter().map(ToString::to_string).collect();
    let ids = rows::to_json(&ids)?;
    let mut out: HashMap<SandboxId, World> = HashMap::new();
    let settings = crate::sql::query(
        "SELECT id, mfa_enforcement, review_business_days, business_calendar FROM sandboxes \
         WHERE id IN (SELECT value FROM json_each(?))",
    )
    .bind(&ids)
    .fetch_all(&mut *c)
    .await?;
    for r in &settings {
        let e: String = get(r, "mfa_enforcement")?;
        out.insert(
            rows::parse(r, "id")?,
            World {
                mfa_enforcement: domain::world::MfaEnforcement::parse(&e)
                    .ok_or_else(|| corrupt(format!("mfa_enforcement {e}")))?,
                review_business_days: u32::try_from(get::<i64>(r, "review_business_days")?)
                    .map_err(|_| corrupt("review_business_days"))?,
                business_calendar: {
                    let c: String = get(r, "business_calendar")?;
                    domain::calendar::BusinessCalendar::parse(&c)
                        .ok_or_else(|| corrupt(format!("business_calendar {c}")))?
                },
                ..World::default()
            },
        );
    }
    let tenants = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "{TENANT_SELECT} WHERE t.sandbox_id IN (SELECT value FROM json_each(?)) ORDER BY t.seq"
    )))
    .bind(&ids)
    .fetch_all(&mut *c)
    .await?;
    for r in &tenants {
        if let Some(w) = out.get_mut(&rows::parse(r, "sandbox_id")?) {
            w.tenants.push(tenant_from_row(r)?);
        }
    }
    let users = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE sandbox_id IN (SELECT value FROM json_each(?)) ORDER BY seq"
    )))
    .bind(&ids)
    .fetch_all(&mut *c)
    .await?;
    for r in &users {
        if let Some(w) = out.get_mut(&rows::parse(r, "sandbox_id")?) {
            w.users.push(user_from_row(r)?);
        }
    }
    let apps =
        crate::sql::query("SELECT * FROM apps WHERE sandbox_id IN (SELECT value FROM json_each(?)) ORDER BY seq")
            .bind(&ids)
            .fetch_all(&mut *c)
            .await?;
    for r in &apps {
        if let Some(w) = out.get_mut(&rows::parse(r, "sandbox_id")?) {
            w.apps.push(app_from_row(r)?);
        }
    }
    for (sandbox, p) in crate::profiles::partners_in(c, sandboxes).await? {
        if let Some(w) = out.get_mut(&sandbox) {
            w.partners.push(p);
        }
    }
    for (sandbox, e) in crate::onboarding::registries(c, sandboxes).await? {
        if let Some(w) = out.get_mut(&sandbox) {
            w.registry.push(e);
        }
    }
    Ok(out)
}

/// An app by its globally unique client id, with its sandbox.
pub async fn app(c: &mut Conn, client_id: AppId) -> Result<Option<(SandboxId, App)>> {
    let row = crate::sql::query("SELECT * FROM apps WHERE client_id = ?")
        .bind(client_id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| Ok((rows::parse(&r, "sandbox_id")?, app_from_row(&r)?)))
        .transpose()
}

/// How many apps of a sandbox have this redirect URI registered.
pub async fn apps_with_redirect(c: &mut Conn, sandbox: SandboxId, uri: &str) -> Result<usize> {
    let r = crate::sql::query(
        "SELECT COUNT(*) AS n FROM apps WHERE sandbox_id = ? AND EXISTS \
         (SELECT 1 FROM json_each(apps.redirect_uris) WHERE value = ?)",
    )
    .bind(sandbox.to_string())
    .bind(uri)
    .fetch_one(&mut *c)
    .await?;
    rows::count(&r, "n")
}

/// A user by UPN (lower-case) in a sandbox.
pub async fn user_by_upn(c: &mut Conn, sandbox: SandboxId, upn: &str) -> Result<Option<User>> {
    let row = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE sandbox_id = ? AND user_principal_name = ?"
    )))
    .bind(sandbox.to_string())
    .bind(upn)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The sandboxes that have a user with this principal name, at most `limit` (the portal's
/// sign-in asks which one when there are several).
pub async fn sandboxes_with_upn(c: &mut Conn, upn: &str, limit: u32) -> Result<Vec<SandboxId>> {
    let rows: Vec<String> = crate::sql::query_scalar(
        "SELECT sandbox_id FROM users WHERE user_principal_name = ? ORDER BY sandbox_id LIMIT ?",
    )
    .bind(upn)
    .bind(i64::from(limit))
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().filter_map(|r| r.parse().ok()).collect())
}

/// A user by id (globally unique), with its sandbox.
pub async fn user(c: &mut Conn, id: UserId) -> Result<Option<(SandboxId, User)>> {
    let row = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = ?"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut *c)
    .await?;
    row.map(|r| Ok((rows::parse(&r, "sandbox_id")?, user_from_row(&r)?)))
        .transpose()
}

/// A tenant by id (globally unique), with its sandbox: one row.
pub async fn tenant(c: &mut Conn, id: TenantId) -> Result<Option<(SandboxId, Tenant)>> {
    let row = crate::sql::query(sqlx::AssertSqlSafe(format!("{TENANT_SELECT} WHERE t.id = ?")))
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| Ok((rows::parse(&r, "sandbox_id")?, tenant_from_row(&r)?)))
        .transpose()
}

/// Tenants that have this domain, in any sandbox, read whole.
pub async fn tenants_by_domain(c: &mut Conn, domain: &str) -> Result<Vec<(SandboxId, Tenant)>> {
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "{TENANT_SELECT} WHERE t.id IN (SELECT tenant_id FROM tenant_domains WHERE domain = ?) LIMIT 8"
    )))
    .bind(domain)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((rows::parse(r, "sandbox_id")?, tenant_from_row(r)?)))
        .collect()
}

/// The tenant of a sandbox that has this domain.
pub async fn tenant_by_domain(c: &mut Conn, sandbox: SandboxId, domain: &str) -> Result<Option<Tenant>> {
    let row = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "{TENANT_SELECT} WHERE t.id IN (SELECT tenant_id FROM tenant_domains WHERE sandbox_id = ? AND domain = ?)"
    )))
    .bind(sandbox.to_string())
    .bind(domain)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(tenant_from_row).transpose()
}

/// Is this domain already a domain of some tenant of the sandbox?
pub async fn domain_taken(c: &mut Conn, sandbox: SandboxId, domain: &str) -> Result<bool> {
    let n: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM tenant_domains WHERE sandbox_id = ? AND domain = ?")
        .bind(sandbox.to_string())
        .bind(domain)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

pub async fn upn_taken(c: &mut Conn, sandbox: SandboxId, upn: &str) -> Result<bool> {
    let n: i64 =
        crate::sql::query_scalar("SELECT COUNT(*) FROM users WHERE sandbox_id = ? AND user_principal_name = ?")
            .bind(sandbox.to_string())
            .bind(upn)
            .fetch_one(&mut *c)
            .await?;
    Ok(n > 0)
}

/// How many tenants, users and apps a sandbox holds (for its limits).
pub async fn counts(c: &mut Conn, sandbox: SandboxId) -> Result<(usize, usize, usize)> {
    let r = crate::sql::query(
        "SELECT (SELECT COUNT(*) FROM tenants WHERE sandbox_id = ?1 \
         AND id NOT IN (SELECT id FROM customers WHERE sandbox_id = ?1)) AS t, \
         (SELECT COUNT(*) FROM users WHERE sandbox_id = ?1) AS u, (SELECT COUNT(*) FROM apps WHERE sandbox_id = ?1) AS a",
    )
    .bind(sandbox.to_string())
    .fetch_one(&mut *c)
    .await?;
    Ok((rows::count(&r, "t")?, rows::count(&r, "u")?, rows::count(&r, "a")?))
}

/// The users of one tenant, in creation order.
pub async fn tenant_users(c: &mut Conn, tenant: TenantId) -> Result<Vec<User>> {
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ? ORDER BY rowid"
    )))
    .bind(tenant.to_string())
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(user_from_row).collect()
}

/// Removes a tenant and everything of it (users, apps, domains, grants by cascade).
pub async fn delete_tenant(c: &mut Conn, tenant: TenantId) -> Result<()> {
    crate::sql::query("DELETE FROM tenants WHERE id = ?")
        .bind(tenant.to_string())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Removes a user (its grants by cascade).
pub async fn delete_user(c: &mut Conn, user: UserId) -> Result<bool> {
    let r = crate::sql::query("DELETE FROM users WHERE id = ?")
        .bind(user.to_string())
        .execute(&mut *c)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// How many users a tenant has (names unnamed users `userN`).
pub async fn tenant_user_count(c: &mut Conn, tenant: TenantId) -> Result<usize> {
    let n: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_one(&mut *c)
        .await?;
    usize::try_from(n).map_err(|_| corrupt("user count"))
}

/// The Global admins of a tenant, in creation order.
pub async fn global_admins(c: &mut Conn, tenant: TenantId) -> Result<Vec<User>> {
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ? AND EXISTS \
         (SELECT 1 FROM json_each(users.roles) WHERE value = 'global-admin') ORDER BY seq"
    )))
    .bind(tenant.to_string())
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(user_from_row).collect()
}

/// The users of a tenant holding a role, in creation order.
pub async fn role_holders(c: &mut Conn, tenant: TenantId, role: domain::Role) -> Result<Vec<User>> {
    let rows = crate::sql::query(sqlx::AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = ? AND EXISTS \
         (SELECT 1 FROM json_each(users.roles) WHERE value = ?) ORDER BY seq"
    )))
    .bind(tenant.to_string())
    .bind(role.as_str())
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(user_from_row).collect()
}

pub async fn set_tenant_mfa_exception(c: &mut Conn, tenant: TenantId, granted: bool) -> Result<()> {
    crate::sql::query("UPDATE tenants SET mfa_technical_exception = ? WHERE id = ?")
        .bind(i64::from(granted))
        .bind(tenant.to_string())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Replaces a user's Partner Center roles.
pub async fn set_roles(c: &mut Conn, user: UserId, roles: &[domain::Role]) -> Result<()> {
    crate::sql::query("UPDATE users SET roles = ? WHERE id = ?")
        .bind(rows::to_json(&roles)?)
        .bind(user.to_string())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Rows per multi-row insert: far below SQLite's limit on bound parameters.
const ROWS_PER_INSERT: usize = 200;

/// Tenants and their domains in as few statements as possible, after the sandbox's last tenant.
pub async fn insert_tenants(c: &mut Conn, sandbox: SandboxId, tenants: &[Tenant]) -> Result<()> {
    let sid = sandbox.to_string();
    for chunk in tenants.chunks(ROWS_PER_INSERT) {
        let mut q = sqlx::QueryBuilder::<sqlx::Any>::new(
            "INSERT INTO tenants (id, sandbox_id, display_name, domain, country, mfa_technical_exception, seq) ",
        );
        q.push_values(chunk.iter().enumerate(), |mut b, (i, t)| {
            b.push_bind(t.id.to_string())
                .push_bind(sid.clone())
                .push_bind(t.display_name.clone())
                .push_bind(t.domain.clone())
                .push_bind(t.country.clone())
                .push_bind(i64::from(t.mfa_technical_exception))
                .push("(SELECT COALESCE(MAX(seq), 0) FROM tenants WHERE sandbox_id = ")
                .push_bind_unseparated(sid.clone())
                .push_unseparated(format!(") + {}", i + 1));
        });
        crate::sql::built(&mut q)?
            .execute(&mut *c)
            .await
            .map_err(map_write_err)?;
        let domains: Vec<(String, String, bool)> = chunk
            .iter()
            .flat_map(|t| {
                t.all_domains()
                    .into_iter()
                    .enumerate()
                    .map(move |(i, d)| (t.id.to_string(), d, i == 0))
            })
            .collect();
        for rows in domains.chunks(ROWS_PER_INSERT) {
            let mut q = sqlx::QueryBuilder::<sqlx::Any>::new(
                "INSERT INTO tenant_domains (sandbox_id, tenant_id, domain, initial) ",
            );
            q.push_values(rows, |mut b, (tenant, d, initial)| {
                b.push_bind(sid.clone())
                    .push_bind(tenant.clone())
                    .push_bind(d.clone())
                    .push_bind(i64::from(*initial));
            });
            crate::sql::built(&mut q)?
                .execute(&mut *c)
                .await
                .map_err(map_write_err)?;
        }
    }
    Ok(())
}

/// Users in as few statements as possible; `seq` keeps their order after the sandbox's last user.
pub async fn insert_users(c: &mut Conn, sandbox: SandboxId, users: &[User]) -> Result<()> {
    let sid = sandbox.to_string();
    for chunk in users.chunks(ROWS_PER_INSERT) {
        let rows = chunk
            .iter()
            .map(|u| Ok((u, rows::to_json(&u.roles)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<sqlx::Any>::new(
            "INSERT INTO users (id, sandbox_id, tenant_id, user_principal_name, display_name, roles, mfa_state, totp_secret, password_hash, seq) ",
        );
        q.push_values(rows.iter().enumerate(), |mut b, (i, (u, roles))| {
            b.push_bind(u.id.to_string())
                .push_bind(sid.clone())
                .push_bind(u.tenant_id.to_string())
                .push_bind(u.user_principal_name.clone())
                .push_bind(u.display_name.clone())
                .push_bind(roles.clone())
                .push_bind(u.mfa.as_str())
                .push_bind(u.totp_secret.clone())
                .push_bind(u.password_hash.clone())
                .push("(SELECT COALESCE(MAX(seq), 0) FROM users WHERE sandbox_id = ")
                .push_bind_unseparated(sid.clone())
                .push_unseparated(format!(") + {}", i + 1));
        });
        crate::sql::built(&mut q)?
            .execute(&mut *c)
            .await
            .map_err(map_write_err)?;
    }
    Ok(())
}

pub async fn insert_apps(c: &mut Conn, sandbox: SandboxId, apps: &[App]) -> Result<()> {
    let sid = sandbox.to_string();
    for chunk in apps.chunks(ROWS_PER_INSERT) {
        let rows = chunk
            .iter()
            .map(|a| Ok((a, rows::to_json(&a.redirect_uris)?)))
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<sqlx::Any>::new(
            "INSERT INTO apps (client_id, sandbox_id, tenant_id, display_name, redirect_uris, public_client, secret_hash, seq) ",
        );
        q.push_values(rows.iter().enumerate(), |mut b, (i, (a, uris))| {
            b.push_bind(a.client_id.to_string())
                .push_bind(sid.clone())
                .push_bind(a.tenant_id.to_string())
                .push_bind(a.display_name.clone())
                .push_bind(uris.clone())
                .push_bind(i64::from(a.public_client))
                .push_bind(a.secret_hash.clone())
                .push("(SELECT COALESCE(MAX(seq), 0) FROM apps WHERE sandbox_id = ")
                .push_bind_unseparated(sid.clone())
                .push_unseparated(format!(") + {}", i + 1));
        });
        crate::sql::built(&mut q)?
            .execute(&mut *c)
            .await
            .map_err(map_write_err)?;
    }
    Ok(())
}

/// Writes a whole world into a sandbox (scenario application, reset).
pub async fn insert_world(c: &mut Conn, sandbox: SandboxId, w: &World) -> Result<()> {
    insert_tenants(c, sandbox, &w.tenants).await?;
    insert_users(c, sandbox, &w.users).await?;
    insert_apps(c, sandbox, &w.apps).await?;
    crate::profiles::insert_partners(c, sandbox, &w.partners).await?;
    crate::onboarding::insert_registry(c, sandbox, &w.registry).await?;
    crate::sql::query(
        "UPDATE sandboxes SET mfa_enforcement = ?, review_business_days = ?, business_calendar = ? WHERE id = ?",
    )
    .bind(w.mfa_enforcement.as_str())
    .bind(i64::from(w.review_business_days))
    .bind(w.business_calendar.as_str())
    .bind(sandbox.to_string())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Removes every tenant (and so every user, app, domain and profile) of a sandbox, and everything
/// recorded in it: journal, registry, mailbox, CSP records, grants.
pub async fn clear_world(c: &mut Conn, sandbox: SandboxId) -> Result<()> {
    const TABLES: [&str; 13] = [
        "DELETE FROM api_journal_pages WHERE sandbox_id = ?",
        "DELETE FROM gdap_docs WHERE sandbox_id = ?",
        "DELETE FROM gdap_settings WHERE sandbox_id = ?",
        "DELETE FROM webhook_registrations WHERE sandbox_id = ?",
        "DELETE FROM webhook_deliveries WHERE sandbox_id = ?",
        "DELETE FROM commerce_docs WHERE sandbox_id = ?",
        "DELETE FROM registry WHERE sandbox_id = ?",
        "DELETE FROM mailbox WHERE sandbox_id = ?",
        "DELETE FROM customer_agreements WHERE sandbox_id = ?",
        "DELETE FROM customers WHERE sandbox_id = ?",
        "DELETE FROM relationship_requests WHERE sandbox_id = ?",
        "DELETE FROM oauth_grants WHERE sandbox_id = ?",
        "DELETE FROM tenants WHERE sandbox_id = ?",
    ];
    for sql in TABLES {
        crate::sql::query(sql)
            .bind(sandbox.to_string())
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

/// A user's failed sign-ins.
pub async fn guard(c: &mut Conn, user: UserId) -> Result<Guard> {
    let text: Option<Option<String>> = crate::sql::query_scalar("SELECT sign_in_guard FROM users WHERE id = ?")
        .bind(user.to_string())
        .fetch_optional(&mut *c)
        .await?;
    match text.flatten() {
        None => Ok(Guard::default()),
        Some(t) => rows::from_json("sign_in_guard", &t),
    }
}

pub async fn set_guard(c: &mut Conn, user: UserId, g: &Guard) -> Result<()> {
    let text = if *g == Guard::default() {
        None
    } else {
        Some(rows::to_json(g)?)
    };
    crate::sql::query("UPDATE users SET sign_in_guard = ? WHERE id = ?")
        .bind(text)
        .bind(user.to_string())
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Records an accepted TOTP step, unless that step (or a later one) was used already: the check
/// and the write are one statement, so two requests with one code cannot both pass.
pub async fn use_totp_step(c: &mut Conn, user: UserId, step: i64) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE users SET totp_last_step = ?1 WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
    )
    .bind(step)
    .bind(user.to_string())
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Registers an authenticator for a user without one (who must register one, or is asked for a
/// second factor by a step-up), and records the step of the
/// code that proved it. Only such a user's secret is ever written: a registered user's secret
/// stays theirs.
pub async fn register_totp(c: &mut Conn, user: UserId, secret: &str, step: i64) -> Result<bool> {
    let done = crate::sql::query(
        "UPDATE users SET totp_secret = ?, mfa_state = ?, totp_last_step = ? WHERE id = ? AND mfa_state IN (?, ?)",
    )
    .bind(secret)
    .bind(MfaState::Registered.as_str())
    .bind(step)
    .bind(user.to_string())
    .bind(MfaState::RequiredUnregistered.as_str())
    .bind(MfaState::Unregistered.as_str())
    .execute(&mut *c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The step of the last TOTP code accepted for a user.
pub async fn totp_last_step(c: &mut Conn, user: UserId) -> Result<Option<i64>> {
    let v: Option<Option<i64>> = crate::sql::query_scalar("SELECT totp_last_step FROM users WHERE id = ?")
        .bind(user.to_string())
        .fetch_optional(&mut *c)
        .await?;
    Ok(v.flatten())
}
