//! The sandboxes table.

use std::collections::BTreeMap;

use domain::calendar::BusinessCalendar;
use domain::world::{MfaEnforcement, Sandbox, SignInLockout, World};
use domain::SandboxId;
use sqlx::any::AnyRow;

use crate::rows::{self, get};
use crate::{corrupt, map_write_err, Conn, Result};

fn from_row(r: &AnyRow) -> Result<Sandbox> {
    let enforcement: String = get(r, "mfa_enforcement")?;
    let lockout: String = get(r, "sign_in_lockout")?;
    Ok(Sandbox {
        id: rows::parse(r, "id")?,
        name: get(r, "name")?,
        scenario_name: get(r, "scenario_name")?,
        clock_offset_ms: get(r, "clock_offset_ms")?,
        start_at: rows::time_opt(r, "start_at")?,
        created_at: rows::time(r, "created_at")?,
        mfa_enforcement: MfaEnforcement::parse(&enforcement)
            .ok_or_else(|| corrupt(format!("mfa_enforcement {enforcement}")))?,
        review_business_days: u32::try_from(get::<i64>(r, "review_business_days")?)
            .map_err(|_| corrupt("review_business_days"))?,
        sign_in_lockout: SignInLockout::parse(&lockout).ok_or_else(|| corrupt(format!("sign_in_lockout {lockout}")))?,
        team: get(r, "team")?,
        business_calendar: {
            let c: String = get(r, "business_calendar")?;
            BusinessCalendar::parse(&c).ok_or_else(|| corrupt(format!("business_calendar {c}")))?
        },
    })
}

/// One page of sandboxes in creation order, after the row `after` (a continuation), and the
/// position to continue from when there are more.
/// With a team, only that team's sandboxes. Each comes with its position (what a continuation
/// after it names); the flag says whether more follow.
pub async fn page(c: &mut Conn, after: i64, limit: usize, team: Option<&str>) -> Result<(Vec<(Sandbox, i64)>, bool)> {
    let rows = crate::sql::query(
        "SELECT rowid AS pos, id, name, scenario_name, clock_offset_ms, start_at, created_at, mfa_enforcement, \
         review_business_days, sign_in_lockout, team, business_calendar FROM sandboxes \
         WHERE rowid > ?1 AND (?3 IS NULL OR team = ?3) ORDER BY rowid LIMIT ?2",
    )
    .bind(after)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1))
    .bind(team)
    .fetch_all(&mut *c)
    .await?;
    let more = rows.len() > limit;
    let mut out = Vec::with_capacity(rows.len().min(limit));
    for r in rows.iter().take(limit) {
        out.push((from_row(r)?, get(r, "pos")?));
    }
    Ok((out, more))
}

/// How many tenants, users and apps each of these sandboxes holds, in one query: what a page
/// of them weighs before any is read.
pub async fn sizes(c: &mut Conn, ids: &[SandboxId]) -> Result<BTreeMap<SandboxId, usize>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(
        "SELECT s.value AS id, \
         (SELECT COUNT(*) FROM tenants WHERE sandbox_id = s.value) \
         + (SELECT COUNT(*) FROM users WHERE sandbox_id = s.value) \
         + (SELECT COUNT(*) FROM apps WHERE sandbox_id = s.value) AS n \
         FROM json_each(?) AS s",
    )
    .bind(rows::to_json(&ids)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((rows::parse(r, "id")?, rows::count(r, "n")?)))
        .collect()
}

/// A sandbox by id.
pub async fn get_one(c: &mut Conn, id: SandboxId) -> Result<Option<Sandbox>> {
    let row = crate::sql::query(
        "SELECT id, name, scenario_name, clock_offset_ms, start_at, created_at, mfa_enforcement, review_business_days, \
         sign_in_lockout, team, business_calendar FROM sandboxes WHERE id = ?",
    )
    .bind(id.to_string())
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Several sandboxes with the secrets their scenarios state, in creation order, in one query.
pub async fn many(c: &mut Conn, ids: &[SandboxId]) -> Result<Vec<(Sandbox, BTreeMap<String, String>)>> {
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    let rows = crate::sql::query(
        "SELECT id, name, scenario_name, clock_offset_ms, start_at, created_at, mfa_enforcement, review_business_days, \
         sign_in_lockout, team, business_calendar, stated_secrets FROM sandboxes WHERE id IN (SELECT value FROM json_each(?)) ORDER BY rowid",
    )
    .bind(rows::to_json(&ids)?)
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| Ok((from_row(r)?, rows::json(r, "stated_secrets")?)))
        .collect()
}

