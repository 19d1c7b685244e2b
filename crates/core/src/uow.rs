//! One unit of work per write (DESIGN.md, STYLE.md's "One unit of work"): begin the transaction,
//! read the sandbox inside it, take `now` once, settle what fell due, run every check and write in
//! the same transaction, commit, and mark that sandbox's cached reads stale. Nothing else in core
//! begins a write transaction or touches the caches' generations.

use chrono::{DateTime, Utc};
use domain::mail::{self, Mail};
use domain::message::{Refusal, RefusalKind};
use domain::verification::Verification;
use domain::world::{Partner, Sandbox, Tenant, User};
use domain::{MfaState, Role, SandboxId, UserId};

use crate::error::{CoreError, Result};
use crate::Core;

/// Who an action runs as: a user id, or a user principal name of the sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserRef {
    Id(UserId),
    Upn(String),
}

impl UserRef {
    /// A GUID names a user by id; anything else is a user principal name.
    pub fn parse(raw: &str) -> UserRef {
        let raw = raw.trim();
        match raw.parse::<UserId>() {
            Ok(id) => UserRef::Id(id),
            Err(_) => UserRef::Upn(raw.to_lowercase()),
        }
    }

    /// The user this names in a sandbox, if any (an id of another sandbox names no one).
    pub async fn find(&self, c: &mut store::Conn, sandbox: SandboxId) -> Result<Option<User>> {
        Ok(match self {
            UserRef::Id(uid) => store::world::user(c, *uid)
                .await?
                .filter(|(s, _)| *s == sandbox)
                .map(|(_, u)| u),
            UserRef::Upn(upn) => store::world::user_by_upn(c, sandbox, upn).await?,
        })
    }

    pub fn shown(&self) -> String {
        match self {
            UserRef::Id(id) => id.to_string(),
            UserRef::Upn(u) => u.clone(),
        }
    }
}

/// A write in progress in one sandbox.
pub struct Write<'a> {
    core: &'a Core,
    pub tx: store::Tx,
    pub sandbox: Sandbox,
    /// The sandbox clock when the write began: every time it records is this one.
    pub now: DateTime<Utc>,
    /// Whether the commit makes the sandbox's cached reads stale (every write but the identity
    /// surface's own records).
    stale_on_commit: bool,
    /// Webhook events of what settled in this write, raised once it committed.
    pub(crate) events: Vec<Event>,
}

/// A webhook event to raise after the commit: (partner tenant, event name, resource name, path).
pub type Event = (domain::TenantId, &'static str, &'static str, String);

impl Core {
    /// Begins a write in a sandbox; what fell due by now on its clock is settled first.
    pub async fn write(&self, id: SandboxId) -> Result<Write<'_>> {
        let mut w = self.begin_write(id, true).await?;
        w.settle().await?;
        Ok(w)
    }

    /// A write of records no cache holds (OAuth grants, sign-in counters): it neither settles
    /// the sandbox's partners nor makes its cached reads stale.
    pub(crate) async fn write_quiet(&self, id: SandboxId) -> Result<Write<'_>> {
        self.begin_write(id, false).await
    }

    async fn begin_write(&self, id: SandboxId, stale_on_commit: bool) -> Result<Write<'_>> {
        let mut tx = self.store.begin().await?;
        let sandbox = store::sandboxes::get_one(&mut tx, id)
            .await?
            .ok_or_else(|| CoreError::not_found("sandbox", id))?;
        let now = sandbox.now(self.clock.now());
        Ok(Write {
            core: self,
            tx,
            sandbox,
            now,
            stale_on_commit,
            events: Vec::new(),
        })
    }
}

