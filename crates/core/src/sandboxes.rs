//! Sandboxes: create (from a named or inline scenario), list, read, delete, reset.

use chrono::{DateTime, Utc};
use domain::scenario::{self, ScenarioSpec};
use domain::world::{Sandbox, World};
use domain::{FieldError, SandboxId};

use crate::directory::{mint_scenario, Secrets};
use crate::error::{CoreError, Result};
use crate::Core;

/// Where a new sandbox's world comes from.
#[derive(Debug, Clone)]
pub enum ScenarioSource {
    Named(String),
    Inline(Box<ScenarioSpec>),
}

/// The scenario a sandbox gets when the request names none: the same world as the `default` sandbox.
pub const DEFAULT_SCENARIO: &str = "default";

/// A sandbox with everything in it, as the control plane shows it.
#[derive(Debug, Clone)]
pub struct SandboxState {
    pub sandbox: Sandbox,
    pub now: DateTime<Utc>,
    pub world: World,
    /// Passwords and client secrets to show: generated ones right after creation, plus those the
    /// scenario states outright.
    pub secrets: Secrets,
}

/// Sandbox names are for people and URLs: 1 to 64 of `a-z 0-9 - _ .`, and not a GUID (a GUID
/// would be mistaken for an id).
pub fn validate_name(name: &str) -> std::result::Result<String, FieldError> {
    let n = name.trim();
    let ok = !n.is_empty()
        && n.len() <= 64
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if !ok {
        return Err(FieldError::new(
            "name",
            "must be 1 to 64 characters of a-z, 0-9, '-', '_' or '.'",
        ));
    }
    if uuid::Uuid::parse_str(n).is_ok() {
        return Err(FieldError::new(
            "name",
            "must not be a GUID (it would be taken for a sandbox id)",
        ));
    }
    Ok(n.to_owned())
}

impl Core {
    /// The sandbox clock of a sandbox, now.
    pub fn sandbox_now(&self, sandbox: &Sandbox) -> DateTime<Utc> {
        sandbox.now(self.clock.now())
    }

    pub async fn find_sandbox(&self, id_or_name: &str) -> Result<Sandbox> {
        self.store
            .sandbox(id_or_name)
            .await?
            .ok_or_else(|| CoreError::not_found("sandbox", id_or_name))
    }

    fn resolve(&self, source: Option<ScenarioSource>) -> Result<(Option<String>, ScenarioSpec)> {
        match source.unwrap_or_else(|| ScenarioSource::Named(DEFAULT_SCENARIO.to_owned())) {
            ScenarioSource::Named(name) => {
                let entry = self.catalog.get(&name).ok_or_else(|| CoreError::NotFound {
                    what: "scenario",
                    id: name.clone(),
                    field: Some("scenario".into()),
                })?;
                Ok((Some(name), entry.spec.clone()))
            }
            ScenarioSource::Inline(spec) => Ok((None, *spec)),
        }
    }

    /// Creates a sandbox in one transaction; generated credentials are in the answer and nowhere else.
    pub async fn create_sandbox(&self, name: Option<String>, source: Option<ScenarioSource>) -> Result<SandboxState> {
        let (scenario_name, spec) = self.resolve(source)?;
        let plan = scenario::plan(&spec).map_err(|e| e.within("scenario"))?;
        let id = SandboxId(self.random.uuid());
        let name = match name {
            Some(n) => validate_name(&n)?,
            None => format!("sbx-{}", &id.0.simple().to_string()[..12]),
        };
        let minted = mint_scenario(self.random.as_ref(), &plan, self.clock.now());
        let sandbox = Sandbox {
            id,
            name,
            scenario_name,
            clock_offset_ms: 0,
            created_at: self.clock.now(),
            mfa_enforcement: minted.world.mfa_enforcement,
            review_business_days: minted.world.review_business_days,
        };
        let mut tx = self.store.begin().await?;
        // The name's unique index refuses a taken name inside the transaction.
        store::sandboxes::insert(&mut tx, &sandbox, &minted.world, &minted.stated)
            .await
            .map_err(|e| match e {
                store::StoreError::Conflict(_) => {
                    CoreError::conflict("name", format!("a sandbox named '{}' already exists", sandbox.name))
                }
                other => other.into(),
            })?;
        store::world::insert_world(&mut tx, id, &minted.world).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        let now = self.sandbox_now(&sandbox);
        Ok(SandboxState {
            sandbox,
            now,
            world: minted.world,
            secrets: minted.secrets,
        })
    }

