//! Team keys: a team's name and the SHA-256 of its key.

use domain::team::TeamName;

use crate::rows::{self, get};
use crate::{map_write_err, Conn, Result};

/// Adds a team's key; a team that has one already is a conflict.
pub async fn insert(
    c: &mut Conn,
    team: &TeamName,
    key_hash: &str,
    created_at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    crate::sql::query("INSERT INTO team_keys (team, key_hash, created_at) VALUES (?, ?, ?)")
        .bind(team.as_str())
        .bind(key_hash)
        .bind(created_at.to_rfc3339())
        .execute(&mut *c)
        .await
        .map_err(map_write_err)?;
    Ok(())
}

/// Every team with its key's creation time, by name.
pub async fn list(c: &mut Conn) -> Result<Vec<(String, chrono::DateTime<chrono::Utc>)>> {
    let rows = crate::sql::query("SELECT team, created_at FROM team_keys ORDER BY team")
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| Ok((get(r, "team")?, rows::time(r, "created_at")?)))
        .collect()
}

/// Removes a team's key; false when it had none.
pub async fn delete(c: &mut Conn, team: &TeamName) -> Result<bool> {
    let done = crate::sql::query("DELETE FROM team_keys WHERE team = ?")
        .bind(team.as_str())
        .execute(&mut *c)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The team whose key hashes to this.
pub async fn team_of(c: &mut Conn, key_hash: &str) -> Result<Option<String>> {
    Ok(
        crate::sql::query_scalar("SELECT team FROM team_keys WHERE key_hash = ?")
            .bind(key_hash)
            .fetch_optional(&mut *c)
            .await?,
    )
}

/// Whether the team still has a key (a console session of a revoked team ends).
pub async fn exists(c: &mut Conn, team: &str) -> Result<bool> {
    let n: i64 = crate::sql::query_scalar("SELECT COUNT(*) FROM team_keys WHERE team = ?")
        .bind(team)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}
