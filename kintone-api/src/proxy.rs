//! Proxies and firewalls: how a [`ProxyConfig`] becomes reqwest's proxy settings, and
//! how a proxy's refusal is told apart from Kintone's.
//!
//! Credentials given for a proxy go to that proxy only: reqwest puts them in
//! `Proxy-Authorization` (on forwarded requests and on CONNECT) or in the SOCKS5
//! handshake, never in a request to Kintone, and redirects are never followed.

use reqwest::ClientBuilder;

use crate::config::ProxyConfig;
use crate::error::{Error, Result};
use crate::url::BaseUrl;

/// Schemes reqwest can reach a proxy with (its `socks` feature is on).
const SCHEMES: &[&str] = &["http", "https", "socks4", "socks4a", "socks5", "socks5h"];

/// Whether a request to `base` through `config` may open a TLS connection to the proxy
/// (an https:// proxy, or the environment's, which may be one).
pub(crate) fn may_use_tls(config: &ProxyConfig, base: &BaseUrl) -> bool {
    match config {
        ProxyConfig::None => false,
        ProxyConfig::System => !base.is_loopback(),
        ProxyConfig::Url { url, .. } => !url.to_ascii_lowercase().starts_with("http://"),
    }
}

/// Sets the proxy of `builder`. Returns what error messages call the proxy (its
/// address, never its credentials), `None` when requests go direct.
pub(crate) fn apply(
    builder: ClientBuilder,
    config: &ProxyConfig,
    base: &BaseUrl,
) -> Result<(ClientBuilder, Option<String>)> {
    match config {
        // reqwest reads the environment itself; a loopback base URL (the sandbox, a
        // local test server) never goes to a corporate proxy by accident.
        ProxyConfig::System if !base.is_loopback() => Ok((
            builder,
            Some("the proxy of the environment (HTTPS_PROXY)".into()),
        )),
        ProxyConfig::System | ProxyConfig::None => Ok((builder.no_proxy(), None)),
        ProxyConfig::Url {
            url,
            user,
            password,
            exceptions,
            tunnel_only,
        } => {
            let parsed = url::Url::parse(url)
                .map_err(|e| Error::Config(format!("invalid proxy URL: {e}")))?;
            let scheme = parsed.scheme();
            if !SCHEMES.contains(&scheme) {
                return Err(Error::Config(format!(
                    "proxy URL scheme '{scheme}' is not supported (expected one of {})",
                    SCHEMES.join(", ")
                )));
            }
            let host = parsed
                .host_str()
                .ok_or_else(|| Error::Config("the proxy URL has no host".into()))?;
            let shown = match parsed.port() {
                Some(p) => format!("{scheme}://{host}:{p}"),
                None => format!("{scheme}://{host}"),
            };
            if *tunnel_only && base.origin().starts_with("http://") {
                return Err(Error::Config(format!(
                    "the proxy {shown} is set to carry only tunnels (ProxySSLType=TUNNEL or \
                     FirewallType=TUNNEL), which are opened for https:// URLs only; {} is \
                     http://, so its requests would be forwarded in the clear: use \
                     ProxySSLType=AUTO for it",
                    base.origin()
                )));
            }
            let mut proxy = reqwest::Proxy::all(url.as_str())
                .map_err(|e| Error::Config(format!("invalid proxy URL {shown}: {e}")))?;
            if let Some(u) = user {
                let pw = password.as_ref().map(|p| p.expose()).unwrap_or("");
                proxy = proxy.basic_auth(u, pw);
            }
            let list = no_proxy_list(exceptions);
            if !list.is_empty() {
                proxy = proxy.no_proxy(reqwest::NoProxy::from_string(&list));
            }
            Ok((builder.proxy(proxy), Some(format!("the proxy {shown}"))))
        }
    }
}

