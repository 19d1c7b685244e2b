//! Export and import: a sandbox as one JSON bundle (its settings and clock, its world, partners,
//! registry, mailbox, relationship requests, customers, journal, scenario steps and faults) that
//! another server restores as a new sandbox answering the same.
//!
//! Secrets are not carried: user passwords, client secrets and a sandbox's own signing key are
//! left out, and an import generates new passwords and client secrets (shown once, in its answer,
//! as at creation) and new TOTP secrets for users with MFA registered. Email-link tokens are
//! replaced too (in the partners, the mailbox and the links table alike). The ids are kept, unless
//! one is in use on the importing server (the same server, typically): then every id is replaced
//! by a new one, consistently, and the answer's `idMap` says which became which.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use domain::injection::FaultSpec;
use domain::world::{Sandbox, World};
use domain::{FieldError, MfaState, SandboxId};
use identity::secrets;
use serde_json::{json, Map, Value};

use crate::bundle_check;
use crate::directory::Secrets;
use crate::error::{CoreError, Result};
use crate::sandboxes::{SandboxName, SandboxState};
use crate::Core;

pub const FORMAT: &str = "pcsandbox-bundle";
pub const VERSION: u32 = 1;

/// A sandbox restored from a bundle.
#[derive(Debug, Clone)]
pub struct Imported {
    pub state: SandboxState,
    /// Old id -> new id, when the ids had to change.
    pub id_map: BTreeMap<String, String>,
}

fn bad(field: &str, msg: impl Into<String>) -> CoreError {
    FieldError::new(format!("import.{field}"), msg).into()
}

fn table<'a>(bundle: &'a Value, name: &str) -> impl Iterator<Item = &'a Map<String, Value>> {
    bundle["tables"][name]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
}

impl Core {
    /// `GET .../export`.
    pub async fn export_sandbox(&self, id: SandboxId) -> Result<Value> {
        self.journal.flush().await;
        let now = self.sandbox_now_of(id).await?;
        let mut r = self.store.read().await?;
        let mut row = store::bundle::export_sandbox_row(&mut r, id).await?;
        // The snapshot (what a reset goes back to) as a world without secrets.
        let snapshot: World = row
            .remove("snapshot")
            .and_then(|s| s.as_str().and_then(|t| serde_json::from_str(t).ok()))
            .unwrap_or_default();
        let mut tables = Map::new();
        for t in store::bundle::TABLES {
            let mut rows = store::bundle::export_table(&mut r, t, id).await?;
            for row in &mut rows {
                redact(t, row);
            }
            tables.insert(
                t.to_owned(),
                Value::Array(rows.into_iter().map(Value::Object).collect()),
            );
        }
        let faults: Vec<Value> = self
            .list_faults(id)
            .into_iter()
            .filter(|f| !f.spent())
            .map(|f| {
                json!({"method": f.method, "path": f.path, "status": f.status, "retryAfter": f.retry_after,
                       "latencyMs": f.latency_ms, "drop": f.drop, "aadsts": f.aadsts, "grantType": f.grant_type,
                       "times": f.remaining, "probability": f.probability})
            })
            .collect();
        Ok(json!({
            "format": FORMAT,
            "version": VERSION,
            "schema": store::bundle::SCHEMA,
            "secrets": "left out: user passwords, client secrets and signing keys; an import makes new ones",
            "exportedAt": Utc::now().to_rfc3339(),
            "baseUrl": self.settings.base_url,
            "now": now.to_rfc3339(),
            "sandbox": Value::Object(row),
            "snapshot": redacted_world(&snapshot),
            "tables": Value::Object(tables),
            "faults": faults,
        }))
    }

