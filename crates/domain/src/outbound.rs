//! Where the server may send a request a client asked for (a webhook delivery): never to its own
//! listeners, and on a shared server (a listener off loopback) never to link-local addresses
//! (cloud metadata such as 169.254.169.254), nor to loopback or private ranges unless the
//! operator allows them (`--outbound-allow CIDR|host`). A loopback-bound server, a developer's
//! or a CI job's, sends anywhere else: tests on one machine deliver to 127.0.0.1.
//!
//! Addresses are checked after resolution, at delivery time, so a name that resolves somewhere
//! else later (DNS rebinding) is checked again; the caller connects only to the addresses that
//! passed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// An operator's exception: a range or a host name the policy lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allow {
    Range(IpAddr, u8),
    Host(String),
}

impl Allow {
    /// `10.0.0.0/8`, `192.168.1.20`, `fd00::/8` or a host name such as `hooks.internal`.
    pub fn parse(text: &str) -> Result<Allow, String> {
        let t = text.trim();
        let (addr, bits) = match t.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (t, None),
        };
        if let Ok(ip) = addr.parse::<IpAddr>() {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("--outbound-allow {t}: the prefix length must be 0 to {max}"))?,
            };
            return Ok(Allow::Range(ip, bits));
        }
        let host = t.trim_end_matches('.').to_ascii_lowercase();
        let ok = bits.is_none()
            && !host.is_empty()
            && host.len() <= 253
            && host
                .split('.')
                .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if ok {
            Ok(Allow::Host(host))
        } else {
            Err(format!(
                "--outbound-allow {t}: give a CIDR range (10.0.0.0/8), an address or a host name"
            ))
        }
    }

    fn covers(&self, host: &str, ip: IpAddr) -> bool {
        match self {
            Allow::Host(h) => h.eq_ignore_ascii_case(host.trim_end_matches('.')),
            Allow::Range(net, bits) => in_range(ip, *net, *bits),
        }
    }
}

fn in_range(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - u32::from(bits))
            };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - u32::from(bits))
            };
            u128::from(a) & mask == u128::from(n) & mask
        }
        // An IPv4-mapped IPv6 address is the IPv4 address.
        (IpAddr::V6(a), IpAddr::V4(_)) => a.to_ipv4_mapped().is_some_and(|v4| in_range(IpAddr::V4(v4), net, bits)),
        _ => false,
    }
}

/// What kind of address a destination is, as the policy sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Public,
    Loopback,
    Private,
    LinkLocal,
    /// Unspecified, multicast, broadcast or documentation: never a webhook's.
    Unusable,
}

/// Classifies an address (an IPv4-mapped IPv6 address as its IPv4 address).
pub fn kind(ip: IpAddr) -> Kind {
    match ip {
        IpAddr::V4(v4) => kind_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => kind_v4(v4),
            None => kind_v6(v6),
        },
    }
}

fn kind_v4(ip: Ipv4Addr) -> Kind {
    let o = ip.octets();
    if ip.is_loopback() {
        Kind::Loopback
    } else if ip.is_link_local() {
        Kind::LinkLocal
    } else if ip.is_unspecified() || ip.is_multicast() || ip.is_broadcast() || o[0] == 0 || o[0] >= 240 {
        Kind::Unusable
    } else if ip.is_private() || (o[0] == 100 && (64..128).contains(&o[1])) {
        // RFC 1918, and the shared address space of carrier-grade NAT (100.64.0.0/10).
        Kind::Private
    } else {
        Kind::Public
    }
}

fn kind_v6(ip: Ipv6Addr) -> Kind {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Kind::Loopback
    } else if ip.is_unspecified() || ip.is_multicast() {
        Kind::Unusable
    } else if first & 0xffc0 == 0xfe80 {
        Kind::LinkLocal
    } else if first & 0xfe00 == 0xfc00 {
        // Unique local addresses (fc00::/7).
        Kind::Private
    } else {
        Kind::Public
    }
}

/// The host and port an http(s) URL names (`[::1]` without its brackets; the scheme's port when
/// none is given).
pub fn target(url: &str) -> Option<(String, u16)> {
    let lower = url.trim().to_ascii_lowercase();
    let (rest, default) = if let Some(r) = lower.strip_prefix("https://") {
        (r, 443)
    } else if let Some(r) = lower.strip_prefix("http://") {
        (r, 80)
    } else {
        return None;
    };
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default,
            None => return None,
        };
        (h.to_owned(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), p.parse().ok()?),
            None => (authority.to_owned(), default),
        }
    };
    (!host.is_empty()).then_some((host, port))
}

/// The policy of one server.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// The server's own listeners (never a destination).
    pub listeners: Vec<SocketAddr>,
    /// The host and port of its public URL, when one is set (a request there reaches the
    /// server through its load balancer).
    pub public: Option<(String, u16)>,
    /// Exceptions the operator allowed.
    pub allow: Vec<Allow>,
}

impl Policy {
    /// Whether the server is shared: a listener off loopback.
    pub fn shared(&self) -> bool {
        self.listeners.iter().any(|l| !l.ip().is_loopback())
    }

    /// Whether a destination by this name (before resolution) may be tried at all: the
    /// server's own public name is refused.
    pub fn check_host(&self, host: &str, port: u16) -> Result<(), String> {
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if let Some((h, p)) = &self.public {
            if h.eq_ignore_ascii_case(&host) && *p == port {
                return Err(format!("{host}:{port} is this server's own public URL"));
            }
        }
        Ok(())
    }

