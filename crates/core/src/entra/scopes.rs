//! What a token request asks for: the resource (from v2 `scope` or v1 `resource`) and the
//! OpenID Connect extras (`openid`, `offline_access`).

use identity::claims::{self, Resource};

use super::EntraError;

const OIDC: [&str; 4] = ["openid", "profile", "offline_access", "email"];

#[derive(Debug, Clone, PartialEq)]
pub struct Requested {
    pub resource: Resource,
    /// The scope string to answer with (`scope` in the token response).
    pub scope: String,
    pub openid: bool,
    pub offline: bool,
    /// Whether the resource part was `/.default`.
    pub default: bool,
}

/// Parses a v2.0 `scope`. Only OpenID scopes means Microsoft Graph (Entra's `User.Read` default).
pub fn from_scope(scope: &str, tenant_label: &str) -> Result<Requested, EntraError> {
    let parts: Vec<&str> = scope.split_whitespace().collect();
    if parts.is_empty() {
        return Err(EntraError::missing("scope"));
    }
    let oidc = |p: &&str| OIDC.contains(&p.to_ascii_lowercase().as_str());
    let mut resource: Option<(Resource, bool, String)> = None;
    for p in parts.iter().filter(|p| !oidc(p)) {
        let (res_id, perm) = match p.rsplit_once('/') {
            Some((r, perm)) if r.contains("://") || r.parse::<uuid::Uuid>().is_ok() => (r, perm),
            _ => return Err(EntraError::invalid_scope(p)),
        };
        let found = claims::resource(res_id).ok_or_else(|| EntraError::invalid_resource(res_id, tenant_label))?;
        match &resource {
            Some((r, _, _)) if *r != found => return Err(EntraError::several_resources()),
            _ => resource = Some((found, perm == ".default", p.to_string())),
        }
    }
    let openid = parts.iter().any(|p| p.eq_ignore_ascii_case("openid"));
    let offline = parts.iter().any(|p| p.eq_ignore_ascii_case("offline_access"));
    let (resource, default, main) = match resource {
        Some(r) => r,
        None => (
            claims::GRAPH_RESOURCE,
            false,
            "https://graph.microsoft.com/User.Read".to_owned(),
        ),
    };
    let mut answer = vec![if default {
        format!(
            "{}/{}",
            resource.audience,
            resource.delegated_scope.split(' ').next().unwrap_or_default()
        )
    } else {
        main
    }];
    for p in parts.iter().filter(|p| oidc(p)) {
        answer.push(p.to_ascii_lowercase());
    }
    Ok(Requested {
        resource,
        scope: answer.join(" "),
        openid,
        offline,
        default,
    })
}

/// Parses a v1 `resource`. v1 always answers with an ID token and a refresh token for user grants.
pub fn from_resource(resource: &str, tenant_label: &str) -> Result<Requested, EntraError> {
    if resource.trim().is_empty() {
        return Err(EntraError::missing("resource"));
    }
    let r = claims::resource(resource).ok_or_else(|| EntraError::invalid_resource(resource, tenant_label))?;
    Ok(Requested {
        resource: r,
        scope: r.delegated_scope.to_owned(),
        openid: true,
        offline: true,
        default: true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_name_one_resource_plus_openid_extras() {
        let r = from_scope(
            "https://api.partnercenter.microsoft.com/.default offline_access openid profile",
            "t",
        )
        .unwrap();
        assert_eq!(r.resource.audience, claims::PARTNER_CENTER);
        assert!(r.default && r.openid && r.offline);
        assert_eq!(
            r.scope,
            "https://api.partnercenter.microsoft.com/user_impersonation offline_access openid profile"
        );
        let r = from_scope("https://api.partnercenter.microsoft.com/user_impersonation", "t").unwrap();
        assert!(!r.default && !r.openid);
        assert_eq!(
            from_scope("openid profile", "t").unwrap().resource.audience,
            claims::GRAPH
        );
        assert_eq!(
            from_scope("https://example.com/.default", "t").unwrap_err().code,
            500011
        );
        assert_eq!(
            from_scope(
                "https://api.partnercenter.microsoft.com/.default https://graph.microsoft.com/.default",
                "t"
            )
            .unwrap_err()
            .code,
            28000
        );
        assert_eq!(from_scope("nonsense", "t").unwrap_err().code, 70011);
        assert_eq!(from_scope(" ", "t").unwrap_err().code, 900144);
        assert_eq!(
            from_resource("https://api.partnercenter.microsoft.com", "t")
                .unwrap()
                .resource
                .audience,
            claims::PARTNER_CENTER
        );
        assert_eq!(from_resource("", "t").unwrap_err().code, 900144);
    }
}
