//! The security-requirements reports, read from the request journal of the caller's tenant.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::mfa_report::{
    self, AppAdoption, NonMfaPrincipal, PartnerRequest, MAX_PARTNER_REQUESTS, REPORT_WINDOW_DAYS,
};
use domain::SandboxId;
use store::journal::Entry;

use super::auth::Principal;
use crate::error::Result;
use crate::Core;

fn at(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

fn partner_request(e: Entry) -> Option<PartnerRequest> {
    Some(PartnerRequest {
        at: at(e.at_ms),
        request_id: e.request_id,
        correlation_id: e.correlation_id,
        operation: e.operation,
        source_ip: e.source_ip,
        tenant_id: e.tenant_id.parse().ok()?,
        user_id: e.user_id?.parse().ok()?,
        upn: e.upn.unwrap_or_default(),
        app_id: e.app_id.parse().ok()?,
        app_name: e.app_name,
        mfa: e.mfa,
    })
}

impl Core {
    /// The caller's tenant's App+User requests in the report window, newest first: at most
    /// 10,000, as the real API answers (get-api-request-details.md).
    pub async fn partner_requests(&self, who: &Principal) -> Result<Vec<PartnerRequest>> {
        let since = domain::clock::shifted(self.clock.now(), who.clock_offset_ms) - Duration::days(REPORT_WINDOW_DAYS);
        self.requests_since(who, since).await
    }

    /// One tenant's App+User requests (API calls and portal pages) in the report window: what
    /// the portal's security-requirements page counts.
    pub async fn tenant_partner_requests(
        &self,
        sandbox: SandboxId,
        tenant: domain::TenantId,
    ) -> Result<Vec<PartnerRequest>> {
        let now = self.sandbox_now_of(sandbox).await?;
        let since = now - Duration::days(REPORT_WINDOW_DAYS);
        self.journal.flush().await;
        let mut c = self.store.conn().await?;
        Ok(store::journal::tenant_requests(
            &mut c,
            sandbox,
            &tenant.to_string(),
            since.timestamp_millis(),
            MAX_PARTNER_REQUESTS,
        )
        .await?
        .into_iter()
        .filter_map(partner_request)
        .collect())
    }

    async fn requests_since(&self, who: &Principal, since: DateTime<Utc>) -> Result<Vec<PartnerRequest>> {
        self.journal.flush().await;
        let mut c = self.store.conn().await?;
        Ok(store::journal::tenant_requests(
            &mut c,
            who.sandbox,
            &who.tenant.to_string(),
            since.timestamp_millis(),
            MAX_PARTNER_REQUESTS,
        )
        .await?
        .into_iter()
        .filter_map(partner_request)
        .collect())
    }

    pub async fn non_mfa_compliant_principals(&self, who: &Principal) -> Result<Vec<NonMfaPrincipal>> {
        Ok(mfa_report::non_mfa_compliant(&self.partner_requests(who).await?))
    }

    /// Per application and day, for the days of `startDate`..`endDate` (the last 7 when left out).
    pub async fn application_mfa_adoption(
        &self,
        who: &Principal,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<Vec<AppAdoption>> {
        let today = domain::clock::shifted(self.clock.now(), who.clock_offset_ms).date_naive();
        let range = mfa_report::adoption_range(start, end, today)?;
        let since = range.start.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        let mut requests = self.requests_since(who, since).await?;
        requests.retain(|r| range.contains(r.at.date_naive()));
        Ok(mfa_report::application_adoption(&requests))
    }

    /// The control plane's view: the newest journaled requests of a sandbox, newest first.
    pub async fn request_journal(&self, sandbox: SandboxId, limit: usize) -> Result<Vec<Entry>> {
        self.journal.flush().await;
        let mut c = self.store.conn().await?;
        Ok(store::journal::newest(&mut c, sandbox, limit).await?)
    }

    /// The newest refused requests of a sandbox, newest first.
    pub async fn refusals(&self, sandbox: SandboxId, limit: usize) -> Result<Vec<Entry>> {
        self.journal.flush().await;
        let mut c = self.store.conn().await?;
        Ok(store::journal::refusals(&mut c, sandbox, limit).await?)
    }

    /// One journaled request by its request id.
    pub async fn journaled_request(&self, sandbox: SandboxId, request_id: &str) -> Result<Option<Entry>> {
        self.journal.flush().await;
        let mut c = self.store.conn().await?;
        Ok(store::journal::by_request_id(&mut c, sandbox, request_id.trim()).await?)
    }

    /// Records one answered request.
    pub async fn journal_request(&self, record: store::journal::Record) {
        self.journal.record(record).await;
    }
}
