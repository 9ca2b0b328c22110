//! Which IP addresses the fetcher may connect to: [`classify_address`], the
//! one check every address goes through, and [`parse_ipv4_host`], which reads
//! the numeric IPv4 spellings (`2130706433`, `0x7f.1`, `017700000001`) that
//! name resolvers accept.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

/// Why an address is refused: the special-purpose range it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AddressClass {
    /// `0.0.0.0/8` ("this network"; `0.0.0.0` reaches the local host on most
    /// systems) and `::`.
    Unspecified,
    /// `127.0.0.0/8` and `::1`.
    Loopback,
    /// RFC 1918 private networks: `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16`.
    Private,
    /// Carrier-grade NAT, `100.64.0.0/10` (shared address space).
    SharedCgnat,
    /// Link-local: `169.254.0.0/16`, `fe80::/10`.
    LinkLocal,
    /// A cloud provider's instance metadata service: `169.254.169.254`,
    /// `169.254.170.2`, `100.100.100.200`, `fd00:ec2::254`.
    CloudMetadata,
    /// IPv6 unique local addresses, `fc00::/7`.
    UniqueLocal,
    /// Deprecated IPv6 site-local addresses, `fec0::/10`.
    SiteLocal,
    /// IPv4-mapped IPv6 addresses, `::ffff:0:0/96` (an IPv4 address in IPv6
    /// clothing).
    Ipv4Mapped,
    /// Deprecated IPv4-compatible IPv6 addresses, `::/96`.
    Ipv4Compatible,
    /// NAT64 prefixes, `64:ff9b::/96` and `64:ff9b:1::/48`: they translate to
    /// an embedded IPv4 address.
    Nat64,
    /// 6to4, `2002::/16`: embeds an IPv4 address.
    SixToFour,
    /// Teredo, `2001::/32`: embeds an IPv4 address.
    Teredo,
    /// Multicast: `224.0.0.0/4`, `ff00::/8`.
    Multicast,
    /// The limited broadcast address `255.255.255.255`.
    Broadcast,
    /// Documentation ranges: `192.0.2.0/24`, `198.51.100.0/24`,
    /// `203.0.113.0/24`, `2001:db8::/32`, `3fff::/20`.
    Documentation,
    /// Any other special-purpose range: `240.0.0.0/4`, `192.0.0.0/24`,
    /// `192.88.99.0/24`, `198.18.0.0/15`, `100::/64`, the rest of
    /// `2001::/23`, and every IPv6 address outside global unicast `2000::/3`.
    Reserved,
}

impl AddressClass {
    /// A short name (`"loopback"`, `"cloud metadata"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::Loopback => "loopback",
            Self::Private => "private network",
            Self::SharedCgnat => "carrier-grade NAT",
            Self::LinkLocal => "link-local",
            Self::CloudMetadata => "cloud metadata",
            Self::UniqueLocal => "unique local",
            Self::SiteLocal => "site-local",
            Self::Ipv4Mapped => "IPv4-mapped",
            Self::Ipv4Compatible => "IPv4-compatible",
            Self::Nat64 => "NAT64",
            Self::SixToFour => "6to4",
            Self::Teredo => "Teredo",
            Self::Multicast => "multicast",
            Self::Broadcast => "broadcast",
            Self::Documentation => "documentation",
            Self::Reserved => "reserved",
        }
    }
}

impl fmt::Display for AddressClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether `ip` is in `network/prefix`.
fn in_v4(ip: Ipv4Addr, network: [u8; 4], prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u32::MAX << (32 - prefix)
    };
    u32::from(ip) & mask == u32::from(Ipv4Addr::from(network)) & mask
}

/// Whether `ip` is in `network/prefix`.
fn in_v6(ip: Ipv6Addr, network: Ipv6Addr, prefix: u32) -> bool {
    let mask = if prefix == 0 {
        0
    } else {
        u128::MAX << (128 - prefix)
    };
    u128::from(ip) & mask == u128::from(network) & mask
}

