//! Token signing keys.

use crate::rows::get;
use crate::{Conn, Result};

#[derive(Debug, Clone)]
pub struct StoredKey {
    pub kid: String,
    pub private_pem: String,
}

/// All signing keys, oldest first.
pub async fn all(c: &mut Conn) -> Result<Vec<StoredKey>> {
    let rows = sqlx::query("SELECT kid, private_pem FROM signing_keys ORDER BY created_at, rowid")
        .fetch_all(&mut *c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(StoredKey {
                kid: get(r, "kid")?,
                private_pem: get(r, "private_pem")?,
            })
        })
        .collect()
}

pub async fn insert(c: &mut Conn, key: &StoredKey, created_at: &str) -> Result<()> {
    sqlx::query("INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)")
        .bind(&key.kid)
        .bind(&key.private_pem)
        .bind(created_at)
        .execute(&mut *c)
        .await
        .map_err(crate::map_write_err)?;
    Ok(())
}