/// The exceptions in the comma-separated form of `NO_PROXY`. `*.example.com` (a common
/// way of writing a domain and its subdomains) becomes `.example.com`, and a port is
/// dropped, since reqwest matches host names only.
fn no_proxy_list(exceptions: &[String]) -> String {
    exceptions
        .iter()
        .map(|e| e.trim())
        .filter(|e| !e.is_empty())
        .map(|e| {
            let e = e
                .strip_prefix('*')
                .filter(|rest| rest.starts_with('.'))
                .unwrap_or(e);
            match e.rsplit_once(':') {
                // One ':' followed by digits is a port; IPv6 addresses have several.
                Some((host, port))
                    if !host.contains(':')
                        && !port.is_empty()
                        && port.bytes().all(|b| b.is_ascii_digit()) =>
                {
                    host
                }
                _ => e,
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// What a failed attempt says when it was the proxy that refused: a proxy's 407 answer
/// (forwarded requests) or a CONNECT refused with 407 (tunnels).
pub(crate) fn refused_by_proxy(status: Option<u16>, transport: Option<&str>) -> bool {
    status == Some(407) || transport.is_some_and(|m| m.contains("proxy authorization required"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn base(u: &str) -> BaseUrl {
        BaseUrl::parse(u).expect("base url")
    }

    /// Only a client that may open a TLS connection reads the OS certificate store.
    #[test]
    fn tls_is_possible_through_https_or_environment_proxies_only() {
        let url = |u: &str| ProxyConfig::Url {
            url: u.into(),
            user: None,
            password: None,
            exceptions: vec![],
            tunnel_only: false,
        };
        // http:// is allowed for a loopback host only (the sandbox).
        let local = base("http://127.0.0.1:8080");
        let remote = base("https://x.cybozu.com");
        assert!(!may_use_tls(&ProxyConfig::None, &local));
        assert!(!may_use_tls(&ProxyConfig::System, &local));
        assert!(may_use_tls(&ProxyConfig::System, &remote));
        assert!(!may_use_tls(&url("HTTP://proxy:3128"), &local));
        assert!(may_use_tls(&url("https://proxy:3128"), &local));
        assert!(may_use_tls(&url("socks5h://fw:1080"), &local));
        assert!(remote.is_https() && !local.is_https());
    }

    #[test]
    fn exceptions_become_a_no_proxy_list() {
        let list = no_proxy_list(&[
            " *.example.com ".into(),
            "intranet:8080".into(),
            "127.0.0.1".into(),
            "::1".into(),
            "".into(),
            "10.0.0.0/8".into(),
        ]);
        assert_eq!(list, ".example.com,intranet,127.0.0.1,::1,10.0.0.0/8");
    }

    #[test]
    fn unknown_schemes_and_tunnels_for_http_urls_are_refused() {
        let b = reqwest::Client::builder;
        let e = apply(
            b(),
            &ProxyConfig::url("ftp://proxy:21"),
            &base("https://x.cybozu.com"),
        )
        .expect_err("ftp refused");
        assert!(e.to_string().contains("'ftp'"), "{e}");
        let tunnel = ProxyConfig::Url {
            url: "http://proxy:3128".into(),
            user: Some("u".into()),
            password: Some(Secret::new("pw-SECRET")),
            exceptions: vec![],
            tunnel_only: true,
        };
        let e =
            apply(b(), &tunnel, &base("http://127.0.0.1:8080")).expect_err("http tunnel refused");
        let m = e.to_string();
        assert!(
            m.contains("TUNNEL") && m.contains("http://127.0.0.1:8080"),
            "{m}"
        );
        assert!(!m.contains("SECRET"), "{m}");
        let (_, shown) = apply(b(), &tunnel, &base("https://x.cybozu.com")).expect("https");
        assert_eq!(shown.as_deref(), Some("the proxy http://proxy:3128"));
    }

    #[test]
    fn socks_urls_are_accepted_and_named_without_credentials() {
        let cfg = ProxyConfig::Url {
            url: "socks5h://fw.example:1080".into(),
            user: Some("fwuser".into()),
            password: Some(Secret::new("fw-SECRET")),
            exceptions: vec!["*.internal".into()],
            tunnel_only: false,
        };
        let (builder, shown) = apply(
            reqwest::Client::builder(),
            &cfg,
            &base("https://x.cybozu.com"),
        )
        .expect("ok");
        assert_eq!(
            shown.as_deref(),
            Some("the proxy socks5h://fw.example:1080")
        );
        builder.build().expect("client builds");
    }

    #[test]
    fn a_proxy_refusal_names_the_proxy_not_kintone() {
        let e = Error::Proxy {
            context: crate::error::RequestContext {
                method: "GET".into(),
                api: "records".into(),
                app: Some(3),
                ..Default::default()
            },
            proxy: "the proxy http://proxy.corp:3128".into(),
            status: 407,
        };
        let m = e.to_string();
        assert!(
            m.starts_with("the proxy http://proxy.corp:3128 refused")
                && m.contains("407 Proxy Authentication Required")
                && m.contains("ProxyUser and ProxyPassword")
                && !m.contains("Kintone answered"),
            "{m}"
        );
        assert_eq!(e.status(), Some(407));
    }

    #[test]
    fn a_proxy_refusal_is_recognised() {
        assert!(refused_by_proxy(Some(407), None));
        assert!(refused_by_proxy(
            None,
            Some("error sending request: client error (Connect): tunnel error: proxy authorization required")
        ));
        assert!(!refused_by_proxy(Some(401), Some("connection refused")));
    }
}
