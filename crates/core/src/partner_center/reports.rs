//! The security-requirements reports, read from the request journal of the caller's tenant.

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::mfa_report::{
    self, AppAdoption, NonMfaPrincipal, PartnerRequest, MAX_PARTNER_REQUESTS, REPORT_WINDOW_DAYS,
};
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
    /// The caller's tenant's App+User requests in the report window, newest first.
    pub async fn partner_requests(&self, who: &Principal) -> Result<Vec<PartnerRequest>> {
        self.journal.flush().await;
        let sandbox = self.find_sandbox(&who.sandbox.to_string()).await?;
        let since = self.sandbox_now(&sandbox) - Duration::days(REPORT_WINDOW_DAYS);
        let tenant = who.tenant.to_string();
        Ok(self
            .store
            .journal(who.sandbox, true, since.timestamp_millis(), usize::MAX >> 1)
            .await?
            .into_iter()
            .filter(|e| e.tenant_id == tenant)
            .filter_map(partner_request)
            .take(MAX_PARTNER_REQUESTS)
            .collect())
    }

    pub async fn non_mfa_compliant_principals(&self, who: &Principal) -> Result<Vec<NonMfaPrincipal>> {
        Ok(mfa_report::non_mfa_compliant(&self.partner_requests(who).await?))
    }

    pub async fn application_mfa_adoption(&self, who: &Principal) -> Result<Vec<AppAdoption>> {
        Ok(mfa_report::application_adoption(&self.partner_requests(who).await?))
    }

    /// The control plane's view: every journaled request of a sandbox, newest first.
    pub async fn request_journal(&self, id_or_name: &str, limit: usize) -> Result<Vec<Entry>> {
        let sb = self.find_sandbox(id_or_name).await?;
        self.journal.flush().await;
        Ok(self.store.journal(sb.id, false, i64::MIN, limit).await?)
    }

    /// Records one answered `/v1` request.
    pub async fn journal_request(&self, entry: Entry) {
        self.journal.record(entry).await;
    }
}