    /// A sandbox with its world; secrets only where the scenario states them.
    pub async fn sandbox_state(&self, id_or_name: &str) -> Result<SandboxState> {
        let sandbox = self.find_sandbox(id_or_name).await?;
        self.state_of(sandbox).await
    }

    async fn state_of(&self, sandbox: Sandbox) -> Result<SandboxState> {
        let mut world = self.store.world(sandbox.id).await?;
        let now = self.sandbox_now(&sandbox);
        let due = world
            .partners
            .iter()
            .filter_map(|p| p.verification.as_ref()?.next_due())
            .any(|d| d <= now);
        if due {
            // What fell due on the sandbox clock shows as done.
            let mut tx = self.store.begin().await?;
            self.settle_partners(&mut tx, &sandbox, now).await?;
            tx.commit().await.map_err(store::StoreError::from)?;
            self.changed();
            world = self.store.world(sandbox.id).await?;
        }
        let secrets = self.store.stated_secrets(sandbox.id).await?;
        Ok(SandboxState {
            sandbox,
            now,
            world,
            secrets,
        })
    }

    pub async fn list_sandboxes(&self) -> Result<Vec<SandboxState>> {
        let mut out = Vec::new();
        for sb in self.store.sandboxes().await? {
            out.push(self.state_of(sb).await?);
        }
        Ok(out)
    }

    pub async fn delete_sandbox(&self, id_or_name: &str) -> Result<()> {
        let sb = self.find_sandbox(id_or_name).await?;
        let mut tx = self.store.begin().await?;
        if !store::sandboxes::delete(&mut tx, sb.id).await? {
            return Err(CoreError::not_found("sandbox", id_or_name));
        }
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        Ok(())
    }

    /// Back to the scenario: the same tenants, users, apps and credentials as at creation;
    /// everything added since is gone and the clock is back to real time.
    pub async fn reset_sandbox(&self, id_or_name: &str) -> Result<SandboxState> {
        let sb = self.find_sandbox(id_or_name).await?;
        let snapshot = self.store.snapshot(sb.id).await?;
        // Requests answered before the reset must not be journaled after it.
        self.journal.flush().await;
        let mut tx = self.store.begin().await?;
        store::world::clear_world(&mut tx, sb.id).await?;
        store::oauth::clear(&mut tx, sb.id).await?;
        store::world::insert_world(&mut tx, sb.id, &snapshot).await?;
        store::sandboxes::set_clock_offset(&mut tx, sb.id, 0).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.changed();
        self.sandbox_state(&sb.id.to_string()).await
    }

    /// Makes sure a sandbox of this name exists (creating it from the scenario if not).
    /// Returns its state and whether it was created now.
    pub async fn ensure_sandbox(&self, name: &str, scenario: &str) -> Result<(SandboxState, bool)> {
        if self.store.sandbox(name).await?.is_some() {
            return Ok((self.sandbox_state(name).await?, false));
        }
        let state = self
            .create_sandbox(Some(name.to_owned()), Some(ScenarioSource::Named(scenario.to_owned())))
            .await?;
        Ok((state, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_names_are_url_safe_and_not_guids() {
        assert_eq!(validate_name("my-test_1.a").unwrap(), "my-test_1.a");
        assert!(validate_name("").is_err());
        assert!(validate_name("Has Space").is_err());
        assert!(validate_name("6f1a2b3c-0000-4000-8000-00000000000a").is_err());
    }
}
