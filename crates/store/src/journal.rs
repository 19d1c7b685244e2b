//! The request journal: every authenticated `/v1` request, every token request, and the
//! control-plane requests that change a sandbox or are refused; a refusal with its rule, the
//! field at fault and what stood behind it.
//!
//! Entries are kept in pages: one row per sandbox per batch the writer commits. A page stores
//! what repeats once (the callers, the paths and operation names) and each request as a short
//! row of references, about a quarter of the bytes of the entries written out whole. A row per
//! request cost the server a third of its throughput on one core, and bulky pages its p99: the
//! journal shares the core with the requests it records.
//!
//! Readers walk pages newest first. A sandbox keeps its newest `keep` entries: older pages go,
//! and the page on the boundary is trimmed when keeping it whole would hold a tenth too many.

use std::collections::HashMap;
use std::sync::Arc;

use domain::{AppId, SandboxId, TenantId, UserId};
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow as DbRow;

use crate::rows::{self, get};
use crate::{Conn, Result};

pub const APP_USER: &str = "app+user";
pub const APP_ONLY: &str = "app-only";
/// A control-plane request (no token).
pub const SANDBOX_POWER: &str = "control-plane";

/// Which surface a request reached.
pub const PARTNER_CENTER: &str = "partner-center";
pub const ENTRA: &str = "entra";
pub const CONTROL_PLANE: &str = "control-plane";
/// A page of the Partner Center portal, requested by a signed-in user.
pub const PORTAL: &str = "portal";
/// Microsoft Graph (`/v1.0`, `/beta`): GDAP.
pub const GRAPH: &str = "graph";
/// A step of the sandbox's scenario, taken at creation or reset.
pub const SCENARIO: &str = "scenario";

/// Why a request was refused: the rule (a refusal code, a Partner Center error code, an AADSTS
/// code), the input field at fault, and what stood behind it in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(rename = "why")]
    pub explanation: String,
}

/// Who made a request: everything the journal records of the caller, the same for every request
/// one token makes (the gate builds it once per verified token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Who {
    /// The caller's tenant (none for the control plane or an unknown one).
    #[serde(rename = "tid", default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<TenantId>,
    #[serde(rename = "uid", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(rename = "app", default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<AppId>,
    #[serde(rename = "appName", default)]
    pub app_name: String,
    #[serde(default)]
    pub mfa: bool,
}

impl Who {
    /// Nobody: a control-plane request.
    pub fn nobody() -> Who {
        Who {
            tenant_id: None,
            user_id: None,
            upn: None,
            app_id: None,
            app_name: String::new(),
            mfa: false,
        }
    }

    /// `app+user`, `app-only`, or `control-plane` without an app.
    pub fn caller(&self) -> &'static str {
        match (self.app_id, self.user_id) {
            (None, _) => SANDBOX_POWER,
            (Some(_), Some(_)) => APP_USER,
            (Some(_), None) => APP_ONLY,
        }
    }
}

/// A request to journal, as the gate records it.
#[derive(Debug, Clone)]
pub struct Record {
    pub sandbox_id: SandboxId,
    /// Milliseconds since the epoch on the sandbox clock.
    pub at_ms: i64,
    pub request_id: String,
    pub correlation_id: String,
    pub method: String,
    pub path: String,
    pub operation: std::borrow::Cow<'static, str>,
    pub status: u16,
    pub source_ip: String,
    pub who: Arc<Who>,
    /// [`PARTNER_CENTER`], [`ENTRA`], [`CONTROL_PLANE`] or [`SCENARIO`].
    pub surface: &'static str,
    pub refusal: Option<Box<Note>>,
}

/// The longest texts an entry keeps: a request's path, a refusal's explanation (shorter for a
/// caller who is nobody yet, whose input an attacker controls), and every other field. An entry
/// is then a few kilobytes at most, whatever the request carried.
pub const MAX_PATH: usize = 1024;
pub const MAX_EXPLANATION: usize = 2048;
pub const MAX_UNAUTHENTICATED_EXPLANATION: usize = 512;
pub const MAX_FIELD: usize = 256;

