//! Web push: what a user can choose to be told, how long each message may wait at the
//! push service and how urgent it is, and what a browser's subscription must look like.

use super::Problem;
use serde::{Deserialize, Serialize};

/// The kinds of news a user can turn on or off per device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Booking confirmed, moved, cancelled, or to be moved after a capacity cut.
    Booking,
    /// Two hours before the slot.
    Reminder,
    CalledForward,
    /// Sent to inspection, or held (with the reason).
    Inspection,
    /// Cleared (or rejected).
    Cleared,
    Exited,
    /// No arrival 30 minutes after the window opened, and the no-show itself.
    Late,
}

/// How urgent a message is for the push service (RFC 8030 section 5.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Urgency {
    Normal,
    High,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Booking,
        Topic::Reminder,
        Topic::CalledForward,
        Topic::Inspection,
        Topic::Cleared,
        Topic::Exited,
        Topic::Late,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Topic::Booking => "booking",
            Topic::Reminder => "reminder",
            Topic::CalledForward => "called_forward",
            Topic::Inspection => "inspection",
            Topic::Cleared => "cleared",
            Topic::Exited => "exited",
            Topic::Late => "late",
        }
    }

    pub fn from_code(code: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|topic| topic.code() == code)
    }

    /// How long the push service keeps the message for a phone that is offline: news
    /// that is stale after a while (go to lane 3) is dropped rather than shown late.
    pub fn ttl_seconds(self) -> u32 {
        match self {
            Topic::Booking => 24 * 3600,
            Topic::Reminder => 2 * 3600,
            Topic::CalledForward => 15 * 60,
            Topic::Inspection | Topic::Cleared => 3600,
            Topic::Exited => 6 * 3600,
            Topic::Late => 30 * 60,
        }
    }

    /// What the driver must act on at the gate wakes the phone at once.
    pub fn urgency(self) -> Urgency {
        match self {
            Topic::Booking | Topic::Exited => Urgency::Normal,
            _ => Urgency::High,
        }
    }
}

/// The next try after `attempts` failed deliveries: 2, 4, 8... seconds, at most ten
/// minutes; after `MAX_ATTEMPTS` the message is given up.
pub fn retry_after_seconds(attempts: i32) -> i64 {
    2i64.saturating_pow(attempts.clamp(1, 30) as u32).min(600)
}

pub const MAX_ATTEMPTS: i32 = 10;

/// One of a user's devices with notifications on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushDevice {
    pub id: uuid::Uuid,
    pub device: String,
    pub topics: Vec<Topic>,
    pub created_at: i64,
}

/// A browser's push subscription (`PushSubscription.toJSON()`), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
}

impl Subscription {
    /// The endpoint must be one `policy` allows (see [`PushPolicy::check`]); the keys
    /// base64url, a P-256 point of 65 bytes and a 16-byte secret.
    pub fn parse(
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        policy: &PushPolicy,
    ) -> Result<Subscription, (&'static str, Problem)> {
        let endpoint = endpoint.trim();
        policy
            .check(endpoint)
            .map_err(|problem| ("endpoint", problem))?;
        let key = |value: &str, bytes: usize| decoded_len(value.trim()) == Some(bytes);
        if !key(p256dh, 65) {
            return Err(("p256dh", Problem::PushSubscriptionInvalid));
        }
        if !key(auth, 16) {
            return Err(("auth", Problem::PushSubscriptionInvalid));
        }
        Ok(Subscription {
            endpoint: endpoint.to_string(),
            p256dh: p256dh.trim().trim_end_matches('=').to_string(),
            auth: auth.trim().trim_end_matches('=').to_string(),
        })
    }
}

/// The push services of the browsers people use: Google FCM (Chrome, Edge on Android,
/// Samsung Internet), Mozilla autopush (Firefox), Apple (Safari), Microsoft WNS (Edge
/// on Windows). `PUSH_ALLOWED_HOSTS` replaces the list.
pub const DEFAULT_PUSH_HOSTS: &str = "fcm.googleapis.com,updates.push.services.mozilla.com,\
*.push.services.mozilla.com,web.push.apple.com,*.push.apple.com,*.notify.windows.com";

