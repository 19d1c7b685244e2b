//! Partner Center webhooks (SDKDOC `partner-center-webhooks.md`, `partner-center-webhook-events.md`,
//! the 2021 `Webhooks.json` swagger): one registration per partner (a URL and the events it
//! wants), events POSTed to it as `{EventName, ResourceUri, ResourceName, AuditUri,
//! ResourceChangeUtcDate}` signed with RSA-SHA256 (`Authorization: Signature <base64>`), 10
//! attempts per event.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::fault::Fault;

/// The events a registration may name (the documented list; the sandbox sends the ones marked
/// in [`EMITTED`]).
pub const EVENTS: &[&str] = &[
    "test-created",
    "subscription-updated",
    "usagerecords-thresholdExceeded",
    "referral-created",
    "referral-updated",
    "related-referral-created",
    "related-referral-updated",
    "invoice-ready",
    "customer-created",
    "reseller-relationship-accepted-by-customer",
    "dap-admin-relationship-approved",
    "dap-admin-relationship-terminated",
    "dap-admin-relationship-terminated-by-microsoft",
    "granular-admin-relationship-approved",
    "granular-admin-relationship-activated",
    "granular-admin-relationship-terminated",
    "granular-admin-relationship-expired",
    "granular-admin-access-assignment-created",
    "granular-admin-access-assignment-activated",
    "granular-admin-access-assignment-updated",
    "granular-admin-access-assignment-deleted",
    "azure-fraud-event-detected",
    "new-commerce-migration-created",
    "new-commerce-migration-completed",
    "new-commerce-migration-failed",
    "new-commerce-migration-schedule-failed",
];

/// The events the sandbox raises.
pub const EMITTED: &[&str] = &[
    "test-created",
    "subscription-updated",
    "customer-created",
    "reseller-relationship-accepted-by-customer",
    "granular-admin-relationship-approved",
    "granular-admin-relationship-activated",
    "granular-admin-relationship-terminated",
    "granular-admin-relationship-expired",
    "granular-admin-access-assignment-created",
    "granular-admin-access-assignment-activated",
    "granular-admin-access-assignment-updated",
    "granular-admin-access-assignment-deleted",
];

/// Attempts to deliver one event (the docs: 10, then an offline queue).
pub const MAX_ATTEMPTS: u32 = 10;
/// Deliveries a sandbox keeps in its journal; older ones are dropped.
pub const MAX_DELIVERIES: usize = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub subscriber_id: String,
    pub webhook_url: String,
    pub webhook_events: Vec<String>,
    /// `SignatureTokenToMsSignatureHeader`: the signature goes in `x-ms-signature` instead.
    #[serde(default)]
    pub signature_in_header: bool,
    pub last_modified: DateTime<Utc>,
}

fn get_ci<'a>(obj: &'a Value, key: &str) -> Option<&'a Value> {
    obj.as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn invalid(field: &str, why: impl Into<String>) -> Fault {
    Fault::explained(400, 800002, "Invalid request input", format!("{field}: {}", why.into())).with_data([field])
}

/// A webhook URL the server's outbound policy will never call (its own listener, an address a
/// shared server does not reach): refused at registration as invalid input, with the reason.
pub fn refused_url(why: &str) -> Fault {
    invalid("WebhookUrl", format!("this server does not deliver there: {why}"))
}

/// What a registration asks for: the URL (http or https, absolute) and known events.
pub fn read_registration(body: &Value) -> Result<(String, Vec<String>, bool), Fault> {
    let url = get_ci(body, "webhookUrl")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| invalid("WebhookUrl", "is required"))?;
    let lower = url.to_ascii_lowercase();
    let host = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default())
        .unwrap_or_default();
    if url.len() > 2048 || host.is_empty() || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid("WebhookUrl", "an absolute http:// or https:// URL"));
    }
    let events = get_ci(body, "webhookEvents")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty() && a.len() <= EVENTS.len())
        .ok_or_else(|| {
            invalid(
                "WebhookEvents",
                "a list of event names (GET /webhooks/v1/registration/events)",
            )
        })?;
    let mut out: Vec<String> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let name = e.as_str().unwrap_or_default();
        let known = EVENTS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| {
                invalid(
                    &format!("WebhookEvents[{i}]"),
                    format!("'{name}' is not a webhook event"),
                )
            })?;
        if !out.iter().any(|o| o == known) {
            out.push((*known).to_owned());
        }
    }
    let in_header = get_ci(body, "signatureTokenToMsSignatureHeader")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    Ok((url.to_owned(), out, in_header))
}

