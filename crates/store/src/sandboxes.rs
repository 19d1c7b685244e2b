//! The sandboxes table.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use domain::world::{MfaEnforcement, Sandbox, World};
use domain::SandboxId;
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

use crate::{corrupt, map_write_err, Result, Store, Tx};

const COLUMNS: &str = "id, name, scenario_name, clock_offset_ms, created_at, mfa_enforcement, review_business_days";

fn from_row(r: &SqliteRow) -> Result<Sandbox> {
    let id: String = r.get("id");
    let created: String = r.get("created_at");
    let enforcement: String = r.get("mfa_enforcement");
    Ok(Sandbox {
        mfa_enforcement: MfaEnforcement::parse(&enforcement)
            .ok_or_else(|| corrupt(format!("mfa_enforcement {enforcement}")))?,
        id: id.parse().map_err(|_| corrupt(format!("sandbox id {id}")))?,
        name: r.get("name"),
        scenario_name: r.get("scenario_name"),
        clock_offset_ms: r.get("clock_offset_ms"),
        created_at: DateTime::parse_from_rfc3339(&created)
            .map_err(|_| corrupt(format!("created_at {created}")))?
            .with_timezone(&Utc),
        review_business_days: u32::try_from(r.get::<i64, _>("review_business_days"))
            .map_err(|_| corrupt("review_business_days"))?,
    })
}

impl Store {
    pub async fn sandboxes(&self) -> Result<Vec<Sandbox>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM sandboxes ORDER BY created_at, name"
        )))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// A sandbox by its id or, failing that, by its name.
    pub async fn sandbox(&self, id_or_name: &str) -> Result<Option<Sandbox>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COLUMNS} FROM sandboxes WHERE id = ?1 OR name = ?1 ORDER BY id = ?1 DESC LIMIT 1"
        )))
        .bind(id_or_name)
        .fetch_optional(self.reader())
        .await?;
        row.as_ref().map(from_row).transpose()
    }

    /// Secrets the sandbox's scenario states outright, by user id or client id.
    pub async fn stated_secrets(&self, id: SandboxId) -> Result<BTreeMap<String, String>> {
        let text: Option<String> = sqlx::query_scalar("SELECT stated_secrets FROM sandboxes WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await?;
        let text = text.unwrap_or_else(|| "{}".to_owned());
        serde_json::from_str(&text).map_err(|e| corrupt(format!("stated secrets of {id}: {e}")))
    }

    /// The world a sandbox's scenario produced.
    pub async fn snapshot(&self, id: SandboxId) -> Result<World> {
        let text: Option<String> = sqlx::query_scalar("SELECT snapshot FROM sandboxes WHERE id = ?")
            .bind(id.to_string())
            .fetch_optional(self.reader())
            .await?;
        let text = text.ok_or_else(|| corrupt(format!("no sandbox {id}")))?;
        serde_json::from_str(&text).map_err(|e| corrupt(format!("snapshot of {id}: {e}")))
    }
}

pub async fn insert(
    tx: &mut Tx,
    sandbox: &Sandbox,
    snapshot: &World,
    stated_secrets: &BTreeMap<String, String>,
) -> Result<()> {
    let snapshot = serde_json::to_string(snapshot).map_err(|e| corrupt(e.to_string()))?;
    let stated = serde_json::to_string(stated_secrets).map_err(|e| corrupt(e.to_string()))?;
    sqlx::query("INSERT INTO sandboxes (id, name, scenario_name, snapshot, stated_secrets, clock_offset_ms, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(sandbox.id.to_string())
        .bind(&sandbox.name)
        .bind(&sandbox.scenario_name)
        .bind(snapshot)
        .bind(stated)
        .bind(sandbox.clock_offset_ms)
        .bind(sandbox.created_at.to_rfc3339())
        .execute(&mut **tx)
        .await
        .map_err(map_write_err)?;
    Ok(())
}

/// Removes a sandbox and, through the foreign keys, everything in it. False when it did not exist.
pub async fn delete(tx: &mut Tx, id: SandboxId) -> Result<bool> {
    let done = sqlx::query("DELETE FROM sandboxes WHERE id = ?")
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_clock_offset(tx: &mut Tx, id: SandboxId, offset_ms: i64) -> Result<()> {
    sqlx::query("UPDATE sandboxes SET clock_offset_ms = ? WHERE id = ?")
        .bind(offset_ms)
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_mfa_enforcement(tx: &mut Tx, id: SandboxId, e: MfaEnforcement) -> Result<()> {
    sqlx::query("UPDATE sandboxes SET mfa_enforcement = ? WHERE id = ?")
        .bind(e.as_str())
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub async fn set_review_business_days(tx: &mut Tx, id: SandboxId, days: u32) -> Result<()> {
    sqlx::query("UPDATE sandboxes SET review_business_days = ? WHERE id = ?")
        .bind(i64::from(days))
        .bind(id.to_string())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Re-reads a sandbox inside a write transaction (so a decision sees the latest state).
pub async fn get_for_update(tx: &mut Tx, id: SandboxId) -> Result<Option<Sandbox>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM sandboxes WHERE id = ?"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    row.as_ref().map(from_row).transpose()
}