/// `s` cut to at most `max` bytes on a character boundary, marked with `…` when cut.
fn cut(s: &mut String, max: usize) {
    if s.len() > max {
        let mut end = max.saturating_sub('…'.len_utf8());
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
}

impl Record {
    /// The record with every text bounded (see [`MAX_PATH`] and the others).
    pub fn bounded(mut self) -> Record {
        cut(&mut self.request_id, 128);
        cut(&mut self.correlation_id, 128);
        cut(&mut self.method, 16);
        cut(&mut self.path, MAX_PATH);
        if self.operation.len() > MAX_FIELD {
            let mut op = self.operation.into_owned();
            cut(&mut op, MAX_FIELD);
            self.operation = std::borrow::Cow::Owned(op);
        }
        cut(&mut self.source_ip, 64);
        // A caller nobody knows, or a refused sign-in (its client proved nothing): the input is
        // an attacker's to choose.
        let nobody = (self.who.tenant_id.is_none() && self.who.user_id.is_none() && self.who.app_id.is_none())
            || (self.surface == ENTRA && self.status >= 400);
        let long_who =
            self.who.upn.as_ref().is_some_and(|u| u.len() > MAX_FIELD) || self.who.app_name.len() > MAX_FIELD;
        if long_who {
            let mut who = (*self.who).clone();
            if let Some(u) = &mut who.upn {
                cut(u, MAX_FIELD);
            }
            cut(&mut who.app_name, MAX_FIELD);
            self.who = Arc::new(who);
        }
        if let Some(n) = &mut self.refusal {
            cut(&mut n.code, 64);
            if let Some(f) = &mut n.field {
                cut(f, MAX_FIELD);
            }
            let max = if nobody {
                MAX_UNAUTHENTICATED_EXPLANATION
            } else {
                MAX_EXPLANATION
            };
            cut(&mut n.explanation, max);
        }
        self
    }
}

/// A journaled request as readers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    #[serde(skip, default = "nil_sandbox")]
    pub sandbox_id: SandboxId,
    #[serde(rename = "at")]
    pub at_ms: i64,
    #[serde(rename = "rid")]
    pub request_id: String,
    #[serde(rename = "cid")]
    pub correlation_id: String,
    pub method: String,
    pub path: String,
    #[serde(rename = "op")]
    pub operation: String,
    pub status: u16,
    #[serde(rename = "ip")]
    pub source_ip: String,
    pub caller: String,
    #[serde(rename = "tid")]
    pub tenant_id: String,
    #[serde(rename = "uid", default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    #[serde(rename = "app")]
    pub app_id: String,
    #[serde(rename = "appName")]
    pub app_name: String,
    pub mfa: bool,
    #[serde(default = "default_surface")]
    pub surface: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refusal: Option<Note>,
}

fn default_surface() -> String {
    PARTNER_CENTER.to_owned()
}

fn nil_sandbox() -> SandboxId {
    SandboxId(uuid::Uuid::nil())
}

/// A page as stored: the callers and strings it uses once, then a row per request:
/// `[at, requestId, correlationId, caller, method, path, operation, status, sourceIp]`, the
/// caller and the strings as indexes.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Page {
    #[serde(rename = "w")]
    who: Vec<Who>,
    #[serde(rename = "s")]
    strings: Vec<String>,
    #[serde(rename = "r")]
    rows: Vec<AnyRow>,
    /// The refusals of the page's rows.
    #[serde(rename = "n", default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<Note>,
}

/// `[at, requestId, correlationId, caller, method, path, operation, status, sourceIp]`.
type Row = (i64, String, String, usize, usize, usize, usize, u16, usize);
/// A row with the surface (a string) and the refusal (a note) of the request.
type RowV2 = (
    i64,
    String,
    String,
    usize,
    usize,
    usize,
    usize,
    u16,
    usize,
    usize,
    Option<usize>,
);