    /// `POST /sandbox/v1/sandboxes {"import": bundle}`. Everything is checked before anything
    /// is written (see `bundle_check`), and what was written is read back through the server's
    /// own readers before the transaction commits: a bundle either becomes a sandbox that
    /// answers like any other, or a 400 naming what was wrong, with nothing kept.
    pub async fn import_sandbox(
        &self,
        name: Option<SandboxName>,
        team: Option<&domain::team::TeamName>,
        bundle: Value,
    ) -> Result<Imported> {
        if bundle["format"] != FORMAT || bundle["version"] != VERSION {
            return Err(bad("format", format!("not a {FORMAT} of version {VERSION}")));
        }
        let readable = bundle["schema"]
            .as_u64()
            .is_some_and(|n| store::bundle::READABLE_SCHEMAS.iter().any(|r| u64::from(*r) == n));
        if !readable {
            return Err(bad(
                "schema",
                format!(
                    "the bundle was made with schema {}; this server has schema {}: export it again from a server of this version",
                    bundle["schema"],
                    store::bundle::SCHEMA
                ),
            ));
        }
        // The counts first (no work grows with a bundle past its limits), then every value.
        bundle_check::check_shape(&bundle)?;
        let rows_as_given: Vec<(&str, Vec<Map<String, Value>>)> = store::bundle::TABLES
            .iter()
            .map(|t| (*t, table(&bundle, t).cloned().collect()))
            .collect();
        bundle_check::check_rows(&rows_as_given)?;
        drop(rows_as_given);
        let snapshot_given: World = serde_json::from_value(bundle["snapshot"].clone())
            .map_err(|e| bad("snapshot", format!("is not a world of this server: {e}")))?;
        bundle_check::check_snapshot(&snapshot_given)?;
        let settings = ImportedSettings::read(&bundle)?;

        // Ids: kept unless one is taken here (the snapshot's too: a reset writes them).
        let mut ids: Vec<String> = Vec::new();
        for (t, col) in [
            ("tenants", "id"),
            ("users", "id"),
            ("apps", "client_id"),
            ("customers", "id"),
            ("relationship_requests", "id"),
            ("mailbox", "id"),
        ] {
            ids.extend(table(&bundle, t).filter_map(|r| r[col].as_str().map(str::to_owned)));
        }
        ids.extend(snapshot_given.tenants.iter().map(|t| t.id.to_string()));
        ids.extend(snapshot_given.users.iter().map(|u| u.id.to_string()));
        ids.extend(snapshot_given.apps.iter().map(|a| a.client_id.to_string()));
        ids.sort();
        ids.dedup();
        let taken = {
            let mut c = self.store.conn().await?;
            store::bundle::taken_ids(&mut c, &ids).await?
        };
        let mut replace: Vec<(String, String)> = Vec::new();
        let mut id_map = BTreeMap::new();
        if taken {
            for old in &ids {
                let new = self.random.uuid().to_string();
                id_map.insert(old.clone(), new.clone());
                replace.push((old.clone(), new));
            }
        }
        for r in table(&bundle, "verification_links") {
            if let Some(t) = r["token"].as_str() {
                use base64::Engine;
                let new = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.random.bytes(24));
                replace.push((t.to_owned(), new));
            }
        }
        // Links in mails and pages point at this server now.
        if let Some(old) = bundle["baseUrl"]
            .as_str()
            .filter(|b| !b.is_empty() && *b != self.settings.base_url)
        {
            replace.push((
                format!("{}/", old.trim_end_matches('/')),
                format!("{}/", self.settings.base_url.trim_end_matches('/')),
            ));
        }
        let bundle = replace_all(&bundle, &replace)?;

        // New secrets, shown once.
        let mut shown = Secrets::new();
        let mut tables: Vec<(&str, Vec<Map<String, Value>>)> = Vec::new();
        let mut user_secrets: HashMap<String, (String, Option<String>)> = HashMap::new();
        let mut app_secrets: HashMap<String, Option<String>> = HashMap::new();
        for t in store::bundle::TABLES {
            let mut rows: Vec<Map<String, Value>> = table(&bundle, t).cloned().collect();
            for row in &mut rows {
                match t {
                    "users" => {
                        let id = row["id"].as_str().unwrap_or_default().to_owned();
                        let password = secrets::generate_password(self.random.as_ref());
                        let hash = secrets::hash(self.random.as_ref(), &password);
                        let totp = (row["mfa_state"].as_str() == Some(MfaState::Registered.as_str()))
                            .then(|| secrets::generate_totp_secret(self.random.as_ref()));
                        row.insert("password_hash".into(), json!(hash));
                        row.insert("totp_secret".into(), json!(totp));
                        row.insert("totp_last_step".into(), Value::Null);
                        shown.insert(id.clone(), password);
                        user_secrets.insert(id, (hash, totp));
                    }
                    "apps" => {
                        let id = row["client_id"].as_str().unwrap_or_default().to_owned();
                        let confidential = row.get("public_client").and_then(Value::as_i64) == Some(0);
                        let hash = if confidential {
                            let secret = secrets::generate_client_secret(self.random.as_ref());
                            shown.insert(id.clone(), secret.clone());
                            Some(secrets::hash(self.random.as_ref(), &secret))
                        } else {
                            None
                        };
                        row.insert("secret_hash".into(), json!(hash));
                        app_secrets.insert(id, hash);
                    }
                    "api_journal_pages" => {
                        let n = row.get("data").and_then(Value::as_str).map_or(0, str::len);
                        row.insert("bytes".into(), json!(n));
                    }
                    _ => {}
                }
            }
            tables.push((t, rows));
        }
        let mut snapshot: World = serde_json::from_value(bundle["snapshot"].clone())
            .map_err(|e| bad("snapshot", format!("is not a world of this server: {e}")))?;
        for u in &mut snapshot.users {
            if let Some((hash, totp)) = user_secrets.get(&u.id.to_string()) {
                u.password_hash = hash.clone();
                u.totp_secret = totp.clone();
            }
        }
        for a in &mut snapshot.apps {
            if let Some(hash) = app_secrets.get(&a.client_id.to_string()) {
                a.secret_hash = hash.clone();
            }
        }

