//! Tenants (with their domains), users and apps of a sandbox.

use domain::world::{App, Tenant, User, World};
use domain::{AppId, SandboxId, TenantId, UserId};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::{corrupt, map_write_err, Result, Store, Tx};

fn parse<T: std::str::FromStr>(what: &str, s: &str) -> Result<T> {
    s.parse().map_err(|_| corrupt(format!("{what} '{s}'")))
}

fn json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| corrupt(format!("{what}: {e}")))
}

fn user_from_row(r: &SqliteRow) -> Result<User> {
    let mfa: String = r.get("mfa_state");
    Ok(User {
        id: parse("user id", r.get("id"))?,
        tenant_id: parse("tenant id", r.get("tenant_id"))?,
        user_principal_name: r.get("user_principal_name"),
        display_name: r.get("display_name"),
        roles: json("roles", r.get("roles"))?,
        mfa: mfa.parse().map_err(corrupt)?,
        totp_secret: r.get("totp_secret"),
        password_hash: r.get("password_hash"),
    })
}

fn app_from_row(r: &SqliteRow) -> Result<App> {
    Ok(App {
        client_id: parse("client id", r.get("client_id"))?,
        tenant_id: parse("tenant id", r.get("tenant_id"))?,
        display_name: r.get("display_name"),
        redirect_uris: json("redirect uris", r.get("redirect_uris"))?,
        public_client: r.get::<i64, _>("public_client") != 0,
        secret_hash: r.get("secret_hash"),
    })
}

impl Store {
    /// Everything in a sandbox, in creation order.
    pub async fn world(&self, sandbox: SandboxId) -> Result<World> {
        let sid = sandbox.to_string();
        let tenant_rows =
            sqlx::query("SELECT id, display_name, domain, country, mfa_technical_exception FROM tenants WHERE sandbox_id = ? ORDER BY seq")
                .bind(&sid)
                .fetch_all(self.reader())
                .await?;
        let domain_rows = sqlx::query(
            "SELECT tenant_id, domain FROM tenant_domains WHERE sandbox_id = ? AND initial = 0 ORDER BY rowid",
        )
        .bind(&sid)
        .fetch_all(self.reader())
        .await?;
        let mut tenants = Vec::with_capacity(tenant_rows.len());
        for r in &tenant_rows {
            let id: String = r.get("id");
            tenants.push(Tenant {
                id: parse("tenant id", &id)?,
                display_name: r.get("display_name"),
                domain: r.get("domain"),
                verified_domains: domain_rows
                    .iter()
                    .filter(|d| d.get::<String, _>("tenant_id") == id)
                    .map(|d| d.get("domain"))
                    .collect(),
                country: r.get("country"),
                mfa_technical_exception: r.get::<i64, _>("mfa_technical_exception") != 0,
            });
        }
        let users = sqlx::query("SELECT * FROM users WHERE sandbox_id = ? ORDER BY seq")
            .bind(&sid)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(user_from_row)
            .collect::<Result<_>>()?;
        let apps = sqlx::query("SELECT * FROM apps WHERE sandbox_id = ? ORDER BY seq")
            .bind(&sid)
            .fetch_all(self.reader())
            .await?
            .iter()
            .map(app_from_row)
            .collect::<Result<_>>()?;
        let partners = crate::profiles::partners(self.reader(), &sid).await?;
        let settings = sqlx::query("SELECT mfa_enforcement, review_business_days FROM sandboxes WHERE id = ?")
            .bind(&sid)
            .fetch_optional(self.reader())
            .await?;
        let enforcement: Option<String> = settings.as_ref().map(|r| r.get("mfa_enforcement"));
        let review_days: Option<i64> = settings.as_ref().map(|r| r.get("review_business_days"));
        let registry = self.registry(sandbox).await?;
        Ok(World {
            tenants,
            users,
            apps,
            partners,
            mfa_enforcement: enforcement
                .as_deref()
                .and_then(domain::world::MfaEnforcement::parse)
                .unwrap_or_default(),
            registry,
            review_business_days: review_days
                .and_then(|d| u32::try_from(d).ok())
                .unwrap_or(domain::verification::DEFAULT_REVIEW_BUSINESS_DAYS),
        })
    }