/// Pages written before surfaces and refusals have 9-element rows.
#[derive(Debug, Serialize, Deserialize)]
#[serde(untagged)]
enum AnyRow {
    V2(RowV2),
    V1(Row),
}

/// Each distinct string of a page once, by its first index.
#[derive(Default)]
struct Interner<'a> {
    index: HashMap<&'a str, usize>,
    list: Vec<String>,
}

impl<'a> Interner<'a> {
    fn id(&mut self, s: &'a str) -> usize {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        self.list.push(s.to_owned());
        let i = self.list.len() - 1;
        self.index.insert(s, i);
        i
    }
}

impl Page {
    fn encode(records: &[&Record]) -> Page {
        let mut who: HashMap<*const Who, usize> = HashMap::new();
        let mut callers = Vec::new();
        let mut strings = Interner::default();
        let mut rows = Vec::with_capacity(records.len());
        let mut notes = Vec::new();
        for r in records {
            let w = *who.entry(Arc::as_ptr(&r.who)).or_insert_with(|| {
                callers.push((*r.who).clone());
                callers.len() - 1
            });
            let note = r.refusal.as_ref().map(|n| {
                notes.push((**n).clone());
                notes.len() - 1
            });
            rows.push(AnyRow::V2((
                r.at_ms,
                r.request_id.clone(),
                r.correlation_id.clone(),
                w,
                strings.id(&r.method),
                strings.id(&r.path),
                strings.id(&r.operation),
                r.status,
                strings.id(&r.source_ip),
                strings.id(r.surface),
                note,
            )));
        }
        Page {
            who: callers,
            strings: strings.list,
            rows,
            notes,
        }
    }

    fn decode(self, sandbox: SandboxId) -> Vec<Entry> {
        let s = |i: usize| self.strings.get(i).cloned().unwrap_or_default();
        self.rows
            .iter()
            .filter_map(|row| {
                let ((at, rid, cid, w, method, path, op, status, ip), surface, note) = match row {
                    AnyRow::V2((at, rid, cid, w, m, p, op, st, ip, surface, note)) => (
                        (at, rid, cid, w, m, p, op, st, ip),
                        s(*surface),
                        note.and_then(|n| self.notes.get(n).cloned()),
                    ),
                    AnyRow::V1((at, rid, cid, w, m, p, op, st, ip)) => {
                        ((at, rid, cid, w, m, p, op, st, ip), PARTNER_CENTER.to_owned(), None)
                    }
                };
                let who = self.who.get(*w)?;
                Some(Entry {
                    sandbox_id: sandbox,
                    at_ms: *at,
                    request_id: rid.clone(),
                    correlation_id: cid.clone(),
                    method: s(*method),
                    path: s(*path),
                    operation: s(*op),
                    status: *status,
                    source_ip: s(*ip),
                    caller: who.caller().to_owned(),
                    tenant_id: who.tenant_id.map(|t| t.to_string()).unwrap_or_default(),
                    user_id: who.user_id.map(|u| u.to_string()),
                    upn: who.upn.clone(),
                    app_id: who.app_id.map(|a| a.to_string()).unwrap_or_default(),
                    app_name: who.app_name.clone(),
                    mfa: who.mfa,
                    surface,
                    refusal: note,
                })
            })
            .collect()
    }
}

/// A page's entries, oldest first: the compact page, or the whole entries of journals written
/// before pages were compact.
fn decode(sandbox: SandboxId, data: &str) -> Result<Vec<Entry>> {
    if data.trim_start().starts_with('[') {
        let mut entries: Vec<Entry> = rows::from_json("journal page", data)?;
        for e in &mut entries {
            e.sandbox_id = sandbox;
        }
        return Ok(entries);
    }
    Ok(rows::from_json::<Page>("journal page", data)?.decode(sandbox))
}

/// How many entries a page holds, when its text is a page this store can read (an imported
/// page is checked before it is written).
pub fn check_page(data: &str) -> Result<usize> {
    Ok(decode(nil_sandbox(), data)?.len())
}

