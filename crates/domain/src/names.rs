//! Validation of the names a caller gives: display names, domains, user principal names, countries.

use crate::FieldError;

/// Entra limits display names to 256 characters.
pub const MAX_DISPLAY_NAME: usize = 256;

pub fn display_name(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(FieldError::new(field, "must not be empty"));
    }
    if v.chars().count() > MAX_DISPLAY_NAME {
        return Err(FieldError::new(
            field,
            format!("must be at most {MAX_DISPLAY_NAME} characters"),
        ));
    }
    if v.chars().any(char::is_control) {
        return Err(FieldError::new(field, "must not contain control characters"));
    }
    Ok(v.to_owned())
}

/// A DNS domain name such as `contoso.onmicrosoft.com`, returned lower-case.
pub fn domain(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_ascii_lowercase();
    let bad = |why: &str| {
        Err(FieldError::new(
            field,
            format!("'{value}' is not a valid domain name: {why}"),
        ))
    };
    if v.is_empty() || v.len() > 253 {
        return bad("length must be 1 to 253");
    }
    let labels: Vec<&str> = v.split('.').collect();
    if labels.len() < 2 {
        return bad("needs at least two labels, e.g. contoso.onmicrosoft.com");
    }
    for label in &labels {
        if label.is_empty() || label.len() > 63 {
            return bad("each label must be 1 to 63 characters");
        }
        if !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return bad("only letters, digits, hyphens and dots are allowed");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return bad("a label cannot start or end with a hyphen");
        }
    }
    Ok(v)
}

/// The initial `*.onmicrosoft.com` domain Entra would propose for a tenant's display name.
pub fn default_domain(display_name: &str) -> String {
    let slug: String = display_name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .take(27)
        .collect();
    let slug = if slug.is_empty() { "tenant".to_owned() } else { slug };
    format!("{slug}.onmicrosoft.com")
}

/// A user principal name: `alias@domain`, where the domain must be one of the tenant's domains.
/// A bare alias gets the tenant's default domain. Returned lower-case (UPNs compare case-insensitively).
pub fn user_principal_name(field: &str, value: &str, tenant_domains: &[String]) -> Result<String, FieldError> {
    let v = value.trim().to_lowercase();
    let (alias, dom) = match v.split_once('@') {
        Some((a, d)) => (a.to_owned(), d.to_owned()),
        None => (v.clone(), tenant_domains.first().cloned().unwrap_or_default()),
    };
    if alias.is_empty() || alias.len() > 64 {
        return Err(FieldError::new(field, "the part before @ must be 1 to 64 characters"));
    }
    let alias_ok = alias.chars().all(|c| c.is_ascii_alphanumeric() || "._-+'".contains(c))
        && !alias.starts_with('.')
        && !alias.ends_with('.');
    if !alias_ok {
        return Err(FieldError::new(
            field,
            format!("'{value}' is not a valid user principal name"),
        ));
    }
    if !tenant_domains.contains(&dom) {
        return Err(FieldError::new(
            field,
            format!(
                "the domain of '{value}' is not a domain of the tenant (expected one of: {})",
                tenant_domains.join(", ")
            ),
        ));
    }
    Ok(format!("{alias}@{dom}"))
}

/// An ISO 3166-1 alpha-2 country code, returned upper-case.
pub fn country(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim().to_ascii_uppercase();
    if v.len() == 2 && v.chars().all(|c| c.is_ascii_uppercase()) {
        Ok(v)
    } else {
        Err(FieldError::new(
            field,
            format!("'{value}' is not a two-letter ISO 3166 country code such as JP or US"),
        ))
    }
}

/// A password chosen by a scenario. Entra requires 8 to 256 characters.
pub fn password(field: &str, value: &str) -> Result<String, FieldError> {
    let n = value.chars().count();
    if !(8..=256).contains(&n) {
        return Err(FieldError::new(field, "must be 8 to 256 characters"));
    }
    Ok(value.to_owned())
}

/// A redirect URI of an app registration: absolute http(s) URL, or a custom scheme for public clients.
pub fn redirect_uri(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let scheme_end = v.find("://");
    match scheme_end {
        Some(i)
            if i > 0 && v.len() > i + 3 && v[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            Ok(v.to_owned())
        }
        _ => Err(FieldError::new(
            field,
            format!("'{value}' is not an absolute URI such as http://localhost:3000/callback"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_are_checked_and_lowercased() {
        assert_eq!(
            domain("d", "Contoso.OnMicrosoft.com").unwrap(),
            "contoso.onmicrosoft.com"
        );
        assert!(domain("d", "contoso").is_err());
        assert!(domain("d", "-bad.com").is_err());
        assert!(domain("d", "a..com").is_err());
        assert!(domain("d", "spaces in.com").is_err());
    }

    #[test]
    fn default_domain_is_a_slug_of_the_display_name() {
        assert_eq!(default_domain("Contoso Japan K.K."), "contosojapankk.onmicrosoft.com");
        assert_eq!(default_domain("株式会社"), "tenant.onmicrosoft.com");
    }

    #[test]
    fn upn_takes_the_tenant_domain_and_refuses_foreign_ones() {
        let doms = vec!["contoso.onmicrosoft.com".to_owned(), "contoso.co.jp".to_owned()];
        assert_eq!(
            user_principal_name("u", "Admin", &doms).unwrap(),
            "admin@contoso.onmicrosoft.com"
        );
        assert_eq!(
            user_principal_name("u", "a@contoso.co.jp", &doms).unwrap(),
            "a@contoso.co.jp"
        );
        let e = user_principal_name("u", "a@fabrikam.com", &doms).unwrap_err();
        assert!(e.message.contains("not a domain of the tenant"));
        assert!(user_principal_name("u", "a b@contoso.co.jp", &doms).is_err());
        assert!(user_principal_name("u", "@contoso.co.jp", &doms).is_err());
    }

    #[test]
    fn countries_and_passwords() {
        assert_eq!(country("c", "jp").unwrap(), "JP");
        assert!(country("c", "JPN").is_err());
        assert!(password("p", "short").is_err());
        assert!(password("p", "long-enough").is_ok());
        assert!(display_name("n", "  ").is_err());
        assert!(redirect_uri("r", "http://localhost/cb").is_ok());
        assert!(redirect_uri("r", "/relative").is_err());
    }
}