/// Where the portal may send push messages. A subscription names a URL the server will
/// post to, so it is a request the server makes on a stranger's behalf: only `https`
/// endpoints on the hosts of real push services are taken, on their default port unless
/// an entry names another, by host name (never a literal address, which the list could
/// not vouch for), with no user name or password, and written as the one way a URL
/// parser writes it (no tricks a second parser might read differently). Where a name
/// may lead (the address it resolves to) is checked again when sending
/// ([`is_public_address`]).
///
/// `test_origins` (`PUSH_TEST_ORIGINS`, empty unless set) are exact origins that skip
/// the scheme, host and address rules: a push service a test runs on loopback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushPolicy {
    allowed: Vec<AllowedHost>,
    test_origins: Vec<String>,
}

/// One entry of the allow-list: `host`, `*.suffix` (any name under it, not the suffix
/// itself), either with an optional `:port`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct AllowedHost {
    /// `fcm.googleapis.com`, or `.push.apple.com` for `*.push.apple.com`.
    name: String,
    wildcard: bool,
    port: Option<u16>,
}

impl AllowedHost {
    fn parse(entry: &str) -> Result<AllowedHost, String> {
        let entry = entry.trim().to_ascii_lowercase();
        let (host, port) = match entry.rsplit_once(':') {
            Some((host, port)) => {
                let port: u16 = port.parse().map_err(|_| format!("{entry}: not a port"))?;
                (host.to_string(), Some(port))
            }
            None => (entry.clone(), None),
        };
        let (wildcard, name) = match host.strip_prefix("*.") {
            Some(suffix) => (true, suffix.to_string()),
            None => (false, host),
        };
        let labels: Vec<&str> = name.split('.').collect();
        let valid_label = |label: &&str| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !labels.iter().all(valid_label) || (wildcard && labels.len() < 2) {
            return Err(format!("{entry}: not a host name or *.suffix"));
        }
        if labels
            .last()
            .is_some_and(|top| top.bytes().all(|byte| byte.is_ascii_digit()))
        {
            return Err(format!("{entry}: an address, not a host name"));
        }
        Ok(AllowedHost {
            name: if wildcard { format!(".{name}") } else { name },
            wildcard,
            port,
        })
    }

    fn allows(&self, host: &str, port: Option<u16>) -> bool {
        let name = if self.wildcard {
            host.ends_with(&self.name)
        } else {
            host == self.name
        };
        name && self.port == port
    }
}

/// How a checked endpoint may be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// A push service on the allow-list: only at public addresses.
    PublicAddressesOnly,
    /// One of the test origins: wherever it is.
    TestOrigin,
}

impl Default for PushPolicy {
    fn default() -> Self {
        PushPolicy::new(DEFAULT_PUSH_HOSTS, "").expect("the default push hosts parse")
    }
}

