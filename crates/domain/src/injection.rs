//! Faults a test injects into a sandbox (DESIGN.md's control plane: `POST .../faults`): by method
//! and path pattern, an error status (429 with `Retry-After`, 503, ...), added latency, a dropped
//! connection, or one of Entra's refusals on the token endpoint (consent missing, MFA required at
//! refresh, ...); once, N times, or with a probability.

use serde::{Deserialize, Serialize};

use crate::FieldError;

/// A fault as the control plane takes it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultSpec {
    pub method: Option<String>,
    /// A path pattern: `*` stands for one segment, a final `**` for the rest
    /// (`/v1/customers/*`, `/*/oauth2/v2.0/token`, `/v1/**`).
    pub path: Option<String>,
    pub status: Option<u16>,
    pub retry_after: Option<u32>,
    pub latency_ms: Option<u64>,
    /// Close the connection without an answer.
    #[serde(default)]
    pub drop: bool,
    /// On the token endpoint: answer this AADSTS error instead (65001, 50076, 50173, ...).
    pub aadsts: Option<u32>,
    /// On the token endpoint: only for this grant type (`refresh_token`, ...).
    pub grant_type: Option<String>,
    pub times: Option<u32>,
    pub probability: Option<f64>,
}

/// What a fault does to a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Fault {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<u64>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub drop: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aadsts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_type: Option<String>,
    /// Times left (`None`: until removed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
    /// Requests it has hit.
    pub hits: u64,
}

/// The most faults a sandbox holds, and the longest latency a fault adds.
pub const MAX_FAULTS: usize = 100;
pub const MAX_LATENCY_MS: u64 = 60_000;

/// The AADSTS errors a fault can answer on the token endpoint.
pub const AADSTS: [u32; 6] = [65001, 50076, 50079, 50173, 700082, 90055];

impl FaultSpec {
    /// Checks a fault: it must do something, on a path.
    pub fn validated(self, id: String) -> Result<Fault, FieldError> {
        let path = self
            .path
            .map(|p| p.trim().to_owned())
            .filter(|p| p.starts_with('/') && p.len() <= 500)
            .ok_or_else(|| {
                FieldError::new(
                    "path",
                    "path is a pattern starting with / such as /v1/customers/* or /v1/**",
                )
            })?;
        let method = match self
            .method
            .map(|m| m.trim().to_ascii_uppercase())
            .filter(|m| !m.is_empty())
        {
            Some(m) if ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"].contains(&m.as_str()) => Some(m),
            Some(m) => return Err(FieldError::new("method", format!("'{m}' is not an HTTP method"))),
            None => None,
        };
        if let Some(s) = self.status {
            if !(400..=599).contains(&s) {
                return Err(FieldError::new("status", "status is an error status, 400 to 599"));
            }
        }
        if self.retry_after.is_some() && self.status.is_none() && self.aadsts.is_none() {
            return Err(FieldError::new("retryAfter", "retryAfter goes with a status"));
        }
        if self.latency_ms.is_some_and(|l| l > MAX_LATENCY_MS) {
            return Err(FieldError::new(
                "latencyMs",
                format!("latencyMs is at most {MAX_LATENCY_MS}"),
            ));
        }
        if let Some(code) = self.aadsts {
            if !AADSTS.contains(&code) {
                return Err(FieldError::new(
                    "aadsts",
                    format!("aadsts is one of {}", AADSTS.map(|c| c.to_string()).join(", ")),
                ));
            }
        }
        if let Some(p) = self.probability {
            if !(p > 0.0 && p <= 1.0) {
                return Err(FieldError::new("probability", "probability is above 0 and at most 1"));
            }
        }
        if self.times == Some(0) {
            return Err(FieldError::new(
                "times",
                "times is at least 1 (leave it out for every time)",
            ));
        }
        let effects = [
            self.status.is_some(),
            self.latency_ms.is_some(),
            self.drop,
            self.aadsts.is_some(),
        ];
        if !effects.contains(&true) {
            return Err(FieldError::new(
                "status",
                "a fault does something: status, latencyMs, drop or aadsts",
            ));
        }
        if self.drop && (self.status.is_some() || self.aadsts.is_some()) {
            return Err(FieldError::new(
                "drop",
                "a dropped connection answers nothing: no status or aadsts with it",
            ));
        }
        Ok(Fault {
            id,
            method,
            path,
            status: self.status,
            retry_after: self.retry_after,
            latency_ms: self.latency_ms,
            drop: self.drop,
            aadsts: self.aadsts,
            grant_type: self.grant_type.map(|g| g.trim().to_owned()).filter(|g| !g.is_empty()),
            remaining: self.times,
            probability: self.probability,
            hits: 0,
        })
    }
}