/// An event as it is POSTed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Event {
    pub event_name: String,
    pub resource_uri: String,
    pub resource_name: String,
    pub audit_uri: Option<String>,
    pub resource_change_utc_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub at: DateTime<Utc>,
    /// The callback's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Not delivered after every attempt (the real service's offline queue).
    Failed,
}

/// One event on its way to a registration's URL, with each attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// The correlation id (`validationEvents/{correlationId}` for a test event).
    pub id: String,
    pub tenant_id: crate::TenantId,
    pub url: String,
    pub event: Event,
    pub status: DeliveryStatus,
    pub created_at: DateTime<Utc>,
    #[serde(default)]
    pub attempts: Vec<Attempt>,
}

impl Delivery {
    /// Records an attempt; a 2xx answer delivers, the last failed attempt fails the delivery.
    /// An attempt the outbound policy refused: recorded with its reason, and the delivery ends
    /// (a refused destination is not a transient failure to retry).
    pub fn refuse(&mut self, at: DateTime<Utc>, why: String) {
        self.attempts.push(Attempt {
            at,
            status: None,
            error: Some(format!("refused by the outbound policy: {why}")),
        });
        self.status = DeliveryStatus::Failed;
    }

    pub fn record(&mut self, at: DateTime<Utc>, status: Option<u16>, error: Option<String>) {
        self.attempts.push(Attempt { at, status, error });
        if status.is_some_and(|s| (200..300).contains(&s)) {
            self.status = DeliveryStatus::Delivered;
        } else if self.attempts.len() as u32 >= MAX_ATTEMPTS {
            self.status = DeliveryStatus::Failed;
        }
    }
}

/// The wait before attempt `n` (1-based) after a failure: 0.2 s doubling, at most 5 s.
pub fn backoff_ms(n: u32) -> u64 {
    (200u64 << n.saturating_sub(1).min(5)).min(5_000)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use serde_json::json;

    use super::*;

    #[test]
    fn a_registration_takes_a_url_and_known_events_in_either_case() {
        let (url, events, header) = read_registration(&json!({
            "WebhookUrl": "http://127.0.0.1:9000/cb", "WebhookEvents": ["Subscription-Updated", "test-created", "test-created"]
        }))
        .unwrap();
        assert_eq!(url, "http://127.0.0.1:9000/cb");
        assert_eq!(events, ["subscription-updated", "test-created"]);
        assert!(!header);
        for bad in [
            json!({"webhookUrl": "ftp://x/y", "webhookEvents": ["test-created"]}),
            json!({"webhookUrl": "http://", "webhookEvents": ["test-created"]}),
            json!({"webhookUrl": "http://x/y", "webhookEvents": []}),
            json!({"webhookUrl": "http://x/y", "webhookEvents": ["nope"]}),
            json!({"webhookEvents": ["test-created"]}),
        ] {
            assert_eq!(read_registration(&bad).unwrap_err().code, 800002, "{bad}");
        }
    }

    #[test]
    fn a_delivery_ends_delivered_on_2xx_or_failed_after_ten_attempts() {
        let now = chrono::Utc::now();
        let mut d = Delivery {
            id: "c".into(),
            tenant_id: "6f1a2b3c-0000-4000-8000-00000000000a".parse().unwrap(),
            url: "http://x".into(),
            event: Event {
                event_name: "test-created".into(),
                resource_uri: String::new(),
                resource_name: "test".into(),
                audit_uri: None,
                resource_change_utc_date: String::new(),
            },
            status: DeliveryStatus::Pending,
            created_at: now,
            attempts: Vec::new(),
        };
        for _ in 0..9 {
            d.record(now, Some(500), None);
        }
        assert_eq!(d.status, DeliveryStatus::Pending);
        d.record(now, None, Some("refused".into()));
        assert_eq!(d.status, DeliveryStatus::Failed);
        let mut ok = Delivery {
            attempts: Vec::new(),
            status: DeliveryStatus::Pending,
            ..d
        };
        ok.record(now, Some(204), None);
        assert_eq!(ok.status, DeliveryStatus::Delivered);
        assert_eq!((backoff_ms(1), backoff_ms(2), backoff_ms(10)), (200, 400, 5_000));
        // The payload's names are PascalCase, as posted.
        let v = serde_json::to_value(&ok.event).unwrap();
        assert!(v.get("EventName").is_some() && v.get("ResourceChangeUtcDate").is_some() && v["AuditUri"].is_null());
    }
}
