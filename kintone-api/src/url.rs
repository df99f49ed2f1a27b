//! Base URL forms (§1.1) and API paths (§1.2).

use crate::error::Error;

/// A validated Kintone base URL: scheme, host and optional port, no path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    url: url::Url,
}

impl BaseUrl {
    /// Accepts `https://sub.cybozu.com`, `sub.kintone.com` (https assumed),
    /// `https://sub.s.cybozu.com`, `https://sub.cybozu.cn`, a trailing `/` or `/k/`,
    /// a bare subdomain (`example` → `https://example.cybozu.com`, as Celigo asks for
    /// it), a page of Kintone pasted from the browser (`https://example.cybozu.com/k/12/`,
    /// reduced to its domain, with a note in the log), and plain `http://` only for
    /// loopback hosts (tests, the sandbox).
    pub fn parse(input: &str) -> Result<BaseUrl, Error> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(Error::Config("the Kintone URL is empty".into()));
        }
        let with_scheme = if trimmed.contains("://") {
            trimmed.to_string()
        } else if is_subdomain(trimmed) {
            format!("https://{trimmed}.cybozu.com")
        } else {
            format!("https://{trimmed}")
        };
        let mut url = url::Url::parse(&with_scheme)
            .map_err(|e| Error::Config(format!("invalid Kintone URL '{trimmed}': {e}")))?;
        if !url.username().is_empty() || url.password().is_some() {
            // Credentials in the URL would leak into logs: refuse them outright.
            return Err(Error::Config(
                "the Kintone URL must not contain a user name or password".into(),
            ));
        }
        let host = url
            .host_str()
            .ok_or_else(|| Error::Config(format!("the Kintone URL '{trimmed}' has no host")))?
            .to_string();
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&host) => {}
            "http" => {
                return Err(Error::Config(format!(
                    "Kintone is only served over https; '{trimmed}' uses http (allowed only for \
                     localhost)"
                )))
            }
            other => {
                return Err(Error::Config(format!(
                    "unsupported URL scheme '{other}' in '{trimmed}'"
                )))
            }
        }
        let path = url.path().trim_end_matches('/');
        if is_page(path) {
            tracing::info!(
                "Url {trimmed} is a page of Kintone: the driver uses its domain {}://{}",
                url.scheme(),
                host
            );
        } else if !(path.is_empty() || path == "/k") {
            return Err(Error::Config(format!(
                "the Kintone URL '{trimmed}' should be just the domain, e.g. \
                 https://example.cybozu.com"
            )));
        }
        url.set_path("");
        url.set_query(None);
        url.set_fragment(None);
        Ok(BaseUrl { url })
    }

    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or("")
    }

    pub fn is_https(&self) -> bool {
        self.url.scheme() == "https"
    }

    /// The port, explicit or the scheme's default.
    pub fn port(&self) -> Option<u16> {
        self.url.port_or_known_default()
    }

    /// `host[:port]` as written.
    pub fn authority(&self) -> String {
        match self.url.port() {
            Some(p) => format!("{}:{p}", self.host()),
            None => self.host().to_string(),
        }
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback(self.host())
    }

    /// Secure Access hosts (`sub.s.cybozu.com`) are the ones that take client certificates.
    pub fn is_secure_access(&self) -> bool {
        let h = self.host();
        [".s.cybozu.com", ".s.kintone.com", ".s.cybozu.cn"]
            .iter()
            .any(|s| h.ends_with(s))
    }

    /// `scheme://host[:port]` without a trailing slash.
    pub fn origin(&self) -> String {
        self.url.as_str().trim_end_matches('/').to_string()
    }

    /// Full URL for a path that starts with `/`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.origin(), path)
    }
}

/// `example`: a subdomain alone (letters, digits and `-`), not a loopback name.
fn is_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !s.eq_ignore_ascii_case("localhost")
}

/// A page of Kintone's web interface (`/k/12/`, `/k/guest/5/12/show`, `/k/#/portal` is
/// `/k/` with a fragment), not an API path (`/k/v1/...`): what a browser's address bar
/// shows.
fn is_page(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/k/") else {
        return false;
    };
    let rest = match rest.strip_prefix("guest/") {
        Some(g) => g.split_once('/').map_or("", |(_, r)| r),
        None => rest,
    };
    !(rest == "v1" || rest.starts_with("v1/"))
}

fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .map(|ip| ip.is_loopback())
            .unwrap_or(false)
}

