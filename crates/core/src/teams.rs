//! Team keys: a shared server hands each team a key; a team key sees and changes only the
//! sandboxes its team made (every other one is "not found"), the admin key sees all.

use chrono::{DateTime, Utc};
use domain::team::{Access, TeamName};
use domain::SandboxId;

use crate::entra::{key_hash, opaque};
use crate::error::{CoreError, Result};
use crate::Core;

/// What a team key starts with, so that a key found in a log or a file says what it is.
pub const KEY_PREFIX: &str = "pcsbx_team_";

impl Core {
    /// A new key for a team, shown once: only its hash is kept. A team that has a key must
    /// have it revoked first.
    pub async fn create_team_key(&self, team: &TeamName) -> Result<String> {
        let key = format!("{KEY_PREFIX}{}", opaque(self.random.as_ref(), 32));
        let mut tx = self.store.begin().await?;
        store::teams::insert(&mut tx, team, &key_hash(&key), self.clock.now())
            .await
            .map_err(|e| match e {
                store::StoreError::Conflict(_) => CoreError::conflict(
                    "team",
                    format!("team '{team}' has a key already; DELETE /sandbox/v1/keys/{team} first"),
                ),
                other => other.into(),
            })?;
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(key)
    }

    /// Every team with a key, and when the key was made.
    pub async fn team_keys(&self) -> Result<Vec<(String, DateTime<Utc>)>> {
        let mut c = self.store.conn().await?;
        Ok(store::teams::list(&mut c).await?)
    }

    /// Revokes a team's key: its next request is refused. Its sandboxes stay (the admin key
    /// still sees them).
    pub async fn revoke_team_key(&self, team: &TeamName) -> Result<()> {
        let mut tx = self.store.begin().await?;
        if !store::teams::delete(&mut tx, team).await? {
            return Err(CoreError::not_found("team", team));
        }
        tx.commit().await.map_err(store::StoreError::from)?;
        Ok(())
    }

    /// The team a presented key belongs to (read from the database on every request, so a
    /// revocation holds at once, on every replica).
    pub async fn team_of_key(&self, key: &str) -> Result<Option<TeamName>> {
        if !key.starts_with(KEY_PREFIX) {
            return Ok(None);
        }
        let mut c = self.store.conn().await?;
        Ok(store::teams::team_of(&mut c, &key_hash(key))
            .await?
            .and_then(|t| TeamName::parse("team", &t).ok()))
    }

    /// Whether a team still has a key.
    pub async fn team_exists(&self, team: &TeamName) -> Result<bool> {
        let mut c = self.store.conn().await?;
        Ok(store::teams::exists(&mut c, team.as_str()).await?)
    }

    /// The sandbox a `{sid}` names, if this caller may see it: another team's sandbox is not
    /// found, exactly as one that does not exist.
    pub async fn find_sandbox_for(&self, access: &Access, id_or_name: &str) -> Result<SandboxId> {
        let found = {
            let mut c = self.store.conn().await?;
            store::sandboxes::find_owned(&mut c, id_or_name.trim()).await?
        };
        match found {
            Some((id, owner)) if access.sees(owner.as_deref()) => Ok(id),
            _ => Err(CoreError::not_found("sandbox", id_or_name)),
        }
    }
}