        // The sandbox: the bundle's settings, its clock where it was.
        let id = SandboxId(self.random.uuid());
        let name = match name {
            Some(n) => n.as_str().to_owned(),
            None => format!("sbx-{}", &id.0.simple().to_string()[..12]),
        };
        let real = self.clock.now();
        let clock_offset_ms = domain::clock::start_offset("import.now", real, settings.now)?;
        if let Some(t) = settings.start_at {
            domain::clock::start_offset("import.sandbox.start_at", real, t)?;
        }
        let sandbox = Sandbox {
            id,
            name: name.clone(),
            scenario_name: settings.scenario_name.clone(),
            clock_offset_ms,
            start_at: settings.start_at,
            created_at: real,
            mfa_enforcement: settings.mfa_enforcement,
            review_business_days: settings.review_business_days,
            business_calendar: settings.business_calendar,
            sign_in_lockout: settings.sign_in_lockout,
            team: team.map(|t| t.as_str().to_owned()),
        };
        let mut tx = self.store.begin().await?;
        store::sandboxes::insert(&mut tx, &sandbox, &snapshot, &Secrets::new())
            .await
            .map_err(|e| match e {
                store::StoreError::Conflict(_) => {
                    CoreError::conflict("name", format!("a sandbox named '{name}' already exists"))
                }
                other => other.into(),
            })?;
        if !settings.steps.is_empty() {
            store::sandboxes::set_steps(&mut tx, id, &settings.steps).await?;
        }
        for (t, rows) in &tables {
            store::bundle::import_table(&mut tx, t, id, rows)
                .await
                .map_err(|e| bad(&format!("tables.{t}"), e.to_string()))?;
        }
        // Everything written reads back as the server reads it, or nothing is kept.
        read_back(&mut tx, id).await?;
        tx.commit().await.map_err(store::StoreError::from)?;
        for spec in settings.faults {
            self.add_fault(id, spec)?;
        }
        let mut state = self.sandbox_state(id).await?;
        state.secrets = shown;
        Ok(Imported { state, id_map })
    }
}

/// The sandbox's own settings in a bundle, each checked as the control plane checks it.
struct ImportedSettings {
    now: DateTime<Utc>,
    start_at: Option<DateTime<Utc>>,
    scenario_name: Option<String>,
    mfa_enforcement: domain::world::MfaEnforcement,
    review_business_days: u32,
    sign_in_lockout: domain::world::SignInLockout,
    business_calendar: domain::calendar::BusinessCalendar,
    steps: Vec<Map<String, Value>>,
    faults: Vec<FaultSpec>,
}

