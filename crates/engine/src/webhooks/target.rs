//! Where a webhook may be sent. A webhook URL is typed by an admin but fetched by the
//! server, so without a check it would let anyone with that role reach the machines beside
//! Vouch (a database's admin port, a cloud metadata service at 169.254.169.254). Loopback,
//! private, link-local and other non-public addresses are refused — in the URL itself, and
//! again after DNS resolution at every delivery, since a name can be pointed elsewhere
//! after it was checked — unless `webhooks.allow_private_targets` is on.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use crate::EngineError;

/// Whether `ip` is an ordinary public unicast address. An IPv6 address that carries an
/// IPv4 address is public only if every IPv4 address it carries is: a NAT64 gateway or a
/// 6to4/Teredo relay turns `[64:ff9b::7f00:1]` into a connection to 127.0.0.1, so checking
/// the IPv6 form alone would let such a URL reach the machines beside Vouch.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let carried = carried_v4(v6);
            if carried.is_empty() {
                is_public_v6(v6)
            } else {
                carried.into_iter().all(is_public_v4)
            }
        }
    }
}

/// The IPv4 addresses an IPv6 address stands for, in the forms that are translated or
/// tunnelled to IPv4 (empty for an ordinary IPv6 address):
///
/// - IPv4-mapped `::ffff:0:0/96` and the deprecated IPv4-compatible `::/96` (`::a.b.c.d`;
///   `::` and `::1` are the IPv6 unspecified and loopback addresses, not IPv4 ones),
/// - NAT64, the well-known prefix `64:ff9b::/96` (RFC 6052) and the local-use prefix
///   `64:ff9b:1::/48` (RFC 8215), IPv4 in the last 32 bits: the /96 form DNS64 resolvers
///   synthesise. (A gateway configured with a shorter local-use prefix puts the IPv4
///   address elsewhere; reading every RFC 6052 position would refuse the ordinary /96
///   addresses of public hosts, whose middle bits read as 0.0.0.x.)
/// - 6to4 `2002::/16` (RFC 3056: IPv4 in bits 16..48),
/// - Teredo `2001::/32` (RFC 4380: the server's IPv4 in bits 32..64, the client's in the
///   last 32 bits inverted); both are checked, since either end is where packets go.
fn carried_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    let v4 = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if ip.is_loopback() || ip.is_unspecified() {
        return Vec::new();
    }
    if let Some(mapped) = ip.to_ipv4_mapped() {
        return vec![mapped];
    }
    match s {
        [0, 0, 0, 0, 0, 0, hi, lo] => vec![v4(hi, lo)],
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] | [0x64, 0xff9b, 1, _, _, _, hi, lo] => {
            vec![v4(hi, lo)]
        }
        [0x2002, hi, lo, ..] => vec![v4(hi, lo)],
        [0x2001, 0, server_hi, server_lo, _, _, client_hi, client_lo] => {
            vec![v4(server_hi, server_lo), v4(!client_hi, !client_lo)]
        }
        _ => Vec::new(),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Benchmarking, 198.18.0.0/15, and reserved, 240.0.0.0/4.
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // Unique local, fc00::/7, and link-local, fe80::/10.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Checks an endpoint URL as an admin typed it: absolute `http(s)`, a host, no
/// credentials, and — unless private targets are allowed — no literal non-public address
/// and no name that resolves only to such addresses.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<Url, EngineError> {
    let invalid = |message: &str| EngineError::validation("url", message);
    if raw.len() > 2000 {
        return Err(invalid("must be at most 2000 characters"));
    }
    let url = Url::parse(raw.trim()).map_err(|e| invalid(&format!("is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("must start with https:// or http://"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "must not carry a user name or password: receivers check the signature instead",
        ));
    }
    let Some(host) = url.host_str().filter(|h| !h.is_empty()) else {
        return Err(invalid("needs a host"));
    };
    if allow_private {
        return Ok(url);
    }
    if let Some(ip) = literal_ip(&url) {
        return if is_public(ip) {
            Ok(url)
        } else {
            Err(invalid(&format!(
                "{ip} is a loopback, private or link-local address; only public targets are allowed"
            )))
        };
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
        .await
        .map_err(|_| invalid(&format!("the host {host} cannot be resolved")))?
        .collect();
    if addrs.iter().any(|a| is_public(a.ip())) {
        Ok(url)
    } else {
        Err(invalid(&format!(
            "the host {host} resolves to a loopback, private or link-local address; only public targets are allowed"
        )))
    }
}

