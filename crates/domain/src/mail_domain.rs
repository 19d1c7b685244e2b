//! Email domains as verification sees them: webmail (a maintained list in
//! `crates/domain/data/webmail.txt`), `*.onmicrosoft.com`, and the domains a company owns.

const WEBMAIL: &str = include_str!("../data/webmail.txt");

/// The domain of an address, lower-cased; `None` when it has no `@`.
pub fn email_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let d = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    (!d.is_empty()).then_some(d)
}

/// `domain` is `parent` or one of its subdomains.
pub fn within(domain: &str, parent: &str) -> bool {
    domain == parent || domain.strip_suffix(parent).is_some_and(|rest| rest.ends_with('.'))
}

pub fn is_onmicrosoft(domain: &str) -> bool {
    within(domain, "onmicrosoft.com")
}

/// A web-based or free mail service on the list.
pub fn is_webmail(domain: &str) -> bool {
    WEBMAIL
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|w| within(domain, w))
}

/// The host of a website URL without `www.`: `https://www.contoso.co.jp/about` -> `contoso.co.jp`.
pub fn website_domain(website: &str) -> Option<String> {
    let w = website.trim();
    let rest = w.split_once("://").map_or(w, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next()?;
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next()?.trim_end_matches('.').to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    (host.contains('.') && !host.starts_with('.')).then_some(host)
}

/// The domains that belong to a company: its website's and its tenant's verified domains, never
/// `*.onmicrosoft.com` or webmail (anyone can have an address there).
pub fn company_domains(website: Option<&str>, verified: &[String]) -> Vec<String> {
    let mut out: Vec<String> = website
        .and_then(website_domain)
        .into_iter()
        .chain(verified.iter().map(|d| d.trim().to_ascii_lowercase()))
        .filter(|d| !is_onmicrosoft(d) && !is_webmail(d))
        .collect();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_of_addresses_and_websites() {
        assert_eq!(email_domain("Taro@Contoso.CO.JP").as_deref(), Some("contoso.co.jp"));
        assert_eq!(email_domain("nobody"), None);
        assert_eq!(email_domain("x@"), None);
        assert_eq!(
            website_domain("https://www.contoso.co.jp/about").as_deref(),
            Some("contoso.co.jp")
        );
        assert_eq!(website_domain("contoso.com:8080").as_deref(), Some("contoso.com"));
        assert_eq!(website_domain("http://localhost"), None);
        assert!(within("jp.contoso.com", "contoso.com"));
        assert!(!within("notcontoso.com", "contoso.com"));
    }

    #[test]
    fn webmail_and_onmicrosoft_are_recognised() {
        for d in [
            "gmail.com",
            "yahoo.co.jp",
            "outlook.jp",
            "i.softbank.jp",
            "mail.yahoo.co.jp",
        ] {
            assert!(is_webmail(d), "{d}");
        }
        for d in ["contoso.co.jp", "notgmail.com", "softbank.jp"] {
            assert!(!is_webmail(d), "{d}");
        }
        assert!(is_onmicrosoft("contosojp.onmicrosoft.com"));
        assert!(!is_onmicrosoft("onmicrosoft.com.evil.jp"));
    }

    #[test]
    fn company_domains_leave_out_shared_ones() {
        let d = company_domains(
            Some("https://www.contoso.co.jp"),
            &[
                "contosojp.onmicrosoft.com".into(),
                "contoso.jp".into(),
                "gmail.com".into(),
            ],
        );
        assert_eq!(d, ["contoso.co.jp", "contoso.jp"]);
    }
}
