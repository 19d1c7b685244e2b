//! The names this server answers to, against DNS rebinding and cross-site requests.
//!
//! A web page the developer visits can make the browser send requests to a loopback server: by
//! its own origin (a cross-site request, which carries an `Origin` header and, in current
//! browsers, `Sec-Fetch-Site: cross-site`), or by a name of the attacker's that it re-points at
//! 127.0.0.1 (DNS rebinding, whose requests carry that name in `Host`). So every surface refuses
//! a `Host` that is not one of the server's names (localhost, 127.0.0.1, [::1], the bound
//! addresses, `--public-url`, `--tls-san`) with 421, and the control plane refuses a request
//! whose `Origin` is not one of the server's own origins. Clients that are not browsers (curl,
//! SDKs, test suites) send no `Origin` and are not affected.

use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, Default)]
pub struct Names {
    names: Vec<String>,
    ips: Vec<IpAddr>,
    /// A listener on every address (0.0.0.0 or ::): any address literal may reach it.
    any_ip: bool,
    /// The ports an origin of ours has: the listeners' and the public URL's.
    ports: Vec<u16>,
}

/// `host[:port]` or `[v6][:port]`, the host lower-cased without a trailing dot.
fn split(authority: &str) -> Option<(String, Option<u16>)> {
    let a = authority.trim();
    let (host, port) = if let Some(v6) = a.strip_prefix('[') {
        let (h, rest) = v6.split_once(']')?;
        let port = match rest.strip_prefix(':') {
            Some(p) => Some(p.parse().ok()?),
            None if rest.is_empty() => None,
            None => return None,
        };
        (h, port)
    } else {
        match a.rsplit_once(':') {
            // A bare IPv6 address without brackets is no authority.
            Some((h, _)) if h.contains(':') => return None,
            Some((h, p)) => (h, Some(p.parse().ok()?)),
            None => (a, None),
        }
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()).then_some((host, port))
}

impl Names {
    pub fn new(listeners: &[SocketAddr], public_url: Option<&str>, tls_sans: &[String]) -> Names {
        let mut n = Names {
            names: vec!["localhost".into()],
            ips: vec![IpAddr::from([127, 0, 0, 1]), IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])],
            any_ip: false,
            ports: Vec::new(),
        };
        for l in listeners {
            if l.ip().is_unspecified() {
                n.any_ip = true;
            } else {
                n.ips.push(l.ip());
            }
            n.ports.push(l.port());
        }
        let public = public_url.and_then(domain::outbound::target);
        for (host, port) in public
            .into_iter()
            .map(|(h, p)| (h, Some(p)))
            .chain(tls_sans.iter().map(|s| (s.clone(), None)))
        {
            match host.trim_matches(['[', ']']).parse::<IpAddr>() {
                Ok(ip) => n.ips.push(ip),
                Err(_) => n.names.push(host.trim_end_matches('.').to_ascii_lowercase()),
            }
            n.ports.extend(port);
        }
        n
    }

    fn host_is_ours(&self, host: &str) -> bool {
        match host.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || self.any_ip || self.ips.contains(&ip),
            Err(_) => self.names.iter().any(|n| n == host),
        }
    }

    /// Whether a request's `Host` (or HTTP/2 `:authority`) names this server.
    pub fn host_ok(&self, authority: &str) -> bool {
        split(authority).is_some_and(|(h, _)| self.host_is_ours(&h))
    }

    /// Whether an `Origin` is one of this server's own (its name and one of its ports).
    pub fn origin_ok(&self, origin: &str) -> bool {
        let lower = origin.trim().to_ascii_lowercase();
        let (rest, default) = if let Some(r) = lower.strip_prefix("https://") {
            (r, 443)
        } else if let Some(r) = lower.strip_prefix("http://") {
            (r, 80)
        } else {
            return false;
        };
        match split(rest) {
            Some((h, port)) => self.host_is_ours(&h) && self.ports.contains(&port.unwrap_or(default)),
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn local() -> Names {
        Names::new(
            &["127.0.0.1:8080".parse().unwrap(), "127.0.0.1:8443".parse().unwrap()],
            None,
            &["sandbox.test".into(), "10.0.0.7".into()],
        )
    }

    #[test]
    fn the_servers_own_names_and_nothing_else() {
        let n = local();
        for ok in [
            "localhost:8080",
            "LOCALHOST.",
            "127.0.0.1:8443",
            "[::1]:8080",
            "127.0.0.2",
            "sandbox.test:8443",
            "10.0.0.7",
        ] {
            assert!(n.host_ok(ok), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "10.0.0.8:8080",
            "",
            "::1",
            "a:b",
        ] {
            assert!(!n.host_ok(bad), "{bad}");
        }
        let everywhere = Names::new(
            &["0.0.0.0:8080".parse().unwrap()],
            Some("https://pcsandbox.example.com"),
            &[],
        );
        assert!(everywhere.host_ok("192.168.1.9:8080") && everywhere.host_ok("pcsandbox.example.com"));
        assert!(!everywhere.host_ok("rebind.evil.example:8080"));
    }

    #[test]
    fn an_origin_is_ours_by_name_and_port() {
        let n = local();
        assert!(n.origin_ok("http://127.0.0.1:8080") && n.origin_ok("https://localhost:8443"));
        for bad in [
            "http://localhost:3000",
            "https://evil.example",
            "null",
            "file://",
            "http://127.0.0.1",
        ] {
            assert!(!n.origin_ok(bad), "{bad}");
        }
        let public = Names::new(
            &["0.0.0.0:8080".parse().unwrap()],
            Some("https://pcsandbox.example.com"),
            &[],
        );
        assert!(public.origin_ok("https://pcsandbox.example.com"));
    }
}
