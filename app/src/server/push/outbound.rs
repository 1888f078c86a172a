//! The HTTP side of deliveries: the clients push messages go through, and the resolver
//! that lets them reach public addresses only.

use crate::domain::push::{Reach, is_public_address};
use std::time::Duration;

/// The HTTP clients deliveries go through; neither follows redirects.
#[derive(Clone)]
pub struct PushClients {
    /// For push services: resolves through [`PublicAddresses`].
    public: reqwest::Client,
    /// For the test origins of the policy (`PUSH_TEST_ORIGINS`) only.
    test: reqwest::Client,
}

impl PushClients {
    pub fn new() -> PushClients {
        let builder = || {
            reqwest::Client::builder()
                .connect_timeout(Duration::from_secs(5))
                .redirect(reqwest::redirect::Policy::none())
        };
        PushClients {
            public: builder()
                .dns_resolver(std::sync::Arc::new(PublicAddresses))
                .build()
                .expect("an HTTP client"),
            test: builder().build().expect("an HTTP client"),
        }
    }

    pub(super) fn for_reach(&self, reach: Reach) -> &reqwest::Client {
        match reach {
            Reach::PublicAddressesOnly => &self.public,
            Reach::TestOrigin => &self.test,
        }
    }
}

impl Default for PushClients {
    fn default() -> Self {
        PushClients::new()
    }
}

/// Resolves a push service's host name and hands the connector only addresses it
/// checked: a name with any non-public address is refused whole (a real push service
/// has none, and a name that mixes them is a trick).
struct PublicAddresses;

/// A host name that resolved to an address the portal does not connect to.
#[derive(Debug)]
pub(super) struct AddressRefused;

impl std::fmt::Display for AddressRefused {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("the push service's name resolves to a non-public address")
    }
}

impl std::error::Error for AddressRefused {}

impl reqwest::dns::Resolve for PublicAddresses {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        Box::pin(async move {
            // The port is the URL's; the connector sets it.
            let found: Vec<std::net::SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if found.is_empty() || !found.iter().all(|address| is_public_address(address.ip())) {
                return Err(Box::new(AddressRefused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(found.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether a failed request failed because [`PublicAddresses`] refused its host.
pub(super) fn address_refused(error: &reqwest::Error) -> bool {
    let mut cause = std::error::Error::source(error);
    while let Some(error) = cause {
        if error.is::<AddressRefused>() {
            return true;
        }
        cause = error.source();
    }
    false
}