const fn v6(segments: [u16; 8]) -> Ipv6Addr {
    Ipv6Addr::new(
        segments[0],
        segments[1],
        segments[2],
        segments[3],
        segments[4],
        segments[5],
        segments[6],
        segments[7],
    )
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    use AddressClass::*;
    // Exact addresses first, then ranges from the most specific.
    const METADATA: [[u8; 4]; 3] = [
        [169, 254, 169, 254],
        [169, 254, 170, 2],
        [100, 100, 100, 200],
    ];
    if METADATA.iter().any(|m| ip.octets() == *m) {
        return Some(CloudMetadata);
    }
    if ip == Ipv4Addr::BROADCAST {
        return Some(Broadcast);
    }
    let ranges: [([u8; 4], u32, AddressClass); 17] = [
        ([0, 0, 0, 0], 8, Unspecified),
        ([127, 0, 0, 0], 8, Loopback),
        ([10, 0, 0, 0], 8, Private),
        ([172, 16, 0, 0], 12, Private),
        ([192, 168, 0, 0], 16, Private),
        ([100, 64, 0, 0], 10, SharedCgnat),
        ([169, 254, 0, 0], 16, LinkLocal),
        ([224, 0, 0, 0], 4, Multicast),
        ([240, 0, 0, 0], 4, Reserved),
        ([192, 0, 2, 0], 24, Documentation),
        ([198, 51, 100, 0], 24, Documentation),
        ([203, 0, 113, 0], 24, Documentation),
        ([192, 0, 0, 0], 24, Reserved),
        ([192, 88, 99, 0], 24, Reserved),
        ([198, 18, 0, 0], 15, Reserved),
        // Covered above, listed so the table reads as the whole policy.
        ([255, 255, 255, 255], 32, Broadcast),
        ([169, 254, 169, 254], 32, CloudMetadata),
    ];
    ranges
        .iter()
        .find(|(net, prefix, _)| in_v4(ip, *net, *prefix))
        .map(|(_, _, class)| *class)
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    use AddressClass::*;
    if ip == Ipv6Addr::UNSPECIFIED {
        return Some(Unspecified);
    }
    if ip == Ipv6Addr::LOCALHOST {
        return Some(Loopback);
    }
    if ip == v6([0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]) {
        return Some(CloudMetadata);
    }
    let ranges: [(Ipv6Addr, u32, AddressClass); 15] = [
        (v6([0, 0, 0, 0, 0, 0xffff, 0, 0]), 96, Ipv4Mapped),
        // `::ffff:0:a.b.c.d`, the IPv4-translated form, is mapped too.
        (v6([0, 0, 0, 0, 0xffff, 0, 0, 0]), 96, Ipv4Mapped),
        (v6([0, 0, 0, 0, 0, 0, 0, 0]), 96, Ipv4Compatible),
        (v6([0x64, 0xff9b, 0, 0, 0, 0, 0, 0]), 96, Nat64),
        (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0]), 48, Nat64),
        (v6([0x2002, 0, 0, 0, 0, 0, 0, 0]), 16, SixToFour),
        (v6([0x2001, 0, 0, 0, 0, 0, 0, 0]), 32, Teredo),
        (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0]), 32, Documentation),
        (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0]), 20, Documentation),
        (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0]), 10, LinkLocal),
        (v6([0xfec0, 0, 0, 0, 0, 0, 0, 0]), 10, SiteLocal),
        (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0]), 7, UniqueLocal),
        (v6([0xff00, 0, 0, 0, 0, 0, 0, 0]), 8, Multicast),
        (v6([0x100, 0, 0, 0, 0, 0, 0, 0]), 64, Reserved),
        // IETF protocol assignments (ORCHID, benchmarking, AS112, ...).
        (v6([0x2001, 0, 0, 0, 0, 0, 0, 0]), 23, Reserved),
    ];
    if let Some((_, _, class)) = ranges
        .iter()
        .find(|(net, prefix, _)| in_v6(ip, *net, *prefix))
    {
        return Some(*class);
    }
    // Only global unicast is reachable on the public internet.
    if !in_v6(ip, v6([0x2000, 0, 0, 0, 0, 0, 0, 0]), 3) {
        return Some(Reserved);
    }
    None
}

