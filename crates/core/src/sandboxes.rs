//! Sandboxes: create (from a named or inline scenario), list, read, delete, reset.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use domain::scenario::{self, ScenarioSpec, Step};
use domain::team::{Access, TeamName};
use domain::world::{Sandbox, World};
use domain::{clock, FieldError, SandboxId};

use crate::actions::Action;
use crate::clock::Advance;
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

/// Sandboxes per page of the list, unless asked otherwise, and at most.
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 500;

/// Tenants, users and apps a page of the sandbox list shows at most (about 8 MiB of JSON): past
/// it the page ends early and its continuation token goes on from there.
pub const PAGE_WEIGHT: usize = 20_000;

/// A sandbox with everything in it, as the control plane shows it.
#[derive(Debug, Clone)]
pub struct SandboxState {
    pub sandbox: Sandbox,
    pub now: DateTime<Utc>,
    pub world: World,
    /// Passwords and client secrets to show: generated ones right after creation, plus those the
    /// scenario states outright.
    pub secrets: Secrets,
    /// Why the sandbox's world could not be read (a row the server cannot read, written by an
    /// older server's import): the sandbox is listed with an empty world and this reason, so one
    /// such row never breaks the list for everyone. Deleting the sandbox removes it.
    pub unreadable: Option<String>,
}

/// A validated sandbox name: 1 to 64 of `a-z 0-9 - _ .`, and not a GUID (a GUID would be
/// mistaken for an id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxName(String);