/// The path of a Kintone API: `/k/v1/{api}.json`, `/k/guest/{id}/v1/{api}.json`, with
/// `preview/` inserted for pre-live settings (§1.2). `api` is e.g. `records` or
/// `app/form/fields`.
pub fn api_path(guest_space_id: Option<u64>, preview: bool, api: &str) -> String {
    let api = api.trim_start_matches('/').trim_end_matches(".json");
    let mut p = String::from("/k");
    if let Some(g) = guest_space_id {
        p.push_str(&format!("/guest/{g}"));
    }
    p.push_str("/v1/");
    if preview {
        p.push_str("preview/");
    }
    p.push_str(api);
    p.push_str(".json");
    p
}

/// cybozu.com User API paths (`/v1/users.json`, §7.9): no `/k/`, no guest prefix.
pub fn user_api_path(api: &str) -> String {
    format!(
        "/v1/{}.json",
        api.trim_start_matches('/').trim_end_matches(".json")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_forms() {
        let cases = [
            (
                "https://sample.cybozu.com",
                "https://sample.cybozu.com",
                "sample.cybozu.com",
            ),
            (
                "sample.kintone.com",
                "https://sample.kintone.com",
                "sample.kintone.com",
            ),
            (
                "https://example.cybozu.cn/",
                "https://example.cybozu.cn",
                "example.cybozu.cn",
            ),
            (
                "https://sub.s.cybozu.com/k/",
                "https://sub.s.cybozu.com",
                "sub.s.cybozu.com",
            ),
            (
                "http://127.0.0.1:18080",
                "http://127.0.0.1:18080",
                "127.0.0.1:18080",
            ),
            (
                "http://localhost:9000/",
                "http://localhost:9000",
                "localhost:9000",
            ),
            (
                "https://x.cybozu.com:8443",
                "https://x.cybozu.com:8443",
                "x.cybozu.com:8443",
            ),
            // A bare subdomain, as Celigo's connection asks for it.
            (
                "example",
                "https://example.cybozu.com",
                "example.cybozu.com",
            ),
            (" my-co ", "https://my-co.cybozu.com", "my-co.cybozu.com"),
            // Pages pasted from the browser's address bar.
            (
                "https://example.cybozu.com/k/12/",
                "https://example.cybozu.com",
                "example.cybozu.com",
            ),
            (
                "https://example.cybozu.com/k/12/show#record=5",
                "https://example.cybozu.com",
                "example.cybozu.com",
            ),
            (
                "example.kintone.com/k/guest/5/31/?view=20",
                "https://example.kintone.com",
                "example.kintone.com",
            ),
            (
                "https://example.cybozu.com/k/#/space/3",
                "https://example.cybozu.com",
                "example.cybozu.com",
            ),
        ];
        for (input, origin, authority) in cases {
            let b = BaseUrl::parse(input).unwrap();
            assert_eq!(b.origin(), origin, "{input}");
            assert_eq!(b.authority(), authority, "{input}");
        }
        assert!(BaseUrl::parse("https://sub.s.cybozu.com")
            .unwrap()
            .is_secure_access());
        assert!(!BaseUrl::parse("https://sub.cybozu.com")
            .unwrap()
            .is_secure_access());
        assert!(BaseUrl::parse("http://127.0.0.1:1").unwrap().is_loopback());
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:5")
                .unwrap()
                .join("/k/v1/records.json"),
            "http://127.0.0.1:5/k/v1/records.json"
        );
    }

    #[test]
    fn rejected_forms() {
        for bad in [
            "",
            "http://sample.cybozu.com",
            "ftp://sample.cybozu.com",
            "https://user:pw@sample.cybozu.com",
            "https://sample.cybozu.com/k/v1/records.json",
            "https://sample.cybozu.com/k/guest/5/v1/records.json",
            "https://sample.cybozu.com/portal",
            "exa mple",
        ] {
            let e = BaseUrl::parse(bad).unwrap_err();
            assert!(matches!(e, Error::Config(_)), "{bad}: {e:?}");
            assert!(!e.to_string().contains("pw@"), "{e}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(api_path(None, false, "records"), "/k/v1/records.json");
        assert_eq!(
            api_path(Some(7), false, "records/cursor"),
            "/k/guest/7/v1/records/cursor.json"
        );
        assert_eq!(
            api_path(None, true, "app/form/fields"),
            "/k/v1/preview/app/form/fields.json"
        );
        assert_eq!(
            api_path(Some(3), true, "app/deploy"),
            "/k/guest/3/v1/preview/app/deploy.json"
        );
        assert_eq!(api_path(None, false, "/record.json"), "/k/v1/record.json");
        assert_eq!(user_api_path("users"), "/v1/users.json");
    }
}