/// The special-purpose range `ip` belongs to, or `None` for a public
/// address the fetcher may connect to.
///
/// IPv6 addresses that carry an IPv4 address (IPv4-mapped, IPv4-compatible,
/// NAT64, 6to4, Teredo) are refused whatever they embed: a public page has no
/// reason to be reached that way, and each is a known way around checks that
/// only look at IPv4.
///
/// ```
/// use std::net::IpAddr;
/// use content_pipeline::sources::{AddressClass, classify_address};
///
/// let metadata: IpAddr = "169.254.169.254".parse().unwrap();
/// assert_eq!(classify_address(metadata), Some(AddressClass::CloudMetadata));
/// let mapped: IpAddr = "::ffff:10.0.0.1".parse().unwrap();
/// assert_eq!(classify_address(mapped), Some(AddressClass::Ipv4Mapped));
/// let public: IpAddr = "93.184.215.14".parse().unwrap();
/// assert_eq!(classify_address(public), None);
/// ```
pub fn classify_address(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// One part of a numeric IPv4 spelling: decimal, `0x` hexadecimal or
/// `0`-prefixed octal.
fn parse_part(part: &str) -> Option<u64> {
    if part.is_empty() {
        return None;
    }
    let (digits, radix) =
        if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
            (hex, 16)
        } else if part.len() > 1 && part.starts_with('0') {
            (&part[1..], 8)
        } else {
            (part, 10)
        };
    if digits.is_empty() {
        // "0x" alone is zero, as resolvers read it.
        return Some(0);
    }
    if digits.len() > 32 {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// Reads a host written as a numeric IPv4 address in any of the spellings
/// name resolvers accept (`inet_aton`): one to four dot-separated parts, each
/// decimal, hexadecimal (`0x7f`) or octal (`0177`), the last part filling the
/// remaining bytes (`127.1` is `127.0.0.1`, `2130706433` is `127.0.0.1`), an
/// optional trailing dot. `None` when the host is not such a spelling (a
/// name) or a part overflows.
///
/// The fetcher applies it to every host name before resolving it, so a
/// numeric spelling is checked as the address it stands for even where the
/// URL parser did not already normalise it.
///
/// ```
/// use std::net::Ipv4Addr;
/// use content_pipeline::sources::parse_ipv4_host;
///
/// assert_eq!(parse_ipv4_host("0x7f.1"), Some(Ipv4Addr::LOCALHOST));
/// assert_eq!(parse_ipv4_host("017700000001"), Some(Ipv4Addr::LOCALHOST));
/// assert_eq!(parse_ipv4_host("example.com"), None);
/// ```
pub fn parse_ipv4_host(host: &str) -> Option<Ipv4Addr> {
    let host = host.strip_suffix('.').unwrap_or(host);
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let numbers: Vec<u64> = parts.iter().map(|p| parse_part(p)).collect::<Option<_>>()?;
    let (last, leading) = numbers.split_last()?;
    if leading.iter().any(|n| *n > 255) {
        return None;
    }
    let last_bits = 8 * (4 - leading.len() as u32);
    if last_bits < 64 && *last >= 1u64 << last_bits {
        return None;
    }
    let mut value: u64 = *last;
    for (i, n) in leading.iter().enumerate() {
        value |= n << (24 - 8 * i as u32);
    }
    u32::try_from(value).ok().map(Ipv4Addr::from)
}

/// Whether `host` is a name that always means this machine (`localhost` and
/// its subdomains, reserved for loopback by RFC 6761).
pub(crate) fn is_localhost_name(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host).to_ascii_lowercase();
    host == "localhost" || host.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(s: &str) -> Option<AddressClass> {
        classify_address(s.parse().expect("address"))
    }

    #[test]
    fn every_special_range_is_refused() {
        use AddressClass::*;
        let table = [
            ("0.0.0.0", Unspecified),
            ("0.255.255.255", Unspecified),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("192.168.0.1", Private),
            ("100.64.0.1", SharedCgnat),
            ("100.127.255.255", SharedCgnat),
            ("169.254.0.1", LinkLocal),
            ("169.254.169.254", CloudMetadata),
            ("169.254.170.2", CloudMetadata),
            ("100.100.100.200", CloudMetadata),
            ("224.0.0.1", Multicast),
            ("239.255.255.250", Multicast),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("192.0.0.8", Reserved),
            ("192.88.99.1", Reserved),
            ("198.18.0.1", Reserved),
            ("198.19.255.255", Reserved),
            ("192.0.2.1", Documentation),
            ("198.51.100.1", Documentation),
            ("203.0.113.1", Documentation),
            ("::", Unspecified),
            ("::1", Loopback),
            ("::ffff:127.0.0.1", Ipv4Mapped),
            ("::ffff:8.8.8.8", Ipv4Mapped),
            ("::ffff:0:127.0.0.1", Ipv4Mapped),
            ("::127.0.0.1", Ipv4Compatible),
            ("64:ff9b::7f00:1", Nat64),
            ("64:ff9b:1::a00:1", Nat64),
            ("2002:7f00:1::", SixToFour),
            ("2001:0:4136:e378:8000:63bf:80ff:fffe", Teredo),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("fe80::1", LinkLocal),
            ("febf:ffff::1", LinkLocal),
            ("fec0::1", SiteLocal),
            ("fc00::1", UniqueLocal),
            ("fd12:3456::1", UniqueLocal),
            ("fd00:ec2::254", CloudMetadata),
            ("ff02::1", Multicast),
            ("100::1", Reserved),
            ("2001:10::1", Reserved),
            ("4000::1", Reserved),
            ("1234::1", Reserved),
        ];
        for (ip, expected) in table {
            assert_eq!(class(ip), Some(expected), "{ip}");
        }
    }

    #[test]
    fn public_addresses_and_range_edges_pass() {
        for ip in [
            "8.8.8.8",
            "1.1.1.1",
            "93.184.215.14",
            "1.0.0.0",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "169.253.255.255",
            "169.255.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.1.255",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001:80b::200e",
            "2001:200::1",
            "2003::1",
            "3ffe::1",
        ] {
            assert_eq!(class(ip), None, "{ip} is public");
        }
    }

    #[test]
    fn numeric_ipv4_spellings_are_read_like_resolvers_do() {
        let lo = Some(Ipv4Addr::LOCALHOST);
        for host in [
            "127.0.0.1",
            "127.1",
            "127.0.1",
            "2130706433",
            "0x7f000001",
            "0X7F000001",
            "0x7f.1",
            "0x7f.0x0.0x0.0x1",
            "017700000001",
            "0177.0.0.1",
            "0177.0.0.01",
            "127.000.000.001",
            "127.0.0.1.",
        ] {
            assert_eq!(parse_ipv4_host(host), lo, "{host}");
        }
        assert_eq!(parse_ipv4_host("0"), Some(Ipv4Addr::UNSPECIFIED));
        assert_eq!(
            parse_ipv4_host("0xa9fea9fe"),
            Some(Ipv4Addr::new(169, 254, 169, 254))
        );
        for host in [
            "example.com",
            "127.0.0.1.example",
            "4294967296",
            "256.0.0.1",
            "1.2.3.4.5",
            "0x1g",
            "09",
            "",
            "..",
            "1.2.3.256",
        ] {
            assert_eq!(parse_ipv4_host(host), None, "{host}");
        }
    }

    #[test]
    fn localhost_names() {
        assert!(is_localhost_name("localhost"));
        assert!(is_localhost_name("LOCALHOST."));
        assert!(is_localhost_name("api.localhost"));
        assert!(!is_localhost_name("localhost.example.com"));
        assert!(!is_localhost_name("notlocalhost"));
    }
}