/// The address a URL names literally, if it names one.
pub fn literal_ip(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse()
        .ok()
}

/// The HTTP client's resolver when private targets are not allowed: it answers only the
/// public addresses of a name, so the check holds for the connection actually made.
pub(crate) struct PublicOnly;

#[derive(Debug, thiserror::Error)]
#[error("{0} resolves to no public address; only public targets are allowed")]
struct NoPublicAddress(String);

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let public: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| is_public(a.ip()))
                .collect();
            if public.is_empty() {
                return Err(NoPublicAddress(host).into());
            }
            Ok(Box::new(public.into_iter()) as Addrs)
        })
    }
}

pub(crate) fn resolver() -> Arc<PublicOnly> {
    Arc::new(PublicOnly)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_unicast_addresses_are_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip} must not be public");
        }
        for ip in [
            "93.184.216.34",
            "1.1.1.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
    }

    /// Each IPv6 form that carries an IPv4 address is judged by that address: loopback,
    /// private and link-local ones are refused, public ones pass.
    #[test]
    fn ipv6_forms_of_ipv4_addresses_are_judged_by_the_ipv4_address_they_carry() {
        let cases = [
            // NAT64, well-known prefix: 127.0.0.1, 10.0.0.1 and 8.8.8.8.
            ("64:ff9b::7f00:1", false),
            ("64:ff9b::10.0.0.1", false),
            ("64:ff9b::808:808", true),
            // NAT64, local-use prefix.
            ("64:ff9b:1::7f00:1", false),
            ("64:ff9b:1:abcd::a9fe:a9fe", false),
            ("64:ff9b:1::808:808", true),
            // 6to4: the IPv4 address in bits 16..48.
            ("2002:7f00:1::", false),
            ("2002:c0a8:101::1", false),
            ("2002:a9fe:a9fe::", false),
            ("2002:808:808::1", true),
            // IPv4-compatible (deprecated) and IPv4-mapped.
            ("::127.0.0.1", false),
            ("::10.1.2.3", false),
            ("::8.8.8.8", true),
            ("::ffff:169.254.169.254", false),
            ("::ffff:8.8.8.8", true),
            // Teredo: server 8.8.8.8 with client 127.0.0.1 (stored inverted: 80ff:fffe),
            // server 127.0.0.1 with client 8.8.8.8 (f7f7:f7f7), both public.
            ("2001:0:808:808:0:0:80ff:fffe", false),
            ("2001:0:7f00:1:0:0:f7f7:f7f7", false),
            ("2001:0:808:808:0:0:f7f7:f7f7", true),
        ];
        for (ip, public) in cases {
            assert_eq!(is_public(ip.parse().unwrap()), public, "{ip}");
        }
        // Not Teredo: documentation addresses stay refused, other 2001:: space is plain IPv6.
        assert!(!is_public("2001:db8::1".parse().unwrap()));
        assert!(is_public("2001:4860::8888".parse().unwrap()));
    }

    #[tokio::test]
    async fn a_nat64_form_of_loopback_is_refused_unless_private_targets_are_allowed() {
        let url = "http://[64:ff9b::7f00:1]/hook";
        let err = check_url(url, false).await.unwrap_err();
        assert!(matches!(&err, EngineError::Validation { field, .. } if field == "url"));
        assert!(check_url(url, true).await.is_ok());
    }

    #[tokio::test]
    async fn urls_are_refused_for_private_targets_by_address_or_by_name() {
        for url in [
            "http://127.0.0.1:9/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://10.0.0.5/hook",
            // A name that resolves to loopback is refused like the address.
            "http://localhost:8080/hook",
        ] {
            let err = check_url(url, false).await.unwrap_err();
            assert!(
                matches!(&err, EngineError::Validation { field, .. } if field == "url"),
                "{url}: {err}"
            );
        }
        for url in [
            "ftp://example.com/",
            "http://user:pw@example.com/",
            "not a url",
        ] {
            assert!(check_url(url, true).await.is_err(), "{url}");
        }
        assert!(check_url("http://127.0.0.1:9/hook", true).await.is_ok());
        assert!(check_url("http://localhost:9/hook", true).await.is_ok());
    }

    #[tokio::test]
    async fn the_resolver_answers_no_loopback_address() {
        let name: Name = "localhost".parse().unwrap();
        assert!(PublicOnly.resolve(name).await.is_err());
    }
}
