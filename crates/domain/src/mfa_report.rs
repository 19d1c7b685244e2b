//! The security-requirements reports Partner Center derives from App+User requests
//! (SDKDOC `mfa-resources.md`, `get-portal-requests-without-mfa.md`): who called without MFA, and
//! per application and day how many calls carried MFA. Pure functions over journal records.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use crate::{AppId, FieldError, TenantId, UserId};

/// One App+User request as the journal keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerRequest {
    pub at: DateTime<Utc>,
    pub request_id: String,
    pub correlation_id: String,
    pub operation: String,
    pub source_ip: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub upn: String,
    pub app_id: AppId,
    pub app_name: String,
    pub mfa: bool,
}

/// `/v1/partnerRequests` reports at most this many requests.
pub const MAX_PARTNER_REQUESTS: usize = 10_000;
/// The reports look this many days back on the sandbox clock ("the last 7 days", swagger
/// `CustomerService.json` of the partnerRequests and nonMfaCompliantPartnerPrincipals operations).
pub const REPORT_WINDOW_DAYS: i64 = 7;
/// The longest `startDate`..`endDate` range `/v1/applicationmfaadoptionstatus` answers.
pub const MAX_ADOPTION_RANGE_DAYS: i64 = 90;

/// The days an adoption report covers, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DayRange {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }
}

/// A report date as clients send it: `2020-05-20`, or a date-time (RFC 3339, or without an offset).
fn report_date(field: &str, raw: &str) -> Result<NaiveDate, FieldError> {
    let s = raw.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(s).map(|d| d.with_timezone(&Utc).date_naive()))
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").map(|d| d.date()))
        .map_err(|_| FieldError::new(field, format!("{field} '{s}' is not a date such as 2020-05-20.")))
}

