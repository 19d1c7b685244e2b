//! Token signing keys.

use sqlx::Row;

use crate::{Result, Store, Tx};

#[derive(Debug, Clone)]
pub struct StoredKey {
    pub kid: String,
    pub private_pem: String,
}

impl Store {
    /// All signing keys, oldest first.
    pub async fn signing_keys(&self) -> Result<Vec<StoredKey>> {
        let rows = sqlx::query("SELECT kid, private_pem FROM signing_keys ORDER BY created_at")
            .fetch_all(self.reader())
            .await?;
        Ok(rows
            .iter()
            .map(|r| StoredKey {
                kid: r.get("kid"),
                private_pem: r.get("private_pem"),
            })
            .collect())
    }
}

pub async fn insert(tx: &mut Tx, key: &StoredKey, created_at: &str) -> Result<()> {
    sqlx::query("INSERT INTO signing_keys (kid, private_pem, created_at) VALUES (?, ?, ?)")
        .bind(&key.kid)
        .bind(&key.private_pem)
        .bind(created_at)
        .execute(&mut **tx)
        .await
        .map_err(crate::map_write_err)?;
    Ok(())
}