    /// An app by its globally unique client id, with its sandbox.
    pub async fn app(&self, client_id: AppId) -> Result<Option<(SandboxId, App)>> {
        let row = sqlx::query("SELECT * FROM apps WHERE client_id = ?")
            .bind(client_id.to_string())
            .fetch_optional(self.reader())
            .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some((parse("sandbox id", r.get("sandbox_id"))?, app_from_row(&r)?))),
        }
    }

    /// A user by UPN (lower-case) in a sandbox, with the step of the last TOTP code accepted.
    pub async fn user_by_upn(&self, sandbox: SandboxId, upn: &str) -> Result<Option<(User, Option<i64>)>> {
        let row = sqlx::query("SELECT * FROM users WHERE sandbox_id = ? AND user_principal_name = ?")
            .bind(sandbox.to_string())
            .bind(upn)
            .fetch_optional(self.reader())
            .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.get("totp_last_step"))))
            .transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let row = sqlx::query("SELECT * FROM users WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// A tenant by id (globally unique), with its sandbox.
    pub async fn tenant_by_id(&self, id: TenantId) -> Result<Option<(SandboxId, Tenant)>> {
        let sid: Option<String> = sqlx::query_scalar("SELECT sandbox_id FROM tenants WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await?;
        let Some(sid) = sid else { return Ok(None) };
        let sandbox: SandboxId = parse("sandbox id", &sid)?;
        let mut conn = self.reader().acquire().await?;
        Ok(tenant_row(&mut conn, sandbox, id).await?.map(|t| (sandbox, t)))
    }

    /// Tenants (with their sandboxes) that have this domain, in any sandbox.
    pub async fn tenants_by_domain(&self, domain: &str) -> Result<Vec<(SandboxId, TenantId)>> {
        let rows = sqlx::query("SELECT sandbox_id, tenant_id FROM tenant_domains WHERE domain = ?")
            .bind(domain)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse("sandbox id", r.get("sandbox_id"))?,
                    parse("tenant id", r.get("tenant_id"))?,
                ))
            })
            .collect()
    }

    /// The sandbox a tenant belongs to: tenant ids are globally unique.
    pub async fn tenant_sandbox(&self, tenant: TenantId) -> Result<Option<SandboxId>> {
        let sid: Option<String> = sqlx::query_scalar("SELECT sandbox_id FROM tenants WHERE id = ?")
            .bind(tenant.to_string())
            .fetch_optional(self.reader())
            .await?;
        sid.map(|s| parse("sandbox id", &s)).transpose()
    }
}

/// Is this domain already a domain of some tenant of the sandbox?
pub async fn domain_taken(tx: &mut Tx, sandbox: SandboxId, domain: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tenant_domains WHERE sandbox_id = ? AND domain = ?")
        .bind(sandbox.to_string())
        .bind(domain)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

pub async fn upn_taken(tx: &mut Tx, sandbox: SandboxId, upn: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE sandbox_id = ? AND user_principal_name = ?")
        .bind(sandbox.to_string())
        .bind(upn)
        .fetch_one(&mut **tx)
        .await?;
    Ok(n > 0)
}

/// A tenant of the sandbox, read inside the write transaction.
pub async fn tenant(tx: &mut Tx, sandbox: SandboxId, id: TenantId) -> Result<Option<Tenant>> {
    tenant_row(tx, sandbox, id).await
}

async fn tenant_row(conn: &mut sqlx::SqliteConnection, sandbox: SandboxId, id: TenantId) -> Result<Option<Tenant>> {
    let row = sqlx::query(
        "SELECT display_name, domain, country, mfa_technical_exception FROM tenants WHERE sandbox_id = ? AND id = ?",
    )
    .bind(sandbox.to_string())
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let verified_domains =
        sqlx::query_scalar("SELECT domain FROM tenant_domains WHERE tenant_id = ? AND initial = 0 ORDER BY rowid")
            .bind(id.to_string())
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(Tenant {
        id,
        display_name: r.get("display_name"),
        domain: r.get("domain"),
        verified_domains,
        country: r.get("country"),
        mfa_technical_exception: r.get::<i64, _>("mfa_technical_exception") != 0,
    }))
}

