//! Webhooks: a partner's registration, the events the sandbox raises for it, and their delivery
//! to its URL in the background (signed with the sandbox's token key, up to 10 attempts), each
//! attempt recorded in the sandbox's delivery journal.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use domain::fault::Fault;
use domain::webhooks::{self, Delivery, DeliveryStatus, Event, Registration, MAX_ATTEMPTS, MAX_DELIVERIES};
use domain::{SandboxId, TenantId};
use serde_json::Value;

use crate::error::{CoreError, Result};
use crate::partner_center::auth::Principal;
use crate::Core;

fn no_registration() -> CoreError {
    Fault::explained(
        404,
        1000,
        "Not found",
        "this partner has no webhook registration (POST /webhooks/v1/registration)",
    )
    .into()
}

/// The time an event names, as the docs' examples write it.
fn change_date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, false)
}

/// The base of `ResourceUri` and `AuditUri`: the real service's.
const API: &str = "https://api.partnercenter.microsoft.com";

impl Core {
    /// `POST /webhooks/v1/registration` (a second one: 409), or `PUT` (`replace`) of an existing one.
    pub async fn register_webhook(&self, who: &Principal, body: &Value, replace: bool) -> Result<Registration> {
        let (url, events, in_header) = webhooks::read_registration(body)?;
        // What can be told without resolving a name is refused at once; the rest when delivering.
        let policy = &self.settings.outbound;
        if let Some((host, port)) = domain::outbound::target(&url) {
            policy
                .check_host(&host, port)
                .map_err(|why| webhooks::refused_url(&why))?;
            if let Ok(ip) = host.parse::<std::net::IpAddr>() {
                policy
                    .check(&host, std::net::SocketAddr::new(ip, port))
                    .map_err(|why| webhooks::refused_url(&why))?;
            }
        }
        let mut w = self.write(who.sandbox).await?;
        let existing = store::webhooks::registration(w.c(), who.tenant).await?;
        let subscriber_id = match (&existing, replace) {
            (Some(_), false) => {
                return Err(Fault::new(
                    409,
                    2000,
                    "Registration already exists, use the PUT method to update a registration.",
                )
                .into())
            }
            (None, true) => return Err(no_registration()),
            (Some(r), true) => r.subscriber_id.clone(),
            (None, false) => self.random.uuid().to_string(),
        };
        let reg = Registration {
            subscriber_id,
            webhook_url: url,
            webhook_events: events,
            signature_in_header: in_header,
            last_modified: w.now,
        };
        store::webhooks::put_registration(w.c(), who.sandbox, who.tenant, &reg).await?;
        w.commit().await?;
        Ok(reg)
    }

    pub async fn webhook_registration(&self, who: &Principal) -> Result<Registration> {
        let mut c = self.store.conn().await?;
        store::webhooks::registration(&mut c, who.tenant)
            .await?
            .ok_or_else(no_registration)
    }

    pub async fn delete_webhook_registration(&self, who: &Principal) -> Result<()> {
        let mut w = self.write(who.sandbox).await?;
        if !store::webhooks::delete_registration(w.c(), who.tenant).await? {
            return Err(no_registration());
        }
        w.commit().await
    }

    /// `POST /webhooks/v1/registration/validationEvents`: a `test-created` event now; its
    /// correlation id names the delivery.
    pub async fn webhook_test(&self, who: &Principal) -> Result<String> {
        let reg = self.webhook_registration(who).await?;
        if !reg.webhook_events.iter().any(|e| e == "test-created") {
            return Err(Fault::explained(
                400,
                800002,
                "Invalid request input",
                "the registration does not include the test-created event",
            )
            .into());
        }
        let id = self.random.uuid().to_string();
        let event = Event {
            event_name: "test-created".into(),
            resource_uri: format!("{API}/webhooks/v1/registration/validationEvents/{id}"),
            resource_name: "test".into(),
            audit_uri: None,
            resource_change_utc_date: change_date(self.sandbox_now_of(who.sandbox).await?),
        };
        self.deliver(who.sandbox, who.tenant, &reg, event, Some(id.clone()))
            .await?;
        Ok(id)
    }