impl ImportedSettings {
    fn read(bundle: &Value) -> Result<ImportedSettings> {
        let sb = &bundle["sandbox"];
        if !sb.is_object() {
            return Err(bad("sandbox", "must be the sandbox's settings (an object)"));
        }
        let now = bundle["now"]
            .as_str()
            .ok_or_else(|| bad("now", "the bundle has no sandbox time"))
            .and_then(|t| Ok(domain::clock::parse_instant("import.now", t)?))?;
        let start_at = match &sb["start_at"] {
            Value::Null => None,
            Value::String(t) => Some(domain::clock::parse_instant("import.sandbox.start_at", t)?),
            _ => return Err(bad("sandbox.start_at", "must be an RFC 3339 instant or null")),
        };
        let scenario_name = match &sb["scenario_name"] {
            Value::Null => None,
            Value::String(n) if n.len() <= 64 && !n.is_empty() && n.chars().all(|c| c.is_ascii_graphic()) => {
                Some(n.clone())
            }
            _ => {
                return Err(bad(
                    "sandbox.scenario_name",
                    "must be a scenario's name (1 to 64 characters) or null",
                ))
            }
        };
        let text = |k: &str| sb[k].as_str().unwrap_or_default().to_owned();
        let mfa_enforcement = domain::world::MfaEnforcement::parse(&text("mfa_enforcement"))
            .ok_or_else(|| bad("sandbox.mfa_enforcement", "must be enforced or off"))?;
        let sign_in_lockout = domain::world::SignInLockout::parse(&text("sign_in_lockout"))
            .ok_or_else(|| bad("sandbox.sign_in_lockout", "must be on or off"))?;
        // Bundles before schema 14 have none: weekends, as those servers counted.
        let business_calendar = match &sb["business_calendar"] {
            Value::Null => Default::default(),
            v => v
                .as_str()
                .and_then(domain::calendar::BusinessCalendar::parse)
                .ok_or_else(|| bad("sandbox.business_calendar", "must be weekends or JP"))?,
        };
        let review_business_days = sb["review_business_days"]
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| bad("sandbox.review_business_days", "must be a number of business days"))
            .and_then(|n| {
                Ok(domain::scenario::review_business_days(
                    "import.sandbox.review_business_days",
                    n,
                )?)
            })?;
        // The scenario's steps run again on a reset: they must plan as a scenario's do.
        let steps: Vec<Map<String, Value>> = match &sb["steps"] {
            Value::Null => Vec::new(),
            Value::String(s) => serde_json::from_str(s)
                .map_err(|e| bad("sandbox.steps", format!("must be a JSON array of steps: {e}")))?,
            _ => return Err(bad("sandbox.steps", "must be a JSON array of steps (as text)")),
        };
        if steps.len() > domain::scenario::MAX_STEPS {
            return Err(bad(
                "sandbox.steps",
                format!("a scenario takes at most {} steps", domain::scenario::MAX_STEPS),
            ));
        }
        for (i, s) in steps.iter().enumerate() {
            domain::scenario::plan_step(s, &domain::scenario::ACTIONS)
                .map_err(|e| e.within(&format!("import.sandbox.steps[{i}]")))?;
        }
        let faults = match &bundle["faults"] {
            Value::Null => Vec::new(),
            Value::Array(list) if list.len() <= domain::injection::MAX_FAULTS => list
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let spec: FaultSpec = crate::actions::from_value(&strip_nulls(f))
                        .map_err(|e| e.within(&format!("import.faults[{i}]")))?;
                    spec.clone()
                        .validated(String::new())
                        .map_err(|e| e.within(&format!("import.faults[{i}]")))?;
                    Ok(spec)
                })
                .collect::<Result<Vec<_>>>()?,
            _ => {
                return Err(bad(
                    "faults",
                    format!("must be an array of at most {} faults", domain::injection::MAX_FAULTS),
                ))
            }
        };
        Ok(ImportedSettings {
            now,
            start_at,
            scenario_name,
            mfa_enforcement,
            review_business_days,
            sign_in_lockout,
            business_calendar,
            steps,
            faults,
        })
    }
}

/// Every old -> new replacement in one pass over the bundle's text (Aho-Corasick, leftmost
/// longest): linear in the bundle, where a replacement at a time was quadratic.
fn replace_all(bundle: &Value, replace: &[(String, String)]) -> Result<Value> {
    if replace.is_empty() {
        return Ok(bundle.clone());
    }
    let text = serde_json::to_string(bundle).map_err(|e| bad("", e.to_string()))?;
    let (from, to): (Vec<&str>, Vec<&str>) = replace.iter().map(|(a, b)| (a.as_str(), b.as_str())).unzip();
    let ac = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&from)
        .map_err(|e| bad("", e.to_string()))?;
    let text = ac.replace_all(&text, &to);
    serde_json::from_str(&text).map_err(|e| bad("", e.to_string()))
}