impl PushPolicy {
    /// The policy from its two settings, both comma-separated; an entry that is not one
    /// is a configuration error (refusing to start beats a silently wider list).
    pub fn new(allowed_hosts: &str, test_origins: &str) -> Result<PushPolicy, String> {
        let entries = |list: &str| {
            list.split(',')
                .map(str::trim)
                .filter(|entry| !entry.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        let allowed = entries(allowed_hosts)
            .iter()
            .map(|entry| AllowedHost::parse(entry))
            .collect::<Result<Vec<_>, _>>()?;
        let test_origins = entries(test_origins)
            .iter()
            .map(|origin| {
                let url = url::Url::parse(origin).map_err(|error| format!("{origin}: {error}"))?;
                let exact = url.origin().ascii_serialization();
                if !matches!(url.scheme(), "http" | "https")
                    || url.path() != "/"
                    || url.query().is_some()
                    || !url.username().is_empty()
                    || exact != origin.trim_end_matches('/')
                {
                    return Err(format!("{origin}: not an origin (scheme://host[:port])"));
                }
                Ok(exact)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PushPolicy {
            allowed,
            test_origins,
        })
    }

    /// Whether the portal may post to `endpoint`, and how it may be reached.
    pub fn check(&self, endpoint: &str) -> Result<Reach, Problem> {
        if endpoint.is_empty() {
            return Err(Problem::Required);
        }
        let refused = Problem::PushSubscriptionInvalid;
        if endpoint.len() > 1000
            || endpoint
                .chars()
                .any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(refused);
        }
        let url = url::Url::parse(endpoint).map_err(|_| refused)?;
        // Exactly as a parser writes it back: no backslashes, no `%2e`, no uppercase
        // host, no `:443`, no `0x7f.1` for an address.
        if url.as_str() != endpoint
            || !url.username().is_empty()
            || url.password().is_some()
            || url.fragment().is_some()
        {
            return Err(refused);
        }
        if self
            .test_origins
            .contains(&url.origin().ascii_serialization())
        {
            return Ok(Reach::TestOrigin);
        }
        let Some(url::Host::Domain(host)) = url.host() else {
            return Err(refused);
        };
        if url.scheme() != "https"
            || !self
                .allowed
                .iter()
                .any(|entry| entry.allows(host, url.port()))
        {
            return Err(refused);
        }
        Ok(Reach::PublicAddressesOnly)
    }
}

/// Whether the server may connect to `address` for a push service: a public unicast
/// address, not loopback, private (RFC 1918), shared (CGNAT, RFC 6598), link-local,
/// unique-local, unspecified, multicast, broadcast, reserved, benchmarking or
/// documentation space, nor any of those in an IPv6 form that carries an IPv4 address
/// (mapped, compatible, NAT64, 6to4).
pub fn is_public_address(address: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match address {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let in_net = |net: u128, len: u32| bits >> (128 - len) == net >> (128 - len);
            // The IPv4 address inside, for the forms that carry one.
            let low32 = std::net::Ipv4Addr::from((bits & 0xffff_ffff) as u32);
            if in_net(0xffff_0000_0000, 96) || in_net(0x0064_ff9b << 96, 96) {
                return is_public_v4(low32);
            }
            if in_net(0x2002 << 112, 16) {
                return is_public_v4(std::net::Ipv4Addr::from((bits >> 80) as u32));
            }
            // Global unicast is 2000::/3; everything else (::, ::1, the deprecated
            // IPv4-compatible ::/96, 100::/64, fc00::/7, fe80::/10, fec0::/10, ff00::/8)
            // is not a push service.
            in_net(0x2000 << 112, 3)
                && !in_net(0x2001 << 112, 23) // IETF protocol assignments, Teredo
                && !in_net(0x2001_0db8 << 96, 32) // documentation
                && !in_net(0x3fff << 112, 20) // documentation (RFC 9637)
        }
    }
}

fn is_public_v4(address: std::net::Ipv4Addr) -> bool {
    const REFUSED: [(u32, u32); 15] = [
        (0x0000_0000, 8),  // 0.0.0.0/8 "this network", unspecified
        (0x0a00_0000, 8),  // 10/8 private
        (0x6440_0000, 10), // 100.64/10 shared (CGNAT)
        (0x7f00_0000, 8),  // 127/8 loopback
        (0xa9fe_0000, 16), // 169.254/16 link-local (cloud metadata)
        (0xac10_0000, 12), // 172.16/12 private
        (0xc000_0000, 24), // 192.0.0/24 IETF protocol assignments
        (0xc000_0200, 24), // 192.0.2/24 documentation
        (0xc058_6300, 24), // 192.88.99/24 6to4 relay
        (0xc0a8_0000, 16), // 192.168/16 private
        (0xc612_0000, 15), // 198.18/15 benchmarking
        (0xc633_6400, 24), // 198.51.100/24 documentation
        (0xcb00_7100, 24), // 203.0.113/24 documentation
        (0xe000_0000, 4),  // 224/4 multicast
        (0xf000_0000, 4),  // 240/4 reserved, and 255.255.255.255 broadcast
    ];
    let bits = u32::from(address);
    !REFUSED
        .iter()
        .any(|&(net, len)| bits >> (32 - len) == net >> (32 - len))
}

/// The length of base64url (no padding needed) text once decoded, if it is base64url.
fn decoded_len(text: &str) -> Option<usize> {
    let text = text.trim_end_matches('=');
    if text.is_empty()
        || !text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    {
        return None;
    }
    match text.len() % 4 {
        1 => None,
        rest => Some(text.len() / 4 * 3 + rest.saturating_sub(1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P256DH: &str =
        "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM";
    const AUTH: &str = "tBHItJI5svbpez7KI4CCXg";

    #[test]
    fn every_topic_has_a_code_a_ttl_and_an_urgency() {
        for topic in Topic::ALL {
            assert_eq!(Topic::from_code(topic.code()), Some(topic));
            assert!(topic.ttl_seconds() >= 15 * 60);
        }
        assert_eq!(Topic::CalledForward.urgency(), Urgency::High);
        assert_eq!(Topic::Booking.urgency(), Urgency::Normal);
        assert!(Topic::CalledForward.ttl_seconds() < Topic::Booking.ttl_seconds());
        assert_eq!(Topic::from_code("cargo"), None);
    }

    #[test]
    fn retries_back_off_and_stop_growing() {
        assert_eq!(retry_after_seconds(1), 2);
        assert_eq!(retry_after_seconds(3), 8);
        assert_eq!(retry_after_seconds(20), 600);
    }

    fn policy() -> PushPolicy {
        PushPolicy::default()
    }

    #[test]
    fn a_browser_subscription_is_checked() {
        let good = Subscription::parse(
            "https://fcm.googleapis.com/fcm/send/abc",
            P256DH,
            AUTH,
            &policy(),
        )
        .unwrap();
        assert_eq!(good.auth, AUTH);
        assert_eq!(
            Subscription::parse("", P256DH, AUTH, &policy()).unwrap_err(),
            ("endpoint", Problem::Required)
        );
        let endpoint = "https://fcm.googleapis.com/fcm/send/abc";
        assert_eq!(
            Subscription::parse(endpoint, "abc", AUTH, &policy())
                .unwrap_err()
                .0,
            "p256dh"
        );
        assert_eq!(
            Subscription::parse(endpoint, P256DH, "not base64!", &policy())
                .unwrap_err()
                .0,
            "auth"
        );
        assert_eq!(
            Subscription::parse(endpoint, P256DH, &AUTH[..10], &policy())
                .unwrap_err()
                .0,
            "auth"
        );
    }

    #[test]
    fn the_real_push_services_are_allowed() {
        for endpoint in [
            "https://fcm.googleapis.com/fcm/send/dN1k2Y:APA91bH-x_y",
            "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABl",
            "https://web.push.apple.com/QGuQyavXutnMDf4KN2QDjy4Ldz",
            "https://api.push.apple.com/3/device/abc",
            "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB%2bJ%3d",
        ] {
            assert_eq!(
                policy().check(endpoint),
                Ok(Reach::PublicAddressesOnly),
                "{endpoint}"
            );
        }
    }

    #[test]
    fn anything_but_an_allowed_host_over_https_is_refused() {
        for endpoint in [
            "http://127.0.0.1:4000/push/1",
            "http://localhost:4000/push/1",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/x",
            "https://[::1]/x",
            "https://[::ffff:127.0.0.1]/x",
            "https://2130706433/x",
            "https://0x7f.1/x",
            "https://push.example/x",
            "http://fcm.googleapis.com/fcm/send/abc",
            "https://fcm.googleapis.com:8443/fcm/send/abc",
            "https://fcm.googleapis.com:443/fcm/send/abc",
            "https://FCM.googleapis.com/fcm/send/abc",
            "https://fcm.googleapis.com./fcm/send/abc",
            "https://user@fcm.googleapis.com/fcm/send/abc",
            "https://fcm.googleapis.com@evil.example/x",
            "https://evil.example#@fcm.googleapis.com/x",
            "https://fcm.googleapis.com/fcm/send/abc#x",
            "https:\\\\fcm.googleapis.com/fcm/send/abc",
            "https://fcm.googleapis.com/fcm/../../x",
            "https://fcm.googleapis.com.evil.example/x",
            "https://evilfcm.googleapis.com/x",
            "https://push.services.mozilla.com/x",
            "https://evil-notify.windows.com/x",
            "https://fcm.googleapis.com/fcm/send/a b",
            "https://fcm.googleapis.com/fcm/send/a\u{0}",
            "javascript:alert(1)",
            "fcm.googleapis.com/fcm/send/abc",
        ] {
            assert_eq!(
                policy().check(endpoint),
                Err(Problem::PushSubscriptionInvalid),
                "{endpoint}"
            );
        }
        let long = format!("https://fcm.googleapis.com/fcm/send/{}", "a".repeat(1000));
        assert_eq!(policy().check(&long), Err(Problem::PushSubscriptionInvalid));
    }

    #[test]
    fn the_allow_list_is_a_setting_with_exact_hosts_suffixes_and_ports() {
        let policy =
            PushPolicy::new("push.example, *.push.example.net, localhost:4443", "").unwrap();
        assert_eq!(
            policy.check("https://push.example/x"),
            Ok(Reach::PublicAddressesOnly)
        );
        assert_eq!(
            policy.check("https://a.b.push.example.net/x"),
            Ok(Reach::PublicAddressesOnly)
        );
        assert_eq!(
            policy.check("https://localhost:4443/x"),
            Ok(Reach::PublicAddressesOnly)
        );
        assert!(
            policy.check("https://push.example.net/x").is_err(),
            "*.suffix is not the suffix itself"
        );
        assert!(
            policy.check("https://localhost/x").is_err(),
            "only the port named"
        );
        assert!(
            policy.check("https://push.example:8443/x").is_err(),
            "only the default port"
        );
        assert!(
            policy
                .check("https://fcm.googleapis.com/fcm/send/abc")
                .is_err(),
            "the list replaces the default"
        );
        for bad in [
            "10.0.0.1",
            "*",
            "*.com",
            "push..example",
            "push.example:99999",
            "http://push.example",
            "[::1]",
        ] {
            assert!(PushPolicy::new(bad, "").is_err(), "{bad}");
        }
    }

    #[test]
    fn a_test_origin_skips_the_rules_for_that_exact_origin_only() {
        let policy = PushPolicy::new(DEFAULT_PUSH_HOSTS, "http://127.0.0.1:4100").unwrap();
        assert_eq!(
            policy.check("http://127.0.0.1:4100/push/phone"),
            Ok(Reach::TestOrigin)
        );
        assert!(policy.check("http://127.0.0.1:4101/push/phone").is_err());
        assert!(policy.check("https://127.0.0.1:4100/push/phone").is_err());
        assert!(
            policy
                .check("http://user@127.0.0.1:4100/push/phone")
                .is_err()
        );
        assert_eq!(
            policy.check("https://fcm.googleapis.com/fcm/send/abc"),
            Ok(Reach::PublicAddressesOnly)
        );
        assert!(
            PushPolicy::default()
                .check("http://127.0.0.1:4100/push/phone")
                .is_err(),
            "none by default"
        );
        for bad in [
            "http://127.0.0.1:4100/push",
            "ftp://127.0.0.1:21",
            "127.0.0.1:4100",
        ] {
            assert!(PushPolicy::new("", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_public_unicast_addresses_may_be_reached() {
        use std::net::IpAddr;
        for public in [
            "8.8.8.8",
            "142.250.66.74",
            "1.1.1.1",
            "2607:f8b0:4004:c1b::5f",
            "2a00:1450:4001:80b::200a",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(
                is_public_address(public.parse::<IpAddr>().unwrap()),
                "{public}"
            );
        }
        for refused in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "224.0.0.1",
            "239.255.255.250",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.2.1",
            "198.51.100.7",
            "203.0.113.9",
            "198.18.0.1",
            "192.0.0.8",
            "192.88.99.1",
            "::",
            "::1",
            "fe80::1",
            "febf::1",
            "fc00::1",
            "fd12:3456::1",
            "ff02::1",
            "fec0::1",
            "100::1",
            "2001:db8::1",
            "3fff::1",
            "2001::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "::8.8.8.8",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:a00:1::",
        ] {
            assert!(
                !is_public_address(refused.parse::<IpAddr>().unwrap()),
                "{refused}"
            );
        }
        // Just outside the ranges.
        for public in [
            "172.32.0.1",
            "100.128.0.1",
            "169.253.255.255",
            "11.0.0.1",
            "223.255.255.254",
        ] {
            assert!(
                is_public_address(public.parse::<IpAddr>().unwrap()),
                "{public}"
            );
        }
    }
}