    /// `GET /webhooks/v1/registration/validationEvents/{correlationId}`.
    pub async fn webhook_delivery(&self, who: &Principal, id: &str) -> Result<Delivery> {
        let mut c = self.store.conn().await?;
        match store::webhooks::delivery(&mut c, id.trim()).await? {
            Some((s, d)) if s == who.sandbox && d.tenant_id == who.tenant => Ok(d),
            _ => Err(Fault::explained(404, 1000, "Not found", format!("no validation event {id}")).into()),
        }
    }

    /// The control plane's view: a sandbox's newest deliveries.
    pub async fn webhook_deliveries(&self, sandbox: SandboxId, limit: usize) -> Result<Vec<Delivery>> {
        let mut c = self.store.conn().await?;
        Ok(store::webhooks::deliveries(&mut c, sandbox, limit).await?)
    }

    /// Raises an event for a partner: delivered when its registration asks for it. A failure to
    /// record it is logged, never the caller's error (the change it reports is committed).
    pub async fn emit(
        &self,
        sandbox: SandboxId,
        tenant: TenantId,
        name: &str,
        resource_name: &str,
        resource_path: &str,
    ) {
        let result: Result<()> = async {
            let reg = {
                let mut c = self.store.conn().await?;
                store::webhooks::registration(&mut c, tenant).await?
            };
            let Some(reg) = reg.filter(|r| r.webhook_events.iter().any(|e| e == name)) else {
                return Ok(());
            };
            let event = Event {
                event_name: name.to_owned(),
                resource_uri: format!("{API}/v1/{resource_path}"),
                resource_name: resource_name.to_owned(),
                audit_uri: None,
                resource_change_utc_date: change_date(self.sandbox_now_of(sandbox).await?),
            };
            self.deliver(sandbox, tenant, &reg, event, None).await
        }
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, event = name, "a webhook event was not recorded");
        }
    }

    /// Records a delivery and sends it in the background.
    async fn deliver(
        &self,
        sandbox: SandboxId,
        tenant: TenantId,
        reg: &Registration,
        event: Event,
        id: Option<String>,
    ) -> Result<()> {
        let delivery = Delivery {
            id: id.unwrap_or_else(|| self.random.uuid().to_string()),
            tenant_id: tenant,
            url: reg.webhook_url.clone(),
            event,
            status: DeliveryStatus::Pending,
            created_at: self.sandbox_now_of(sandbox).await?,
            attempts: Vec::new(),
        };
        {
            // Deliveries are in no cache: a quiet write.
            let mut w = self.write_quiet(sandbox).await?;
            let lease = self.lease_from_now(0);
            store::webhooks::insert_delivery(w.c(), sandbox, &delivery, MAX_DELIVERIES, lease).await?;
            w.commit().await?;
        }
        let core = self.clone();
        let in_header = reg.signature_in_header;
        tokio::spawn(async move { core.send(sandbox, delivery, in_header).await });
        Ok(())
    }

    /// A client that connects to `url`'s host only at the addresses the outbound policy allows
    /// (no proxy, no redirects), or why none is allowed.
    async fn outbound_client(&self, url: &str) -> std::result::Result<reqwest::Client, String> {
        let policy = &self.settings.outbound;
        let (host, port) = domain::outbound::target(url).ok_or("not an http(s) URL")?;
        policy.check_host(&host, port)?;
        let addrs: Vec<std::net::SocketAddr> = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => vec![std::net::SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| format!("{host} does not resolve: {e}"))?
                .collect(),
        };
        let mut allowed = Vec::new();
        let mut refused = None;
        for a in addrs {
            match policy.check(&host, a) {
                Ok(()) => allowed.push(a),
                Err(why) => refused = refused.or(Some(why)),
            }
        }
        if allowed.is_empty() {
            return Err(refused.unwrap_or_else(|| format!("{host} has no address")));
        }
        reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(5))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .resolve_to_addrs(&host, &allowed)
            .build()
            .map_err(|e| e.to_string())
    }

    async fn send(&self, sandbox: SandboxId, mut d: Delivery, in_header: bool) {
        let body = serde_json::to_vec(&d.event).unwrap_or_default();
        let (signature, kid) = match self.keyset_for(sandbox).await {
            Ok(keys) => {
                let key = keys.active();
                (
                    key.sign_bytes(&body).map(|s| STANDARD.encode(s)).unwrap_or_default(),
                    key.kid.clone(),
                )
            }
            Err(_) => (String::new(), String::new()),
        };
        let keys_url = format!(
            "{}/{}/discovery/v2.0/keys",
            self.settings.base_url.trim_end_matches('/'),
            d.tenant_id
        );
        // A delivery resumed from a replica that died goes on from its attempts so far.
        let done = u32::try_from(d.attempts.len()).unwrap_or(MAX_ATTEMPTS);
        if done >= MAX_ATTEMPTS {
            if let Ok(mut w) = self.write_quiet(sandbox).await {
                if store::webhooks::update_delivery(w.c(), &d, None).await.is_ok() {
                    let _ = w.commit().await;
                }
            }
            return;
        }
        for n in done + 1..=MAX_ATTEMPTS {
            // The destination is resolved and checked on every attempt (a name may resolve
            // elsewhere by now), and the request goes only to the addresses that passed.
            let client = match self.outbound_client(&d.url).await {
                Ok(c) => c,
                Err(why) => {
                    tracing::warn!(sandbox = %sandbox, url = %d.url, "webhook delivery refused: {why}");
                    let at = self.sandbox_now_of(sandbox).await.unwrap_or_else(|_| Utc::now());
                    d.refuse(at, why);
                    if let Ok(mut w) = self.write_quiet(sandbox).await {
                        if store::webhooks::update_delivery(w.c(), &d, None).await.is_ok() {
                            let _ = w.commit().await;
                        }
                    }
                    return;
                }
            };
            let mut req = client
                .post(&d.url)
                .header("content-type", "application/json")
                .header("x-ms-certificate-url", &keys_url)
                .header("x-ms-signature-algorithm", "rsa-sha256")
                .header("x-ms-signature-kid", &kid)
                .body(body.clone());
            req = if in_header {
                req.header("x-ms-signature", format!("Signature {signature}"))
            } else {
                req.header("authorization", format!("Signature {signature}"))
            };
            let (status, error) = match req.send().await {
                Ok(res) => (Some(res.status().as_u16()), None),
                Err(e) => (None, Some(e.to_string())),
            };
            let at = self.sandbox_now_of(sandbox).await.unwrap_or_else(|_| Utc::now());
            d.record(at, status, error);
            // Still leased while attempts remain: through the pause before the next one.
            let lease = (d.status == DeliveryStatus::Pending && n < MAX_ATTEMPTS)
                .then(|| self.lease_from_now(webhooks::backoff_ms(n)));
            let saved: Result<()> = async {
                let mut w = self.write_quiet(sandbox).await?;
                store::webhooks::update_delivery(w.c(), &d, lease).await?;
                w.commit().await
            }
            .await;
            if saved.is_err() || d.status != DeliveryStatus::Pending {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(webhooks::backoff_ms(n))).await;
        }
    }
}