    /// Whether one resolved address of `host` may be connected to; the reason when not.
    pub fn check(&self, host: &str, addr: SocketAddr) -> Result<(), String> {
        let ip = addr.ip();
        let own = self.listeners.iter().any(|l| {
            l.port() == addr.port()
                && (l.ip() == ip || l.ip().is_unspecified() || ip.is_loopback() || ip.is_unspecified())
        });
        if own {
            return Err(format!("{addr} is one of this server's own listeners"));
        }
        let k = kind(ip);
        if k == Kind::Unusable {
            return Err(format!("{ip} is not an address a webhook can be delivered to"));
        }
        if !self.shared() {
            return Ok(());
        }
        if k == Kind::LinkLocal {
            return Err(format!(
                "{ip} is link-local (cloud metadata lives there): a shared server never calls it"
            ));
        }
        if k == Kind::Public || self.allow.iter().any(|a| a.covers(host, ip)) {
            return Ok(());
        }
        let what = if k == Kind::Loopback { "loopback" } else { "private" };
        Err(format!(
            "{ip} is a {what} address: a shared server calls it only when --outbound-allow names it"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
    }

    fn local() -> Policy {
        Policy {
            listeners: vec![sa("127.0.0.1:8080"), sa("127.0.0.1:8443")],
            ..Policy::default()
        }
    }

    fn shared() -> Policy {
        Policy {
            listeners: vec![sa("0.0.0.0:8080"), sa("0.0.0.0:8443")],
            public: Some(("sandbox.example.com".into(), 443)),
            allow: vec![
                Allow::parse("10.1.0.0/16").unwrap_or(Allow::Host("x".into())),
                Allow::Host("hooks.internal".into()),
            ],
        }
    }

    #[test]
    fn never_the_servers_own_listeners() {
        assert!(local()
            .check("localhost", sa("127.0.0.1:8080"))
            .unwrap_err()
            .contains("own listeners"));
        assert!(local().check("x", sa("127.0.0.2:8443")).is_err());
        assert!(local().check("x", sa("[::1]:8080")).is_err());
        assert!(
            local().check("x", sa("127.0.0.1:9000")).is_ok(),
            "a test's receiver on loopback"
        );
        assert!(
            shared().check("x", sa("10.1.2.3:8080")).is_err(),
            "0.0.0.0 listens on every address"
        );
        assert!(shared().check_host("sandbox.example.com", 443).is_err());
        assert!(shared().check_host("sandbox.example.com", 8443).is_ok());
    }

    #[test]
    fn a_shared_server_never_calls_link_local_and_private_only_when_allowed() {
        let p = shared();
        assert!(p.shared() && !local().shared());
        assert!(p
            .check("metadata", sa("169.254.169.254:80"))
            .unwrap_err()
            .contains("link-local"));
        assert!(p.check("x", sa("[fe80::1]:80")).is_err());
        assert!(p
            .check("x", sa("127.0.0.1:9000"))
            .unwrap_err()
            .contains("--outbound-allow"));
        assert!(p.check("x", sa("192.168.1.5:443")).is_err());
        assert!(p.check("x", sa("172.16.0.1:443")).is_err());
        assert!(p.check("x", sa("100.64.0.1:443")).is_err());
        assert!(p.check("x", sa("[fd00::1]:443")).is_err());
        assert!(p.check("x", sa("[::ffff:169.254.169.254]:80")).is_err(), "IPv4-mapped");
        assert!(p.check("x", sa("10.1.9.9:443")).is_ok(), "allowed range");
        assert!(p.check("x", sa("10.2.0.1:443")).is_err());
        assert!(p.check("hooks.internal", sa("192.168.7.7:443")).is_ok(), "allowed host");
        assert!(p.check("x", sa("93.184.216.34:443")).is_ok(), "public");
        assert!(p.check("x", sa("0.0.0.0:80")).is_err());
        assert!(p.check("x", sa("224.0.0.1:80")).is_err());
        // Link-local stays refused even where a range would allow it.
        let mut open = shared();
        open.allow.push(Allow::Range(IpAddr::V4(Ipv4Addr::new(0, 0, 0, 0)), 0));
        assert!(open.check("x", sa("169.254.169.254:80")).is_err());
        assert!(open.check("x", sa("127.0.0.1:9000")).is_ok());
    }

    #[test]
    fn a_url_names_its_host_and_port() {
        assert_eq!(
            target("https://Hooks.Example.com/x?y"),
            Some(("hooks.example.com".into(), 443))
        );
        assert_eq!(target("http://127.0.0.1:9000/cb"), Some(("127.0.0.1".into(), 9000)));
        assert_eq!(target("http://[::1]:8080/"), Some(("::1".into(), 8080)));
        assert_eq!(target("http://[::1]/"), Some(("::1".into(), 80)));
        assert_eq!(target("http://user:pw@10.0.0.1:81/"), Some(("10.0.0.1".into(), 81)));
        for bad in ["ftp://x", "http://", "http://x:port/", "http://[::1"] {
            assert_eq!(target(bad), None, "{bad}");
        }
    }

    #[test]
    fn exceptions_parse_as_ranges_addresses_or_hosts() {
        assert_eq!(
            Allow::parse("10.0.0.0/8"),
            Ok(Allow::Range(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8))
        );
        assert_eq!(
            Allow::parse("192.168.1.20"),
            Ok(Allow::Range(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)), 32))
        );
        assert!(matches!(Allow::parse("fd00::/8"), Ok(Allow::Range(_, 8))));
        assert_eq!(
            Allow::parse("Hooks.Internal."),
            Ok(Allow::Host("hooks.internal".into()))
        );
        for bad in ["10.0.0.0/33", "", "a b", "x/8", "::/129"] {
            assert!(Allow::parse(bad).is_err(), "{bad}");
        }
    }
}