/// Reads an imported sandbox back inside its transaction with the readers every surface uses;
/// a row one of them cannot read fails the import, naming its table.
async fn read_back(c: &mut store::Conn, id: SandboxId) -> Result<()> {
    use store::commerce::Kind as C;
    use store::gdap::Kind as G;
    fn unreadable(table: &'static str) -> impl Fn(store::StoreError) -> CoreError {
        move |e| bad(&format!("tables.{table}"), format!("a row cannot be read: {e}"))
    }
    let world = store::world::world(c, id).await.map_err(unreadable("tenants"))?;
    store::sandboxes::many(c, &[id]).await.map_err(unreadable("sandbox"))?;
    store::profiles::partners(c, id).await.map_err(unreadable("partners"))?;
    store::onboarding::registry(c, id)
        .await
        .map_err(unreadable("registry"))?;
    store::onboarding::mailbox(c, id, None, None, usize::MAX >> 1)
        .await
        .map_err(unreadable("mailbox"))?;
    store::csp::requests_in(c, id, u32::MAX)
        .await
        .map_err(unreadable("relationship_requests"))?;
    let customers = store::csp::customers_in(c, id, u32::MAX)
        .await
        .map_err(unreadable("customers"))?;
    for cu in &customers {
        store::csp::customer_agreements(c, cu.id)
            .await
            .map_err(unreadable("customer_agreements"))?;
        store::commerce::list::<domain::commerce::Cart>(c, C::Cart, cu.id)
            .await
            .map_err(unreadable("commerce_docs"))?;
        store::commerce::list::<domain::commerce::Order>(c, C::Order, cu.id)
            .await
            .map_err(unreadable("commerce_docs"))?;
        store::commerce::list::<domain::commerce::Subscription>(c, C::Subscription, cu.id)
            .await
            .map_err(unreadable("commerce_docs"))?;
        store::commerce::list::<domain::licensing::UserProfile>(c, C::User, cu.id)
            .await
            .map_err(unreadable("commerce_docs"))?;
        store::commerce::list::<crate::partner_center::tenancy::Consent>(c, C::Consent, cu.id)
            .await
            .map_err(unreadable("commerce_docs"))?;
    }
    for t in &world.tenants {
        store::profiles::organization_profile(c, t.id)
            .await
            .map_err(unreadable("organization_profiles"))?;
        store::webhooks::registration(c, t.id)
            .await
            .map_err(unreadable("webhook_registrations"))?;
    }
    for u in &world.users {
        store::world::guard(c, u.id).await.map_err(unreadable("users"))?;
    }
    store::webhooks::deliveries(c, id, usize::MAX >> 1)
        .await
        .map_err(unreadable("webhook_deliveries"))?;
    store::gdap::of_sandbox::<domain::gdap::Relationship>(c, G::Relationship, id, u32::MAX)
        .await
        .map_err(unreadable("gdap_docs"))?;
    store::gdap::of_sandbox::<domain::gdap::Group>(c, G::Group, id, u32::MAX)
        .await
        .map_err(unreadable("gdap_docs"))?;
    store::gdap::of_sandbox::<crate::gdap::ServicePrincipal>(c, G::ServicePrincipal, id, u32::MAX)
        .await
        .map_err(unreadable("gdap_docs"))?;
    store::gdap::settings(c, id)
        .await
        .map_err(unreadable("gdap_settings"))?;
    store::journal::newest(c, id, usize::MAX >> 1)
        .await
        .map_err(unreadable("api_journal_pages"))?;
    Ok(())
}

/// A bundle row without its secrets.
fn redact(table: &str, row: &mut Map<String, Value>) {
    match table {
        "users" => {
            row.insert("password_hash".into(), json!(""));
            row.insert("totp_secret".into(), Value::Null);
            row.insert("totp_last_step".into(), Value::Null);
        }
        "apps" => {
            row.insert("secret_hash".into(), Value::Null);
        }
        _ => {}
    }
}

fn redacted_world(w: &World) -> Value {
    let mut w = w.clone();
    for u in &mut w.users {
        u.password_hash = String::new();
        u.totp_secret = None;
    }
    for a in &mut w.apps {
        a.secret_hash = None;
    }
    serde_json::to_value(&w).unwrap_or(Value::Null)
}

fn strip_nulls(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null() && *v != &Value::Bool(false))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}
