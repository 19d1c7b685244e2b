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
    let rows = crate::sql::query("SELECT kid, private_pem FROM signing_keys ORDER BY created_at, rowid")
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
    crate::sql::query("INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)")
        .bind(&key.kid)
        .bind(&key.private_pem)
        .bind(created_at)
        .execute(&mut *c)
        .await
        .map_err(crate::map_write_err)?;
    Ok(())
}

/// A sandbox's own signing key (after a rollover), if it has one.
pub async fn sandbox_key(c: &mut Conn, sandbox: domain::SandboxId) -> Result<Option<StoredKey>> {
    let row = crate::sql::query("SELECT kid, private_pem FROM sandbox_keys WHERE sandbox_id = ?")
        .bind(sandbox.to_string())
        .fetch_optional(&mut *c)
        .await?;
    row.map(|r| {
        Ok(StoredKey {
            kid: get(&r, "kid")?,
            private_pem: get(&r, "private_pem")?,
        })
    })
    .transpose()
}

/// Replaces a sandbox's signing key.
pub async fn set_sandbox_key(
    c: &mut Conn,
    sandbox: domain::SandboxId,
    key: &StoredKey,
    created_at: &str,
) -> Result<()> {
    crate::sql::query(
        "INSERT INTO sandbox_keys (sandbox_id, kid, private_pem, created_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (sandbox_id) DO UPDATE SET kid = excluded.kid, private_pem = excluded.private_pem, \
         created_at = excluded.created_at",
    )
    .bind(sandbox.to_string())
    .bind(&key.kid)
    .bind(&key.private_pem)
    .bind(created_at)
    .execute(&mut *c)
    .await?;
    Ok(())
}