impl SandboxName {
    pub fn parse(name: &str) -> std::result::Result<SandboxName, FieldError> {
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
        Ok(SandboxName(n.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a new sandbox is made of: its name, its scenario and the instant its clock starts at
/// (real time when neither this nor the scenario states one).
#[derive(Debug, Clone, Default)]
pub struct NewSandbox {
    pub name: Option<SandboxName>,
    pub source: Option<ScenarioSource>,
    pub start_at: Option<DateTime<Utc>>,
    /// The team whose key asks for it (it owns the sandbox).
    pub team: Option<TeamName>,
}

/// A page of sandboxes and where the next one starts.
#[derive(Debug, Clone)]
pub struct SandboxPage {
    pub items: Vec<SandboxState>,
    pub next: Option<i64>,
}

impl Core {
    /// The id of a sandbox named by id or by name (the control plane's `{sid}`).
    pub async fn find_sandbox(&self, id_or_name: &str) -> Result<SandboxId> {
        let mut c = self.store.conn().await?;
        store::sandboxes::find(&mut c, id_or_name.trim())
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
            ScenarioSource::Inline(spec) => {
                let spec = self
                    .catalog
                    .resolve(*spec)
                    .map_err(|e| CoreError::from(e.within("scenario")))?;
                Ok((None, spec))
            }
        }
    }

    /// Creates a sandbox in one transaction; generated credentials are in the answer and nowhere else.
    pub async fn create_sandbox(&self, new: NewSandbox) -> Result<SandboxState> {
        let (scenario_name, spec) = self.resolve(new.source)?;
        let plan = scenario::plan(&spec).map_err(|e| e.within("scenario"))?;
        let id = SandboxId(self.random.uuid());
        let name = match new.name {
            Some(n) => n.0,
            None => format!("sbx-{}", &id.0.simple().to_string()[..12]),
        };
        let real = self.clock.now();
        // The request's start wins over the scenario's.
        let (start_at, clock_offset_ms) = match (new.start_at, plan.start_at) {
            (Some(t), _) => (Some(t), clock::start_offset("startAt", real, t)?),
            (None, Some(t)) => (Some(t), clock::start_offset("scenario.startAt", real, t)?),
            (None, None) => (None, 0),
        };
        let now = start_at.unwrap_or(real);
        let minted = mint_scenario(self.random.as_ref(), &plan, now);
        let sandbox = Sandbox {
            id,
            name,
            scenario_name,
            clock_offset_ms,
            start_at,
            created_at: real,
            mfa_enforcement: minted.world.mfa_enforcement,
            review_business_days: minted.world.review_business_days,
            business_calendar: minted.world.business_calendar,
            sign_in_lockout: Default::default(),
            team: new.team.map(|t| t.as_str().to_owned()),
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
        if !spec.steps.is_empty() {
            store::sandboxes::set_steps(&mut tx, id, &spec.steps).await?;
        }
        tx.commit().await.map_err(store::StoreError::from)?;
        if plan.steps.is_empty() {
            return Ok(SandboxState {
                now,
                sandbox,
                world: minted.world,
                secrets: minted.secrets,
                unreadable: None,
            });
        }
        // The steps run as the actions would, each in its own unit of work; one that breaks a
        // rule takes the whole sandbox with it.
        if let Err(e) = self.run_steps(id, &plan.steps).await {
            let _ = self.delete_sandbox(id).await;
            return Err(e.within("scenario"));
        }
        let mut state = self.sandbox_state(id).await?;
        state.secrets = minted.secrets;
        Ok(state)
    }

    /// Runs a scenario's steps in order; the first that fails (or is not refused as it must be)
    /// stops them, named by its index.
    async fn run_steps(&self, id: SandboxId, steps: &[Step]) -> Result<()> {
        for (i, step) in steps.iter().enumerate() {
            self.run_step(id, i, step)
                .await
                .map_err(|e| e.within(&format!("steps[{i}]")))?;
        }
        Ok(())
    }

    async fn run_step(&self, id: SandboxId, index: usize, step: &Step) -> Result<()> {
        match step {
            Step::Advance(d) => self.advance_clock(id, Advance::By(*d)).await.map(drop),
            Step::BusinessDays(n) => self.advance_clock(id, Advance::BusinessDays(*n)).await.map(drop),
            Step::Action {
                name,
                body,
                expect_refusal,
            } => {
                let result = match Action::parse(name, body) {
                    Ok(action) => self.run_action(id, action).await.map(drop),
                    Err(e) => Err(e),
                };
                self.journal_step(id, index, name, &result).await;
                match (result, expect_refusal) {
                    (Ok(()), None) => Ok(()),
                    (Err(e), None) => Err(e),
                    (Err(e), Some(code)) if e.code() == *code => Ok(()),
                    (Ok(()), Some(code)) => Err(FieldError::new(
                        "expectRefusal",
                        format!("the step was to be refused with {code}, and it was not"),
                    )
                    .into()),
                    (Err(e), Some(code)) => Err(FieldError::new(
                        "expectRefusal",
                        format!(
                            "the step was to be refused with {code}, and it was refused with {}: {e}",
                            e.code()
                        ),
                    )
                    .into()),
                }
            }
        }
    }

    /// A sandbox with its world, read in one snapshot; secrets only where the scenario states
    /// them. Work that fell due on the sandbox clock is settled first.
    pub async fn sandbox_state(&self, id: SandboxId) -> Result<SandboxState> {
        let page = self.states(&[id]).await?;
        page.into_iter()
            .next()
            .ok_or_else(|| CoreError::not_found("sandbox", id))
    }

    async fn states(&self, ids: &[SandboxId]) -> Result<Vec<SandboxState>> {
        let due = {
            let mut c = self.store.conn().await?;
            store::profiles::next_due(&mut c, ids).await?
        };
        for (id, due_ms) in due {
            let Some(sb) = self.sandbox(id).await? else { continue };
            if due_ms <= self.sandbox_now(&sb).timestamp_millis() {
                // Opening the write settles what fell due; nothing else to do. A sandbox whose
                // rows cannot be read is listed as such below instead of failing the list.
                match self.write(id).await {
                    Ok(w) => w.commit().await?,
                    Err(CoreError::Store(store::StoreError::Corrupt(e))) => {
                        tracing::warn!(sandbox = %id, "cannot settle a sandbox with unreadable rows: {e}");
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let mut r = self.store.read().await?;
        let sandboxes = store::sandboxes::many(&mut r, ids).await?;
        let mut worlds: HashMap<SandboxId, std::result::Result<World, String>> =
            match store::world::worlds(&mut r, ids).await {
                Ok(w) => w.into_iter().map(|(k, v)| (k, Ok(v))).collect(),
                // One unreadable sandbox: read them one at a time to tell which.
                Err(store::StoreError::Corrupt(_)) => {
                    let mut out = HashMap::new();
                    for id in ids {
                        let one = match store::world::world(&mut r, *id).await {
                            Ok(w) => Ok(w),
                            Err(store::StoreError::Corrupt(e)) => {
                                tracing::warn!(sandbox = %id, "a sandbox's rows cannot be read: {e}");
                                Err(format!("stored data is unreadable: {e}"))
                            }
                            Err(e) => return Err(e.into()),
                        };
                        out.insert(*id, one);
                    }
                    out
                }
                Err(e) => return Err(e.into()),
            };
        Ok(sandboxes
            .into_iter()
            .filter_map(|(sandbox, secrets)| {
                let (world, unreadable) = match worlds.remove(&sandbox.id)? {
                    Ok(w) => (w, None),
                    Err(why) => (World::default(), Some(why)),
                };
                Some(SandboxState {
                    now: self.sandbox_now(&sandbox),
                    sandbox,
                    world,
                    secrets,
                    unreadable,
                })
            })
            .collect())
    }

    /// One page of the sandboxes this caller sees, in creation order, continuing after `after`:
    /// at most `limit` sandboxes, and at most [`PAGE_WEIGHT`] tenants, users and apps among them
    /// (always at least one sandbox), so a page of big sandboxes stays a few megabytes.
    pub async fn list_sandboxes(&self, access: &Access, after: Option<i64>, limit: usize) -> Result<SandboxPage> {
        let team = access.team().map(TeamName::as_str);
        let (listed, more) = {
            let mut c = self.store.conn().await?;
            store::sandboxes::page(&mut c, after.unwrap_or(0), limit.clamp(1, MAX_PAGE), team).await?
        };
        let ids: Vec<SandboxId> = listed.iter().map(|(s, _)| s.id).collect();
        let sizes = {
            let mut c = self.store.conn().await?;
            store::sandboxes::sizes(&mut c, &ids).await?
        };
        let mut taken = Vec::new();
        let mut weight = 0usize;
        let mut next = None;
        for (i, (sb, pos)) in listed.iter().enumerate() {
            let w = sizes.get(&sb.id).copied().unwrap_or(0);
            if !taken.is_empty() && weight + w > PAGE_WEIGHT {
                next = Some(listed[i - 1].1);
                break;
            }
            weight += w;
            taken.push(sb.id);
            if i + 1 == listed.len() && more {
                next = Some(*pos);
            }
        }
        Ok(SandboxPage {
            items: self.states(&taken).await?,
            next,
        })
    }

    pub async fn delete_sandbox(&self, id: SandboxId) -> Result<()> {
        // Requests answered before the deletion are written (and then deleted with it).
        self.journal.flush().await;
        let mut tx = self.store.begin().await?;
        if !store::sandboxes::delete(&mut tx, id).await? {
            return Err(CoreError::not_found("sandbox", id));
        }
        self.store.announce(&mut tx, id, true).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        self.caches.forget(id);
        self.faults.clear(id);
        Ok(())
    }

    /// Back to the scenario: the same tenants, users, apps and credentials as at creation;
    /// everything added since is gone and the clock is back to where it started (its `startAt`,
    /// or real time).
    pub async fn reset_sandbox(&self, id: SandboxId) -> Result<SandboxState> {
        // Requests answered before the reset must not be journaled after it.
        self.journal.flush().await;
        self.faults.clear(id);
        let mut w = self.write(id).await?;
        let snapshot = store::sandboxes::snapshot(w.c(), id).await?;
        store::world::clear_world(w.c(), id).await?;
        store::world::insert_world(w.c(), id, &snapshot).await?;
        w.sandbox.clock_offset_ms = match w.sandbox.start_at {
            Some(t) => clock::start_offset("startAt", self.clock.now(), t)?,
            None => 0,
        };
        w.sandbox.mfa_enforcement = snapshot.mfa_enforcement;
        w.sandbox.review_business_days = snapshot.review_business_days;
        w.sandbox.business_calendar = snapshot.business_calendar;
        w.sandbox.sign_in_lockout = Default::default();
        let settings = w.sandbox.clone();
        store::sandboxes::save_settings(w.c(), &settings).await?;
        let steps = store::sandboxes::steps(w.c(), id).await?;
        w.commit().await?;
        // The scenario's steps run again (the ids they generate are new ones).
        let planned = steps
            .iter()
            .enumerate()
            .map(|(i, s)| scenario::plan_step(s, &scenario::ACTIONS).map_err(|e| e.within(&format!("steps[{i}]"))))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        self.run_steps(id, &planned).await.map_err(|e| e.within("scenario"))?;
        self.sandbox_state(id).await
    }

    /// A scenario's action step goes into the journal like a control-plane request, with its
    /// refusal (an expected one too: `pcsandbox explain` shows what the scenario was refused).
    async fn journal_step(&self, id: SandboxId, index: usize, action: &str, result: &Result<()>) {
        let Ok(now) = self.sandbox_now_of(id).await else {
            return;
        };
        let (status, refusal) = match result {
            Ok(()) => (200, None),
            Err(e) => (
                e.status(),
                Some(Box::new(store::journal::Note {
                    code: e.code(),
                    field: e.field().map(str::to_owned),
                    explanation: e.to_string(),
                })),
            ),
        };
        self.journal_request(store::journal::Record {
            sandbox_id: id,
            at_ms: now.timestamp_millis(),
            request_id: self.random.uuid().to_string(),
            correlation_id: String::new(),
            method: "STEP".into(),
            path: format!("scenario.steps[{index}] {action}"),
            operation: std::borrow::Cow::Owned(format!("action {action}")),
            status,
            source_ip: String::new(),
            who: std::sync::Arc::new(store::journal::Who::nobody()),
            surface: store::journal::SCENARIO,
            refusal,
        })
        .await;
    }

    /// Makes sure a sandbox of this name exists (creating it from the scenario if not).
    /// Returns its state and whether it was created now.
    pub async fn ensure_sandbox(&self, name: &str, scenario: &str) -> Result<(SandboxState, bool)> {
        if let Ok(id) = self.find_sandbox(name).await {
            return Ok((self.sandbox_state(id).await?, false));
        }
        let state = self
            .create_sandbox(NewSandbox {
                name: Some(SandboxName::parse(name)?),
                source: Some(ScenarioSource::Named(scenario.to_owned())),
                start_at: None,
                team: None,
            })
            .await?;
        Ok((state, true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_names_are_url_safe_and_not_guids() {
        assert_eq!(SandboxName::parse("my-test_1.a").unwrap().as_str(), "my-test_1.a");
        assert!(SandboxName::parse("").is_err());
        assert!(SandboxName::parse("Has Space").is_err());
        assert!(SandboxName::parse("6f1a2b3c-0000-4000-8000-00000000000a").is_err());
    }
}