/// `startDate`/`endDate` of `/v1/applicationmfaadoptionstatus` (swagger and the REST reference
/// list them without a format or default): dates or date-times; left out, the report window
/// ending today. The range may not be reversed nor longer than [`MAX_ADOPTION_RANGE_DAYS`].
pub fn adoption_range(start: Option<&str>, end: Option<&str>, today: NaiveDate) -> Result<DayRange, FieldError> {
    let end = match given_text(end) {
        Some(e) => report_date("endDate", e)?,
        None => today,
    };
    let start = match given_text(start) {
        Some(s) => report_date("startDate", s)?,
        None => end - chrono::Duration::days(REPORT_WINDOW_DAYS - 1),
    };
    if start > end {
        return Err(FieldError::new(
            "startDate",
            format!("startDate {start} is after endDate {end}."),
        ));
    }
    if (end - start).num_days() >= MAX_ADOPTION_RANGE_DAYS {
        return Err(FieldError::new(
            "startDate",
            format!("The range {start}..{end} is longer than {MAX_ADOPTION_RANGE_DAYS} days."),
        ));
    }
    Ok(DayRange { start, end })
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonMfaPrincipal {
    pub object_id: UserId,
    pub tenant_id: TenantId,
    pub upn: String,
    pub last_non_mfa_request: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppAdoption {
    pub login_date: NaiveDate,
    pub application_id: AppId,
    pub application_name: String,
    pub mfa_compliant_requests: u64,
    pub total_requests: u64,
}

/// Users who made at least one request without MFA, most recent offender first.
pub fn non_mfa_compliant(requests: &[PartnerRequest]) -> Vec<NonMfaPrincipal> {
    let mut by_user: BTreeMap<UserId, NonMfaPrincipal> = BTreeMap::new();
    for r in requests.iter().filter(|r| !r.mfa) {
        let e = by_user.entry(r.user_id).or_insert_with(|| NonMfaPrincipal {
            object_id: r.user_id,
            tenant_id: r.tenant_id,
            upn: r.upn.clone(),
            last_non_mfa_request: r.at,
        });
        if r.at > e.last_non_mfa_request {
            e.last_non_mfa_request = r.at;
        }
    }
    let mut out: Vec<_> = by_user.into_values().collect();
    out.sort_by(|a, b| {
        b.last_non_mfa_request
            .cmp(&a.last_non_mfa_request)
            .then(a.upn.cmp(&b.upn))
    });
    out
}

/// Requests per application and (UTC) day, newest day first.
pub fn application_adoption(requests: &[PartnerRequest]) -> Vec<AppAdoption> {
    let mut by_key: BTreeMap<(NaiveDate, AppId), AppAdoption> = BTreeMap::new();
    for r in requests {
        let day = r.at.date_naive();
        let e = by_key.entry((day, r.app_id)).or_insert_with(|| AppAdoption {
            login_date: day,
            application_id: r.app_id,
            application_name: r.app_name.clone(),
            mfa_compliant_requests: 0,
            total_requests: 0,
        });
        e.total_requests += 1;
        if r.mfa {
            e.mfa_compliant_requests += 1;
        }
    }
    let mut out: Vec<_> = by_key.into_values().collect();
    out.sort_by(|a, b| {
        b.login_date
            .cmp(&a.login_date)
            .then(a.application_id.cmp(&b.application_id))
    });
    out
}

/// A parameter's value, unless absent or blank.
fn given_text(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn req(user: u128, app: u128, day: u32, hour: u32, mfa: bool) -> PartnerRequest {
        PartnerRequest {
            at: Utc.with_ymd_and_hms(2026, 11, day, hour, 0, 0).unwrap(),
            request_id: format!("r{user}{day}{hour}"),
            correlation_id: String::new(),
            operation: "Get /v{version}/profiles/legalbusiness".into(),
            source_ip: "127.0.0.1".into(),
            tenant_id: TenantId(uuid::Uuid::from_u128(9)),
            user_id: UserId(uuid::Uuid::from_u128(user)),
            upn: format!("u{user}@contoso.co.jp"),
            app_id: AppId(uuid::Uuid::from_u128(app)),
            app_name: format!("app{app}"),
            mfa,
        }
    }

    #[test]
    fn non_mfa_principals_are_users_with_a_request_without_mfa() {
        let rs = vec![
            req(1, 7, 20, 9, true),
            req(2, 7, 20, 10, false),
            req(2, 7, 21, 8, false),
            req(3, 7, 19, 8, false),
        ];
        let out = non_mfa_compliant(&rs);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].upn, "u2@contoso.co.jp");
        assert_eq!(out[0].last_non_mfa_request, rs[2].at);
        assert_eq!(out[1].upn, "u3@contoso.co.jp");
    }

    #[test]
    fn adoption_counts_per_app_and_day() {
        let rs = vec![
            req(1, 7, 20, 9, true),
            req(2, 7, 20, 10, false),
            req(1, 8, 20, 11, true),
            req(1, 7, 21, 8, true),
        ];
        let out = application_adoption(&rs);
        assert_eq!(out.len(), 3);
        assert_eq!(out[0].login_date.to_string(), "2026-11-21");
        let day20_app7 = out
            .iter()
            .find(|a| a.login_date.to_string() == "2026-11-20" && a.app_name_is("app7"));
        let a = day20_app7.unwrap();
        assert_eq!((a.mfa_compliant_requests, a.total_requests), (1, 2));
    }

    #[test]
    fn adoption_ranges_default_to_the_window_and_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let r = adoption_range(None, None, today).unwrap();
        assert_eq!(
            (r.start.to_string(), r.end.to_string()),
            ("2026-11-19".into(), "2026-11-25".into())
        );
        let r = adoption_range(Some("2026-11-01"), Some("2026-11-10T23:00:00Z"), today).unwrap();
        assert!(r.contains(NaiveDate::from_ymd_opt(2026, 11, 10).unwrap()));
        assert!(!r.contains(NaiveDate::from_ymd_opt(2026, 11, 11).unwrap()));
        assert_eq!(
            adoption_range(Some("2026-11-02"), Some("2026-11-01"), today)
                .unwrap_err()
                .field,
            "startDate"
        );
        assert_eq!(
            adoption_range(Some("yesterday"), None, today).unwrap_err().field,
            "startDate"
        );
        assert_eq!(
            adoption_range(None, Some("2026-13-01"), today).unwrap_err().field,
            "endDate"
        );
        assert!(adoption_range(Some("2020-01-01"), None, today).is_err());
    }

    impl AppAdoption {
        fn app_name_is(&self, n: &str) -> bool {
            self.application_name == n
        }
    }
}
