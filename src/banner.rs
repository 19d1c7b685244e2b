//! The start-up banner: the `default` sandbox's credentials, so a newcomer can call it with curl at once.

use serde_json::Value;

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

pub fn default_sandbox(sb: &Value) -> String {
    let mut out = format!(
        "default sandbox {}  (control plane: {}/sandbox/v1/sandboxes/default)\n  authority: {}/<tenant>   partner center: {}\n",
        s(sb, "id"),
        s(sb, "partnerCenterUrl"),
        s(sb, "authority"),
        s(sb, "partnerCenterUrl"),
    );
    for t in sb.get("tenants").and_then(Value::as_array).into_iter().flatten() {
        out += &format!("  tenant {}  {}  {}\n", s(t, "displayName"), s(t, "id"), s(t, "domain"));
        for u in t.get("users").and_then(Value::as_array).into_iter().flatten() {
            let roles: Vec<&str> = u
                .get("roles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mfa = u.get("mfa").cloned().unwrap_or_default();
            out += &format!(
                "    user {}  password: {}  roles: {}  mfa: {}{}\n",
                s(u, "userPrincipalName"),
                u.get("password")
                    .and_then(Value::as_str)
                    .unwrap_or("(shown only when created)"),
                roles.join(","),
                s(&mfa, "state"),
                mfa.get("totpSecret")
                    .and_then(Value::as_str)
                    .map(|t| format!("  totp secret: {t}"))
                    .unwrap_or_default(),
            );
        }
    }
    for a in sb.get("apps").and_then(Value::as_array).into_iter().flatten() {
        out += &format!(
            "  app {}  client id: {}  secret: {}\n",
            s(a, "displayName"),
            s(a, "clientId"),
            if a.get("publicClient").and_then(Value::as_bool) == Some(true) {
                "(public client)"
            } else {
                a.get("clientSecret")
                    .and_then(Value::as_str)
                    .unwrap_or("(shown only when created)")
            }
        );
    }
    out
}
