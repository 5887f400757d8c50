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

/// Whether `ip` is an ordinary public unicast address.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
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
