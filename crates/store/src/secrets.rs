//! Secrets every process serving one database shares (the team server's replicas): the HTTPS CA,
//! the portal's cookie key.

use crate::{Conn, Result};

/// The secret stored under `name`, or `made` stored as it if there is none yet. Replicas that
/// race all end with the value of the first to store one.
pub async fn shared(c: &mut Conn, name: &str, made: &str, now: &str) -> Result<String> {
    crate::sql::query(
        "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(made)
    .bind(now)
    .execute(&mut *c)
    .await?;
    let v: String = crate::sql::query_scalar("SELECT value FROM server_secrets WHERE name = ?")
        .bind(name)
        .fetch_one(&mut *c)
        .await?;
    Ok(v)
}