impl<'a> Write<'a> {
    pub fn core(&self) -> &'a Core {
        self.core
    }

    pub fn id(&self) -> SandboxId {
        self.sandbox.id
    }

    /// The connection the write runs on.
    pub fn c(&mut self) -> &mut store::Conn {
        &mut self.tx
    }

    /// Commits and makes the sandbox's cached reads stale.
    pub async fn commit(mut self) -> Result<()> {
        let id = self.sandbox.id;
        if self.stale_on_commit {
            self.core.store.announce(&mut self.tx, id, false).await?;
        }
        self.tx.commit().await.map_err(store::StoreError::from)?;
        if self.stale_on_commit {
            self.core.caches.stale(id);
        }
        for e in self.events {
            // The worker is gone only when the server is shutting down.
            let _ = self.core.settled.send((id, e));
        }
        Ok(())
    }

    /// The user an action runs as: a user of this sandbox, signed in with MFA (Partner Center
    /// requires it), holding one of `roles`. Read in the transaction, so a role taken away by a
    /// request that committed first is already gone.
    pub async fn actor(&mut self, who: &UserRef, roles: &[Role]) -> Result<(User, Tenant)> {
        let unknown = || CoreError::NotFound {
            what: "user",
            id: who.shown(),
            field: Some("as".into()),
        };
        let id = self.id();
        let user = who.find(self.c(), id).await?.ok_or_else(unknown)?;
        let (_, tenant) = store::world::tenant(self.c(), user.tenant_id)
            .await?
            .ok_or_else(unknown)?;
        if user.mfa != MfaState::Registered {
            return Err(CoreError::Refused(Refusal::new(
                RefusalKind::Forbidden,
                "MfaRequired",
                "パートナー センターを利用するには多要素認証 (MFA) が必要です。MFA を登録してからサインインしてください。",
                "Partner Center requires multifactor authentication (MFA). Register MFA, then sign in.",
            )));
        }
        if !user.roles.iter().any(|r| roles.contains(r)) {
            return Err(CoreError::Refused(role_required(roles)));
        }
        Ok((user, tenant))
    }

    /// Files a message in the sandbox mailbox (which keeps its newest messages).
    pub async fn send(&mut self, m: &Mail) -> Result<()> {
        let (id, now) = (self.id(), self.now);
        let mail_id = self.core.random.uuid().to_string();
        store::onboarding::insert_mail(self.c(), id, &mail_id, m, now, domain::limits::MAX_MAILBOX).await?;
        Ok(())
    }

    /// Stores a partner's new state and sends what it calls for: the email-ownership link when a
    /// new one was issued, the result when the verification finished.
    pub async fn save_partner(&mut self, before: Option<&Verification>, partner: &Partner) -> Result<()> {
        store::profiles::save_partner(self.c(), partner).await?;
        let Some(v) = &partner.verification else { return Ok(()) };
        let company = &partner.legal_business_profile.company_name;
        let base = self.core.settings.base_url.clone();
        let new_link = v
            .link_to_send()
            .filter(|l| before.and_then(|b| b.link.as_ref()).map(|b| &b.token) != Some(&l.token));
        if let Some(l) = new_link {
            let id = self.id();
            store::onboarding::insert_link(self.c(), id, partner.tenant_id, &l.token).await?;
            let m = mail::verification_email(
                company,
                &l.to,
                &crate::onboarding::email_link_url(&base, &l.token),
                l.expires_at,
            );
            self.send(&m).await?;
        }
        let was = before.map(|b| (b.version, b.status()));
        if was != Some((v.version, v.status())) {
            if let Some(m) = mail::verification_result(company, &v.contact_email, v, &base) {
                self.send(&m).await?;
            }
        }
        Ok(())
    }

    /// Applies what fell due by now to the sandbox's partners: finished reviews, expired links.
    pub(crate) async fn settle(&mut self) -> Result<()> {
        let (id, now) = (self.id(), self.now);
        for mut p in store::profiles::due_partners(self.c(), id, now.timestamp_millis()).await? {
            let Some(mut v) = p.verification.clone() else {
                store::profiles::save_partner(self.c(), &p).await?;
                continue;
            };
            let before = v.clone();
            v.settle(now);
            p.record(v);
            self.save_partner(Some(&before), &p).await?;
        }
        let core = self.core;
        core.settle_gdap(self).await?;
        Ok(())
    }
}

/// The refusal for an actor without the role an action needs, in the portal's words.
fn role_required(roles: &[Role]) -> Refusal {
    if roles == [Role::GlobalAdmin] {
        return Refusal::new(
            RefusalKind::Forbidden,
            "GlobalAdminRequired",
            "この操作を行うには、グローバル管理者のロールが必要です。",
            "You need the Global admin role to do this.",
        );
    }
    let (ja, en): (Vec<&str>, Vec<&str>) = roles.iter().map(|r| (r.label_ja(), r.label_en())).unzip();
    Refusal::new(
        RefusalKind::Forbidden,
        "RoleRequired",
        format!("この操作を行うには、{}のロールが必要です。", ja.join("または")),
        format!("You need the {} role to do this.", en.join(" or ")),
    )
}
