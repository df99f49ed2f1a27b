//! The proxy and firewall properties (`ProxyAutoDetect`, `ProxyServer`, `ProxyPort`,
//! `ProxyAuthScheme`, `ProxyUser`, `ProxyPassword`, `ProxySSLType`, `ProxyExceptions`,
//! `FirewallType`, `FirewallServer`, `FirewallPort`, `FirewallUser`,
//! `FirewallPassword`) → one [`ProxyConfig`].

use kintone_api::{ProxyConfig, Secret};

use super::{boolean, missing, wrong, Properties, CONFIG};
use crate::error::{SqlError, SqlResult};

/// `ProxyAuthScheme` values this driver implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ProxyAuth {
    Basic,
    None,
}

impl Properties {
    /// One proxy at most: reqwest cannot chain a firewall and a proxy.
    pub(super) fn proxy(&self) -> SqlResult<ProxyConfig> {
        let auth = self.proxy_auth_scheme()?;
        let firewall = self.firewall()?;
        let auto = self
            .get("ProxyAutoDetect")
            .map(|v| boolean("ProxyAutoDetect", v))
            .transpose()?;
        let server = self.get("ProxyServer").map(str::trim);
        if let Some(firewall) = firewall {
            if server.is_some() || auto == Some(true) {
                return Err(SqlError::new(
                    CONFIG,
                    format!(
                        "connection properties FirewallType={} and {} are both set: this driver \
                         connects through one of them only (it cannot chain a firewall and a \
                         proxy); remove one",
                        self.get("FirewallType").unwrap_or_default().trim(),
                        if server.is_some() {
                            "ProxyServer"
                        } else {
                            "ProxyAutoDetect=true"
                        }
                    ),
                ));
            }
            return Ok(firewall);
        }
        let Some(server) = server.filter(|_| auto != Some(true)) else {
            return Ok(match auto {
                // Unset keeps what the driver always did: the environment's proxy.
                None | Some(true) => ProxyConfig::System,
                Some(false) => ProxyConfig::None,
            });
        };
        let host = server.split_once("://").map_or(server, |(_, h)| h);
        let host = host.trim_end_matches('/');
        if let Some((_, after)) = host.rsplit_once('@') {
            return Err(SqlError::new(
                CONFIG,
                format!(
                    "connection property ProxyServer=****@{after} carries a user name or \
                     password: give them as ProxyUser and ProxyPassword instead"
                ),
            ));
        }
        let ssl = self
            .get("ProxySSLType")
            .map(|v| v.trim().to_ascii_uppercase())
            .unwrap_or_else(|| "AUTO".to_string());
        let given_scheme = server
            .split_once("://")
            .map(|(s, _)| s.to_ascii_lowercase());
        let scheme = match (ssl.as_str(), given_scheme.as_deref()) {
            ("AUTO" | "TUNNEL", Some(s)) => s.to_string(),
            ("AUTO" | "TUNNEL" | "NEVER", None) | ("NEVER", Some("http")) => "http".to_string(),
            ("ALWAYS", None | Some("https")) => "https".to_string(),
            ("ALWAYS" | "NEVER", Some(s)) => {
                return Err(SqlError::new(
                    CONFIG,
                    format!(
                        "connection properties ProxySSLType={ssl} and ProxyServer={server} \
                         disagree: ALWAYS means TLS to the proxy (https://), NEVER a plain \
                         connection (http://), and the server is given as {s}://"
                    ),
                ))
            }
            _ => {
                return Err(wrong(
                    "ProxySSLType",
                    &ssl,
                    "AUTO (plain connection to the proxy, https requests tunnelled), ALWAYS \
                     (TLS to the proxy), NEVER (plain connection to the proxy) or TUNNEL (only \
                     CONNECT tunnels, for https URLs)",
                ))
            }
        };
        let url = match self.get("ProxyPort") {
            Some(port) => {
                let port: u16 = port
                    .trim()
                    .parse()
                    .map_err(|_| wrong("ProxyPort", port, "a port number"))?;
                format!("{scheme}://{host}:{port}")
            }
            None => format!("{scheme}://{host}"),
        };
        let (user, password) = match auth {
            ProxyAuth::Basic => self.credentials("ProxyUser", "ProxyPassword")?,
            // The proxy admits the driver without credentials: none are sent, even
            // when ProxyUser is set (a DSN may keep them for later).
            ProxyAuth::None => (None, None),
        };
        Ok(ProxyConfig::Url {
            url,
            user,
            password,
            exceptions: self
                .get("ProxyExceptions")
                .map(|v| {
                    v.split([';', ','])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            tunnel_only: ssl == "TUNNEL",
        })
    }

    fn proxy_auth_scheme(&self) -> SqlResult<ProxyAuth> {
        let Some(v) = self.get("ProxyAuthScheme") else {
            return Ok(ProxyAuth::Basic);
        };
        match v.trim().to_ascii_uppercase().as_str() {
            "BASIC" => Ok(ProxyAuth::Basic),
            "NONE" => Ok(ProxyAuth::None),
            s @ ("DIGEST" | "NEGOTIATE" | "NTLM") => Err(SqlError::new(
                CONFIG,
                format!(
                    "connection property ProxyAuthScheme={s} is not supported: this driver \
                     authenticates to proxies with BASIC (the default) or NONE (no credentials \
                     sent); DIGEST, NEGOTIATE and NTLM are not implemented"
                ),
            )),
            _ => Err(wrong("ProxyAuthScheme", v, "BASIC or NONE")),
        }
    }

    /// `FirewallType` and its server, port and credentials (`None`: no firewall).
    fn firewall(&self) -> SqlResult<Option<ProxyConfig>> {
        let kind = self
            .get("FirewallType")
            .map(|v| v.trim().to_ascii_uppercase())
            .unwrap_or_else(|| "NONE".to_string());
        let (scheme, default_port) = match kind.as_str() {
            "NONE" => {
                if self.get("FirewallServer").is_some() {
                    return Err(missing(
                        "FirewallType",
                        "FirewallServer is set (NONE would connect directly)",
                    ));
                }
                return Ok(None);
            }
            // A CONNECT proxy: every request goes through a tunnel.
            "TUNNEL" => ("http", 80),
            // SOCKS4 cannot carry a host name, so the name is resolved here (SOCKS4a
            // servers are not universal).
            "SOCKS4" => ("socks4", 1080),
            // socks5h: the firewall resolves the Kintone host name, since the machine
            // behind it often has no outside DNS, and local look-ups would tell the local
            // resolver which hosts are contacted past the firewall.
            "SOCKS5" => ("socks5h", 1080),
            _ => {
                return Err(wrong(
                    "FirewallType",
                    &kind,
                    "NONE, TUNNEL, SOCKS4 or SOCKS5",
                ))
            }
        };
        let because = format!("FirewallType is {kind}");
        let server = self
            .get("FirewallServer")
            .map(str::trim)
            .ok_or_else(|| missing("FirewallServer", &because))?;
        if server.contains("://") || server.contains('@') || server.contains('/') {
            return Err(wrong(
                "FirewallServer",
                server,
                "a host name or IP address (FirewallType gives the protocol, FirewallPort the \
                 port, FirewallUser and FirewallPassword the credentials)",
            ));
        }
        let port = match self.get("FirewallPort") {
            Some(p) => p
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| wrong("FirewallPort", p, "a port number"))?,
            None => default_port,
        };
        let (user, password) = self.credentials("FirewallUser", "FirewallPassword")?;
        if kind == "SOCKS4" && user.is_some() {
            return Err(SqlError::new(
                CONFIG,
                "connection property FirewallUser is not supported with FirewallType=SOCKS4 \
                 (this driver sends no SOCKS4 user id): use SOCKS5 for a firewall that \
                 authenticates",
            ));
        }
        Ok(Some(ProxyConfig::Url {
            url: format!("{scheme}://{server}:{port}"),
            user,
            password,
            exceptions: Vec::new(),
            tunnel_only: kind == "TUNNEL",
        }))
    }

    /// A user and password pair; a password without its user is refused rather than
    /// dropped.
    fn credentials(
        &self,
        user_key: &str,
        password_key: &str,
    ) -> SqlResult<(Option<String>, Option<Secret>)> {
        let user = self.get(user_key).map(str::to_string);
        let password = self.get(password_key).map(Secret::new);
        if user.is_none() && password.is_some() {
            return Err(missing(user_key, &format!("{password_key} is set")));
        }
        Ok((user, password))
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse_pairs;
    use super::*;
    use crate::properties::ConnectOptions;

    fn build(s: &str) -> SqlResult<ConnectOptions> {
        let mut p = Properties::default();
        p.extend(parse_pairs(s, ';')?)?;
        p.build()
    }

    fn proxy_of(extra: &str) -> SqlResult<ProxyConfig> {
        build(&format!(
            "Url=https://example.cybozu.com;User=u;Password=p;{extra}"
        ))
        .map(|o| o.settings.client.proxy)
    }

    fn err(extra: &str) -> SqlError {
        match proxy_of(extra) {
            Ok(p) => panic!("{extra}: accepted as {p:?}"),
            Err(e) => e,
        }
    }

    fn url(url: &str, user: Option<&str>, pw: Option<&str>) -> ProxyConfig {
        ProxyConfig::Url {
            url: url.into(),
            user: user.map(str::to_string),
            password: pw.map(Secret::new),
            exceptions: vec![],
            tunnel_only: false,
        }
    }

    #[test]
    fn proxy_server_port_and_basic_credentials() {
        assert_eq!(
            proxy_of("ProxyServer=proxy.corp;ProxyPort=3128;ProxyUser=pu;ProxyPassword=pp"),
            Ok(url("http://proxy.corp:3128", Some("pu"), Some("pp")))
        );
        assert_eq!(
            proxy_of("ProxyServer=http://proxy.corp/;ProxyAuthScheme=basic;ProxyUser=pu"),
            Ok(url("http://proxy.corp", Some("pu"), None))
        );
        let e = err("ProxyServer=proxy.corp;ProxyPassword=pp");
        assert!(e.message.contains("'ProxyUser'"), "{}", e.message);
        assert!(!e.message.contains("pp"), "{}", e.message);
        let e = err("ProxyServer=http://pu:secretZZ@proxy.corp");
        assert!(
            e.message.contains("ProxyUser and ProxyPassword") && !e.message.contains("secretZZ"),
            "{}",
            e.message
        );
    }

    #[test]
    fn auto_detect_decides_between_environment_direct_and_proxy_server() {
        // Unset: the environment's proxy, as before these properties existed.
        assert_eq!(proxy_of(""), Ok(ProxyConfig::System));
        assert_eq!(proxy_of("ProxyAutoDetect=true"), Ok(ProxyConfig::System));
        assert_eq!(
            proxy_of("ProxyAutoDetect=true;ProxyServer=proxy.corp;ProxyPort=8080"),
            Ok(ProxyConfig::System),
            "true overrides ProxyServer"
        );
        assert_eq!(proxy_of("ProxyAutoDetect=false"), Ok(ProxyConfig::None));
        assert_eq!(
            proxy_of("ProxyAutoDetect=false;ProxyServer=proxy.corp;ProxyPort=8080"),
            Ok(url("http://proxy.corp:8080", None, None))
        );
        let e = err("ProxyAutoDetect=maybe");
        assert!(
            e.message.contains("ProxyAutoDetect='maybe'"),
            "{}",
            e.message
        );
    }

    #[test]
    fn auth_scheme_none_sends_no_credentials_and_others_are_refused() {
        assert_eq!(
            proxy_of(
                "ProxyServer=p;ProxyPort=1;ProxyAuthScheme=NONE;ProxyUser=pu;ProxyPassword=pp"
            ),
            Ok(url("http://p:1", None, None))
        );
        for scheme in ["NTLM", "digest", "Negotiate"] {
            let e = err(&format!("ProxyServer=p;ProxyAuthScheme={scheme}"));
            assert_eq!(e.sqlstate, "08001");
            let m = &e.message;
            assert!(
                m.contains("ProxyAuthScheme=")
                    && m.contains(&scheme.to_ascii_uppercase())
                    && m.contains("BASIC")
                    && m.contains("NONE")
                    && m.contains("not supported"),
                "{m}"
            );
        }
        let e = err("ProxyServer=p;ProxyAuthScheme=KERBEROS");
        assert!(
            e.message.contains("expected BASIC or NONE"),
            "{}",
            e.message
        );
    }

    #[test]
    fn ssl_type_sets_the_scheme_to_the_proxy_or_tunnels_only() {
        assert_eq!(
            proxy_of("ProxyServer=p;ProxyPort=443;ProxySSLType=ALWAYS"),
            Ok(url("https://p:443", None, None))
        );
        assert_eq!(
            proxy_of("ProxyServer=p;ProxyPort=80;ProxySSLType=never"),
            Ok(url("http://p:80", None, None))
        );
        assert_eq!(
            proxy_of("ProxyServer=p;ProxyPort=80;ProxySSLType=TUNNEL"),
            Ok(ProxyConfig::Url {
                url: "http://p:80".into(),
                user: None,
                password: None,
                exceptions: vec![],
                tunnel_only: true
            })
        );
        let e = err("ProxyServer=http://p;ProxySSLType=ALWAYS");
        assert!(e.message.contains("disagree"), "{}", e.message);
        let e = err("ProxyServer=p;ProxySSLType=SOMETIMES");
        assert!(
            e.message.contains("AUTO") && e.message.contains("TUNNEL"),
            "{}",
            e.message
        );
        // A tunnel cannot carry an http:// URL's requests: refused at connect.
        let e = build("Url=http://127.0.0.1:9;User=u;Password=p;ProxyServer=p;ProxySSLType=TUNNEL")
            .map(|_| ())
            .unwrap_err();
        assert_eq!(e.sqlstate, "08001");
        assert!(
            e.message.contains("ProxySSLType=TUNNEL") && e.message.contains("https://"),
            "{}",
            e.message
        );
    }

    #[test]
    fn exceptions_are_split_on_semicolons_and_commas() {
        let Ok(ProxyConfig::Url { exceptions, .. }) =
            proxy_of("ProxyServer=p;ProxyExceptions={127.0.0.1; *.corp.example,intranet ;}")
        else {
            panic!("a proxy")
        };
        assert_eq!(exceptions, ["127.0.0.1", "*.corp.example", "intranet"]);
    }

    #[test]
    fn firewall_types_build_their_proxy_urls() {
        assert_eq!(
            proxy_of(
                "FirewallType=SOCKS5;FirewallServer=fw.corp;FirewallUser=fu;FirewallPassword=fp"
            ),
            Ok(url("socks5h://fw.corp:1080", Some("fu"), Some("fp")))
        );
        assert_eq!(
            proxy_of("FirewallType=socks4;FirewallServer=10.0.0.1;FirewallPort=9050"),
            Ok(url("socks4://10.0.0.1:9050", None, None))
        );
        assert_eq!(
            proxy_of("FirewallType=TUNNEL;FirewallServer=fw;FirewallUser=fu;FirewallPassword=fp"),
            Ok(ProxyConfig::Url {
                url: "http://fw:80".into(),
                user: Some("fu".into()),
                password: Some(Secret::new("fp")),
                exceptions: vec![],
                tunnel_only: true
            })
        );
        assert_eq!(
            proxy_of("FirewallType=NONE;ProxyAutoDetect=false"),
            Ok(ProxyConfig::None)
        );
    }

    #[test]
    fn firewall_mistakes_are_refused_by_name() {
        for (extra, needle) in [
            ("FirewallType=SOCKS5", "'FirewallServer'"),
            ("FirewallServer=fw", "'FirewallType'"),
            (
                "FirewallType=SOCKS6;FirewallServer=fw",
                "FirewallType='SOCKS6'",
            ),
            (
                "FirewallType=SOCKS5;FirewallServer=fw;FirewallPort=0",
                "FirewallPort='0'",
            ),
            (
                "FirewallType=SOCKS5;FirewallServer=socks5://fw",
                "FirewallServer='socks5://fw'",
            ),
            (
                "FirewallType=SOCKS4;FirewallServer=fw;FirewallUser=fu",
                "FirewallType=SOCKS4",
            ),
            (
                "FirewallType=SOCKS5;FirewallServer=fw;FirewallPassword=fpZZ",
                "'FirewallUser'",
            ),
            (
                "FirewallType=SOCKS5;FirewallServer=fw;ProxyServer=p",
                "cannot chain",
            ),
            (
                "FirewallType=TUNNEL;FirewallServer=fw;ProxyAutoDetect=true",
                "ProxyAutoDetect=true",
            ),
        ] {
            let e = err(extra);
            assert_eq!(e.sqlstate, "08001", "{extra}");
            assert!(e.message.contains(needle), "{extra}: {}", e.message);
            assert!(!e.message.contains("fpZZ"), "{extra}: {}", e.message);
        }
    }

    #[test]
    fn firewall_password_is_a_secret() {
        assert!(super::super::is_secret("FirewallPassword"));
        assert!(super::super::is_secret("firewallpassword"));
        let mut p = Properties::default();
        p.extend([
            ("Url", "https://x.cybozu.com"),
            ("FirewallType", "SOCKS5"),
            ("FirewallServer", "fw"),
            ("FirewallUser", "fu"),
            ("FirewallPassword", "fw-SECRET"),
        ])
        .unwrap();
        assert!(!p.masked().contains("fw-SECRET"), "{}", p.masked());
        assert!(!format!("{p:?}").contains("fw-SECRET"));
        let o = p.build().map(|_| ()).unwrap_err();
        assert!(!o.message.contains("fw-SECRET"));
    }
}