/// Appends records, a page per sandbox. Records of a sandbox deleted meanwhile are dropped.
/// Returns, per sandbox, the entries and bytes it added.
pub async fn append(c: &mut Conn, records: &[Record]) -> Result<Vec<(SandboxId, usize, usize)>> {
    let mut by_sandbox: Vec<(SandboxId, Vec<&Record>)> = Vec::new();
    for r in records {
        match by_sandbox.iter_mut().find(|(s, _)| *s == r.sandbox_id) {
            Some((_, list)) => list.push(r),
            None => by_sandbox.push((r.sandbox_id, vec![r])),
        }
    }
    let mut added = Vec::with_capacity(by_sandbox.len());
    for (sandbox, list) in by_sandbox {
        let last_at = list.iter().map(|r| r.at_ms).max().unwrap_or_default();
        let data = rows::to_json(&Page::encode(&list))?;
        crate::sql::query(
            "INSERT INTO api_journal_pages (sandbox_id, entries, last_at_ms, data, bytes) \
             SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM sandboxes WHERE id = ?1)",
        )
        .bind(sandbox.to_string())
        .bind(i64::try_from(list.len()).unwrap_or(i64::MAX))
        .bind(last_at)
        .bind(&data)
        .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
        .execute(&mut *c)
        .await?;
        added.push((sandbox, list.len(), data.len()));
    }
    Ok(added)
}

/// The bytes a sandbox's journal pages hold.
pub async fn bytes(c: &mut Conn, sandbox: SandboxId) -> Result<usize> {
    let r = crate::sql::query(
        "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) AS n FROM api_journal_pages WHERE sandbox_id = ?",
    )
    .bind(sandbox.to_string())
    .fetch_one(&mut *c)
    .await?;
    rows::count(&r, "n")
}

/// Drops a sandbox's oldest pages until its journal holds at most `max` bytes (the newest page
/// always stays).
pub async fn prune_bytes(c: &mut Conn, sandbox: SandboxId, max: usize) -> Result<()> {
    let rows =
        crate::sql::query("SELECT seq, bytes AS n FROM api_journal_pages WHERE sandbox_id = ? ORDER BY seq DESC")
            .bind(sandbox.to_string())
            .fetch_all(&mut *c)
            .await?;
    let mut kept = 0usize;
    for (i, r) in rows.iter().enumerate() {
        let n = rows::count(r, "n")?;
        if i > 0 && kept + n > max {
            let seq: i64 = get(r, "seq")?;
            crate::sql::query("DELETE FROM api_journal_pages WHERE sandbox_id = ? AND seq <= ?")
                .bind(sandbox.to_string())
                .bind(seq)
                .execute(&mut *c)
                .await?;
            break;
        }
        kept += n;
    }
    Ok(())
}

struct PageInfo {
    seq: i64,
    entries: usize,
    last_at_ms: i64,
}

fn page_from_row(r: &DbRow) -> Result<PageInfo> {
    Ok(PageInfo {
        seq: get(r, "seq")?,
        entries: rows::count(r, "entries")?,
        last_at_ms: get(r, "last_at_ms")?,
    })
}

/// The pages of a sandbox, newest first (without their entries).
async fn pages(c: &mut Conn, sandbox: SandboxId) -> Result<Vec<PageInfo>> {
    let rows = crate::sql::query(
        "SELECT seq, entries, last_at_ms FROM api_journal_pages WHERE sandbox_id = ? ORDER BY seq DESC",
    )
    .bind(sandbox.to_string())
    .fetch_all(&mut *c)
    .await?;
    rows.iter().map(page_from_row).collect()
}

/// A page's entries, oldest first.
async fn page_entries(c: &mut Conn, sandbox: SandboxId, seq: i64) -> Result<Vec<Entry>> {
    let data: Option<String> = crate::sql::query_scalar("SELECT data FROM api_journal_pages WHERE seq = ?")
        .bind(seq)
        .fetch_optional(&mut *c)
        .await?;
    decode(sandbox, data.as_deref().unwrap_or("[]"))
}