pub async fn set_tenant_mfa_exception(tx: &mut Tx, tenant: TenantId, granted: bool) -> Result<()> {
    sqlx::query("UPDATE tenants SET mfa_technical_exception = ? WHERE id = ?")
        .bind(i64::from(granted))
        .bind(tenant.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Replaces a user's Partner Center roles.
pub async fn set_roles(tx: &mut Tx, user: UserId, roles: &[domain::Role]) -> Result<()> {
    let roles = serde_json::to_string(roles).map_err(|e| corrupt(e.to_string()))?;
    sqlx::query("UPDATE users SET roles = ? WHERE id = ?")
        .bind(roles)
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// How many users a tenant has (names unnamed users `userN`).
pub async fn user_count(tx: &mut Tx, tenant: TenantId) -> Result<usize> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE tenant_id = ?")
        .bind(tenant.to_string())
        .fetch_one(&mut **tx)
        .await?;
    Ok(usize::try_from(n).unwrap_or_default())
}

pub async fn insert_tenant(tx: &mut Tx, sandbox: SandboxId, t: &Tenant) -> Result<()> {
    let sid = sandbox.to_string();
    sqlx::query("INSERT INTO tenants (id, sandbox_id, display_name, domain, country, mfa_technical_exception, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, (SELECT COALESCE(MAX(seq), 0) + 1 FROM tenants WHERE sandbox_id = ?2))")
        .bind(t.id.to_string())
        .bind(&sid)
        .bind(&t.display_name)
        .bind(&t.domain)
        .bind(&t.country)
        .bind(i64::from(t.mfa_technical_exception))
        .execute(&mut **tx)
        .await
        .map_err(map_write_err)?;
    let domains: Vec<(usize, String)> = t.all_domains().into_iter().enumerate().collect();
    let mut q =
        sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO tenant_domains (sandbox_id, tenant_id, domain, initial) ");
    q.push_values(&domains, |mut b, (i, d)| {
        b.push_bind(&sid)
            .push_bind(t.id.to_string())
            .push_bind(d)
            .push_bind(i64::from(*i == 0));
    });
    q.build().execute(&mut **tx).await.map_err(map_write_err)?;
    Ok(())
}

pub async fn insert_user(tx: &mut Tx, sandbox: SandboxId, u: &User) -> Result<()> {
    let roles = serde_json::to_string(&u.roles).map_err(|e| corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO users (id, sandbox_id, tenant_id, user_principal_name, display_name, roles, mfa_state, totp_secret, password_hash, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, (SELECT COALESCE(MAX(seq), 0) + 1 FROM users WHERE sandbox_id = ?2))")
        .bind(u.id.to_string())
        .bind(sandbox.to_string())
        .bind(u.tenant_id.to_string())
        .bind(&u.user_principal_name)
        .bind(&u.display_name)
        .bind(roles)
        .bind(u.mfa.as_str())
        .bind(&u.totp_secret)
        .bind(&u.password_hash)
        .execute(&mut **tx)
        .await
        .map_err(map_write_err)?;
    Ok(())
}

pub async fn insert_app(tx: &mut Tx, sandbox: SandboxId, a: &App) -> Result<()> {
    let uris = serde_json::to_string(&a.redirect_uris).map_err(|e| corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO apps (client_id, sandbox_id, tenant_id, display_name, redirect_uris, public_client, secret_hash, seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, (SELECT COALESCE(MAX(seq), 0) + 1 FROM apps WHERE sandbox_id = ?2))")
        .bind(a.client_id.to_string())
        .bind(sandbox.to_string())
        .bind(a.tenant_id.to_string())
        .bind(&a.display_name)
        .bind(uris)
        .bind(i64::from(a.public_client))
        .bind(&a.secret_hash)
        .execute(&mut **tx)
        .await
        .map_err(map_write_err)?;
    Ok(())
}

/// Tenants and their domains in as few statements as possible, after the sandbox's last tenant.
async fn insert_tenants(tx: &mut Tx, sandbox: SandboxId, tenants: &[Tenant]) -> Result<()> {
    let sid = sandbox.to_string();
    for chunk in tenants.chunks(ROWS_PER_INSERT) {
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO tenants (id, sandbox_id, display_name, domain, country, mfa_technical_exception, seq) ",
        );
        q.push_values(chunk.iter().enumerate(), |mut b, (i, t)| {
            b.push_bind(t.id.to_string())
                .push_bind(&sid)
                .push_bind(&t.display_name)
                .push_bind(&t.domain)
                .push_bind(&t.country)
                .push_bind(i64::from(t.mfa_technical_exception))
                .push("(SELECT COALESCE(MAX(seq), 0) FROM tenants WHERE sandbox_id = ")
                .push_bind_unseparated(&sid)
                .push_unseparated(format!(") + {}", i + 1));
        });
        q.build().execute(&mut **tx).await.map_err(map_write_err)?;
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
            let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
                "INSERT INTO tenant_domains (sandbox_id, tenant_id, domain, initial) ",
            );
            q.push_values(rows, |mut b, (tenant, d, initial)| {
                b.push_bind(&sid)
                    .push_bind(tenant)
                    .push_bind(d)
                    .push_bind(i64::from(*initial));
            });
            q.build().execute(&mut **tx).await.map_err(map_write_err)?;
        }
    }
    Ok(())
}

/// Rows per multi-row insert: far below SQLite's limit on bound parameters.
const ROWS_PER_INSERT: usize = 200;

/// Users in as few statements as possible; `seq` keeps their order after the sandbox's last user.
async fn insert_users(tx: &mut Tx, sandbox: SandboxId, users: &[User]) -> Result<()> {
    let sid = sandbox.to_string();
    for chunk in users.chunks(ROWS_PER_INSERT) {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, u)| {
                Ok((
                    i,
                    u,
                    serde_json::to_string(&u.roles).map_err(|e| corrupt(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO users (id, sandbox_id, tenant_id, user_principal_name, display_name, roles, mfa_state, totp_secret, password_hash, seq) ",
        );
        q.push_values(&rows, |mut b, (i, u, roles)| {
            b.push_bind(u.id.to_string())
                .push_bind(&sid)
                .push_bind(u.tenant_id.to_string())
                .push_bind(&u.user_principal_name)
                .push_bind(&u.display_name)
                .push_bind(roles)
                .push_bind(u.mfa.as_str())
                .push_bind(&u.totp_secret)
                .push_bind(&u.password_hash)
                .push("(SELECT COALESCE(MAX(seq), 0) FROM users WHERE sandbox_id = ")
                .push_bind_unseparated(&sid)
                .push_unseparated(format!(") + {}", i + 1));
        });
        q.build().execute(&mut **tx).await.map_err(map_write_err)?;
    }
    Ok(())
}

async fn insert_apps(tx: &mut Tx, sandbox: SandboxId, apps: &[App]) -> Result<()> {
    let sid = sandbox.to_string();
    for chunk in apps.chunks(ROWS_PER_INSERT) {
        let rows = chunk
            .iter()
            .enumerate()
            .map(|(i, a)| {
                Ok((
                    i,
                    a,
                    serde_json::to_string(&a.redirect_uris).map_err(|e| corrupt(e.to_string()))?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO apps (client_id, sandbox_id, tenant_id, display_name, redirect_uris, public_client, secret_hash, seq) ",
        );
        q.push_values(&rows, |mut b, (i, a, uris)| {
            b.push_bind(a.client_id.to_string())
                .push_bind(&sid)
                .push_bind(a.tenant_id.to_string())
                .push_bind(&a.display_name)
                .push_bind(uris)
                .push_bind(i64::from(a.public_client))
                .push_bind(&a.secret_hash)
                .push("(SELECT COALESCE(MAX(seq), 0) FROM apps WHERE sandbox_id = ")
                .push_bind_unseparated(&sid)
                .push_unseparated(format!(") + {}", i + 1));
        });
        q.build().execute(&mut **tx).await.map_err(map_write_err)?;
    }
    Ok(())
}

/// Writes a whole world into a sandbox (scenario application, reset).
pub async fn insert_world(tx: &mut Tx, sandbox: SandboxId, w: &World) -> Result<()> {
    insert_tenants(tx, sandbox, &w.tenants).await?;
    insert_users(tx, sandbox, &w.users).await?;
    insert_apps(tx, sandbox, &w.apps).await?;
    crate::profiles::insert_partners(tx, sandbox, &w.partners).await?;
    for e in &w.registry {
        crate::onboarding::insert_registry_entry(tx, sandbox, e).await?;
    }
    sqlx::query("UPDATE sandboxes SET mfa_enforcement = ?, review_business_days = ? WHERE id = ?")
        .bind(w.mfa_enforcement.as_str())
        .bind(i64::from(w.review_business_days))
        .bind(sandbox.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Removes every tenant (and so every user, app, domain and profile) of a sandbox, and its journal.
pub async fn clear_world(tx: &mut Tx, sandbox: SandboxId) -> Result<()> {
    for table in [
        "api_journal",
        "registry",
        "mailbox",
        "customer_agreements",
        "customers",
        "relationship_requests",
        "tenants",
    ] {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE sandbox_id = ?")))
            .bind(sandbox.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Records an accepted TOTP step (no code may be used twice) and, on registration, the secret.
pub async fn set_totp(tx: &mut Tx, user: UserId, secret: &str, mfa: domain::MfaState, last_step: i64) -> Result<()> {
    sqlx::query("UPDATE users SET totp_secret = ?, mfa_state = ?, totp_last_step = ? WHERE id = ?")
        .bind(secret)
        .bind(mfa.as_str())
        .bind(last_step)
        .bind(user.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The step of the last TOTP code accepted for a user, read in the write transaction.
pub async fn totp_last_step(tx: &mut Tx, user: UserId) -> Result<Option<i64>> {
    let v: Option<Option<i64>> = sqlx::query_scalar("SELECT totp_last_step FROM users WHERE id = ?")
        .bind(user.to_string())
        .fetch_optional(&mut **tx)
        .await?;
    Ok(v.flatten())
}