/// The id of the sandbox with this id or, failing that, this name, with the team that owns it.
pub async fn find_owned(c: &mut Conn, id_or_name: &str) -> Result<Option<(SandboxId, Option<String>)>> {
    let row =
        crate::sql::query("SELECT id, team FROM sandboxes WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1")
            .bind(id_or_name)
            .fetch_optional(&mut *c)
            .await?;
    row.map(|r| Ok((rows::parse(&r, "id")?, get(&r, "team")?))).transpose()
}

/// The id of the sandbox with this id or, failing that, this name.
pub async fn find(c: &mut Conn, id_or_name: &str) -> Result<Option<SandboxId>> {
    let id: Option<String> =
        crate::sql::query_scalar("SELECT id FROM sandboxes WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1")
            .bind(id_or_name)
            .fetch_optional(&mut *c)
            .await?;
    id.map(|s| s.parse().map_err(|_| corrupt(format!("sandbox id {s}"))))
        .transpose()
}

/// Secrets the sandbox's scenario states outright, by user id or client id.
pub async fn stated_secrets(c: &mut Conn, id: SandboxId) -> Result<BTreeMap<String, String>> {
    let text: Option<String> = crate::sql::query_scalar("SELECT stated_secrets FROM sandboxes WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    rows::from_json("stated secrets", text.as_deref().unwrap_or("{}"))
}

/// The world a sandbox's scenario produced.
pub async fn snapshot(c: &mut Conn, id: SandboxId) -> Result<World> {
    let text: Option<String> = crate::sql::query_scalar("SELECT snapshot FROM sandboxes WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    let text = text.ok_or_else(|| corrupt(format!("no sandbox {id}")))?;
    rows::from_json("snapshot", &text)
}

/// The steps of a sandbox's scenario, as the scenario stated them.
pub async fn steps(c: &mut Conn, id: SandboxId) -> Result<Vec<serde_json::Map<String, serde_json::Value>>> {
    let text: Option<String> = crate::sql::query_scalar("SELECT steps FROM sandboxes WHERE id = ?")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    rows::from_json("steps", text.as_deref().unwrap_or("[]"))
}

pub async fn set_steps(
    c: &mut Conn,
    id: SandboxId,
    steps: &[serde_json::Map<String, serde_json::Value>],
) -> Result<()> {
    crate::sql::query("UPDATE sandboxes SET steps = ? WHERE id = ?")
        .bind(rows::to_json(&steps)?)
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    Ok(())
}

pub async fn insert(
    c: &mut Conn,
    sandbox: &Sandbox,
    snapshot: &World,
    stated_secrets: &BTreeMap<String, String>,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO sandboxes (id, name, scenario_name, snapshot, stated_secrets, clock_offset_ms, start_at, \
         created_at, mfa_enforcement, review_business_days, sign_in_lockout, team, business_calendar) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(sandbox.id.to_string())
    .bind(&sandbox.name)
    .bind(&sandbox.scenario_name)
    .bind(rows::to_json(snapshot)?)
    .bind(rows::to_json(stated_secrets)?)
    .bind(sandbox.clock_offset_ms)
    .bind(sandbox.start_at.map(|t| t.to_rfc3339()))
    .bind(sandbox.created_at.to_rfc3339())
    .bind(sandbox.mfa_enforcement.as_str())
    .bind(i64::from(sandbox.review_business_days))
    .bind(sandbox.sign_in_lockout.as_str())
    .bind(&sandbox.team)
    .bind(sandbox.business_calendar.as_str())
    .execute(&mut *c)
    .await
    .map_err(map_write_err)?;
    Ok(())
}

/// Removes a sandbox and, through the foreign keys, everything in it. False when it did not exist.
pub async fn delete(c: &mut Conn, id: SandboxId) -> Result<bool> {
    let done = crate::sql::query("DELETE FROM sandboxes WHERE id = ?")
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The settings a sandbox's owner may change, written together.
pub async fn save_settings(c: &mut Conn, s: &Sandbox) -> Result<()> {
    crate::sql::query(
        "UPDATE sandboxes SET clock_offset_ms = ?, mfa_enforcement = ?, review_business_days = ?, \
         sign_in_lockout = ?, business_calendar = ? WHERE id = ?",
    )
    .bind(s.clock_offset_ms)
    .bind(s.mfa_enforcement.as_str())
    .bind(i64::from(s.review_business_days))
    .bind(s.sign_in_lockout.as_str())
    .bind(s.business_calendar.as_str())
    .bind(s.id.to_string())
    .execute(&mut *c)
    .await?;
    Ok(())
}