/// Keeps a sandbox's newest `keep` entries (up to a tenth more) and drops the older ones:
/// whole pages go; the page on the boundary is trimmed only when keeping it whole would hold
/// more than a tenth too many (rewriting a page costs more than deleting one).
pub async fn prune(c: &mut Conn, sandbox: SandboxId, keep: usize) -> Result<()> {
    let slack = keep / 10;
    let mut kept = 0usize;
    for p in pages(c, sandbox).await? {
        if kept >= keep {
            crate::sql::query("DELETE FROM api_journal_pages WHERE seq = ?")
                .bind(p.seq)
                .execute(&mut *c)
                .await?;
        } else if kept + p.entries <= keep + slack {
            kept += p.entries;
        } else {
            // The boundary page: keep its newest entries only (written out whole).
            let entries = page_entries(c, sandbox, p.seq).await?;
            let newest = &entries[entries.len().saturating_sub(keep - kept)..];
            let data = rows::to_json(&newest)?;
            crate::sql::query("UPDATE api_journal_pages SET entries = ?, data = ?, bytes = ? WHERE seq = ?")
                .bind(i64::try_from(newest.len()).unwrap_or(i64::MAX))
                .bind(&data)
                .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
                .bind(p.seq)
                .execute(&mut *c)
                .await?;
            kept = keep;
        }
    }
    Ok(())
}

/// How many entries a sandbox's journal holds.
pub async fn count(c: &mut Conn, sandbox: SandboxId) -> Result<usize> {
    let r = crate::sql::query(
        "SELECT CAST(COALESCE(SUM(entries), 0) AS BIGINT) AS n FROM api_journal_pages WHERE sandbox_id = ?",
    )
    .bind(sandbox.to_string())
    .fetch_one(&mut *c)
    .await?;
    rows::count(&r, "n")
}

/// The newest entries of a sandbox matching `keep`, newest first, at most `limit`; pages whose
/// newest entry is older than `since_ms` end the walk.
async fn walk(
    c: &mut Conn,
    sandbox: SandboxId,
    since_ms: i64,
    limit: usize,
    keep: impl Fn(&Entry) -> bool,
) -> Result<Vec<Entry>> {
    let mut out = Vec::new();
    for p in pages(c, sandbox).await? {
        if out.len() >= limit || p.last_at_ms < since_ms {
            break;
        }
        let entries = page_entries(c, sandbox, p.seq).await?;
        out.extend(
            entries
                .into_iter()
                .rev()
                .filter(|e| e.at_ms >= since_ms && keep(e))
                .take(limit - out.len()),
        );
    }
    Ok(out)
}

/// The newest App+User requests of one tenant (API calls and portal pages) at or after `since_ms`, newest first, at most
/// `limit` (the MFA reports read at most what the real API returns).
pub async fn tenant_requests(
    c: &mut Conn,
    sandbox: SandboxId,
    tenant: &str,
    since_ms: i64,
    limit: usize,
) -> Result<Vec<Entry>> {
    walk(c, sandbox, since_ms, limit, |e| {
        e.tenant_id == tenant && e.caller == APP_USER && (e.surface == PARTNER_CENTER || e.surface == PORTAL)
    })
    .await
}

/// The newest `limit` entries of a sandbox, newest first.
pub async fn newest(c: &mut Conn, sandbox: SandboxId, limit: usize) -> Result<Vec<Entry>> {
    walk(c, sandbox, i64::MIN, limit, |_| true).await
}

/// The newest entry of a sandbox with this request id.
pub async fn by_request_id(c: &mut Conn, sandbox: SandboxId, request_id: &str) -> Result<Option<Entry>> {
    Ok(walk(c, sandbox, i64::MIN, 1, |e| e.request_id == request_id)
        .await?
        .pop())
}

/// The newest refused entries of a sandbox, newest first, at most `limit`.
pub async fn refusals(c: &mut Conn, sandbox: SandboxId, limit: usize) -> Result<Vec<Entry>> {
    walk(c, sandbox, i64::MIN, limit, |e| e.refusal.is_some()).await
}