impl Core {
    /// The wall-clock end of a sender's lease on a delivery that waits `pause_ms` first.
    fn lease_from_now(&self, pause_ms: u64) -> i64 {
        let lease = self.settings.delivery_lease.as_millis() + u128::from(pause_ms);
        Utc::now()
            .timestamp_millis()
            .saturating_add(i64::try_from(lease).unwrap_or(i64::MAX / 2))
    }

    /// Claims the deliveries whose sender died before finishing them (its lease ran out) and
    /// goes on with them here. Of several replicas exactly one claims each (the claim is a
    /// write); returns how many were taken over.
    pub async fn resume_abandoned_deliveries(&self) -> Result<usize> {
        let claimed = {
            let mut tx = self.store.begin().await?;
            let found =
                store::webhooks::claim_abandoned(&mut tx, Utc::now().timestamp_millis(), self.lease_from_now(0), 100)
                    .await?;
            tx.commit().await.map_err(store::StoreError::from)?;
            found
        };
        let n = claimed.len();
        for (sandbox, d) in claimed {
            let in_header = {
                let mut c = self.store.conn().await?;
                store::webhooks::registration(&mut c, d.tenant_id)
                    .await?
                    .is_some_and(|r| r.signature_in_header)
            };
            tracing::info!(sandbox = %sandbox, delivery = %d.id, "taking over a webhook delivery its sender abandoned");
            let core = self.clone();
            tokio::spawn(async move { core.send(sandbox, d, in_header).await });
        }
        Ok(n)
    }
}