/// Whether a path pattern matches a path (case-insensitively, a trailing slash ignored).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let segs = |s: &str| -> Vec<String> {
        s.trim_end_matches('/')
            .split('/')
            .map(|x| x.to_ascii_lowercase())
            .collect()
    };
    let (p, q) = (segs(pattern), segs(path));
    for (i, seg) in p.iter().enumerate() {
        if seg == "**" && i == p.len() - 1 {
            return q.len() >= i;
        }
        match q.get(i) {
            Some(s) if seg == "*" || seg == s => {}
            _ => return false,
        }
    }
    p.len() == q.len()
}

impl Fault {
    /// Whether the fault applies to this request (before its probability is drawn).
    pub fn applies(&self, method: &str, path: &str, grant_type: Option<&str>) -> bool {
        self.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
            && path_matches(&self.path, path)
            && self.remaining != Some(0)
            && match (&self.grant_type, grant_type) {
                (None, _) => true,
                (Some(want), Some(got)) => want.eq_ignore_ascii_case(got),
                (Some(_), None) => false,
            }
    }

    /// Counts a hit (and one time fewer, for a fault with a count).
    pub fn hit(&mut self) {
        self.hits += 1;
        if let Some(r) = self.remaining.as_mut() {
            *r = r.saturating_sub(1);
        }
    }

    /// Whether the fault is used up.
    pub fn spent(&self) -> bool {
        self.remaining == Some(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(v: serde_json::Value) -> FaultSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn patterns_match_segments_and_the_rest() {
        assert!(path_matches("/v1/customers/*", "/v1/customers/abc"));
        assert!(path_matches("/v1/customers/*", "/V1/Customers/abc/"));
        assert!(!path_matches("/v1/customers/*", "/v1/customers"));
        assert!(!path_matches("/v1/customers/*", "/v1/customers/a/b"));
        assert!(path_matches("/v1/**", "/v1/customers/a/b"));
        assert!(path_matches("/v1/**", "/v1"));
        assert!(path_matches(
            "/*/oauth2/v2.0/token",
            "/contoso.onmicrosoft.com/oauth2/v2.0/token"
        ));
        assert!(!path_matches("/v1/profiles", "/v1/profiles/mpn"));
    }

    #[test]
    fn a_fault_does_something_and_runs_out() {
        let mut f = spec(serde_json::json!({"path": "/v1/**", "status": 429, "retryAfter": 2, "times": 2}))
            .validated("f1".into())
            .unwrap();
        assert!(f.applies("GET", "/v1/customers", None));
        f.hit();
        f.hit();
        assert!(f.spent() && !f.applies("GET", "/v1/customers", None));
        for (bad, field) in [
            (serde_json::json!({"path": "/v1/**"}), "status"),
            (serde_json::json!({"path": "v1", "status": 503}), "path"),
            (serde_json::json!({"path": "/v1/**", "status": 200}), "status"),
            (
                serde_json::json!({"path": "/v1/**", "status": 503, "times": 0}),
                "times",
            ),
            (serde_json::json!({"path": "/v1/**", "latencyMs": 600000}), "latencyMs"),
            (
                serde_json::json!({"path": "/v1/**", "drop": true, "status": 503}),
                "drop",
            ),
            (serde_json::json!({"path": "/t", "aadsts": 1}), "aadsts"),
            (
                serde_json::json!({"path": "/v1/**", "status": 503, "probability": 0}),
                "probability",
            ),
            (
                serde_json::json!({"path": "/v1/**", "status": 503, "method": "FLY"}),
                "method",
            ),
        ] {
            assert_eq!(spec(bad).validated("x".into()).unwrap_err().field, field);
        }
        let refresh =
            spec(serde_json::json!({"path": "/*/oauth2/v2.0/token", "aadsts": 50076, "grantType": "refresh_token"}))
                .validated("f2".into())
                .unwrap();
        assert!(refresh.applies("POST", "/t/oauth2/v2.0/token", Some("refresh_token")));
        assert!(!refresh.applies("POST", "/t/oauth2/v2.0/token", Some("authorization_code")));
    }
}
