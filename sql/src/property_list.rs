//! The one list of connection properties (CData's names, peers-and-bi-tools.md §1.2).
//!
//! Everything that describes a property to a person comes from here: error messages
//! (`expects`), the `sys_connection_props` system table, `kintone-odbc dsn add --help`
//! and the README's property table (a test renders [`markdown`] and compares), so the
//! four cannot drift apart.

/// CData's grouping of properties; also the README's sub-headings, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Connection,
    Authentication,
    OAuth,
    Ssl,
    Proxy,
    Firewall,
    Logging,
    Schema,
    Miscellaneous,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Connection,
        Category::Authentication,
        Category::OAuth,
        Category::Ssl,
        Category::Proxy,
        Category::Firewall,
        Category::Logging,
        Category::Schema,
        Category::Miscellaneous,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Connection => "Connection",
            Category::Authentication => "Authentication",
            Category::OAuth => "OAuth",
            Category::Ssl => "SSL",
            Category::Proxy => "Proxy",
            Category::Firewall => "Firewall",
            Category::Logging => "Logging",
            Category::Schema => "Schema",
            Category::Miscellaneous => "Miscellaneous",
        }
    }
}

/// One documented property.
#[derive(Debug)]
pub struct Property {
    pub name: &'static str,
    pub category: Category,
    /// Whether the value is a secret: masked in output strings, logs and messages.
    pub secret: bool,
    /// The value used when the property is not given, in words ("" = none).
    pub default: &'static str,
    /// What is expected, for error messages (short).
    pub expects: &'static str,
    /// What the property does, for people: the README, `--help`, `sys_connection_props`.
    pub meaning: &'static str,
}

impl Property {
    /// `sys_connection_props.Type`, in CData's words.
    pub fn kind(&self) -> &'static str {
        if self.secret {
            "password"
        } else if self.expects.starts_with("true or false") {
            "bool"
        } else {
            "string"
        }
    }
}

const fn p(
    category: Category,
    name: &'static str,
    secret: bool,
    default: &'static str,
    expects: &'static str,
    meaning: &'static str,
) -> Property {
    Property {
        name,
        category,
        secret,
        default,
        expects,
        meaning,
    }
}

use Category::*;

/// Every property the driver accepts, by category in documentation order.
pub const PROPERTIES: &[Property] = &[
    p(Connection, "Url", false, "",
        "the Kintone base URL, e.g. https://example.cybozu.com",
        "Kintone base URL (`https://sub.cybozu.com`, `.kintone.com`, `.cybozu.cn`, `.s.` hosts for client certificates); a bare subdomain (`sub` = `https://sub.cybozu.com`) and a page URL pasted from the browser (`https://sub.cybozu.com/k/12/`, reduced to its domain) are accepted"),
    p(Connection, "Schema", false, "Kintone",
        "Kintone (apps as tables) or CybozuUser (the User API's users, organizations and groups)",
        "`Kintone`: the apps as tables (`REST`, CData's older name, is accepted); `CybozuUser`: the cybozu.com User API as the views `Users`, `UserDepartments`, `UserGroups`, `Organizations` and `Groups` (`USER` is accepted), with password authentication only"),
    p(Connection, "GuestSpaceId", false, "",
        "a guest space id (a positive number)",
        "work inside this guest space (requests go to `/k/guest/<id>/v1/`)"),
    p(Connection, "Timeout", false, "60",
        "seconds one request may take in all, retries included (default 60, 0 = no limit)",
        "seconds one ODBC call may wait for Kintone in all, retries, backoff and the whole answer included (0 = no limit); `HYT00` names it when it expires. `SQL_ATTR_QUERY_TIMEOUT` (`HYT00`), `SQL_ATTR_CONNECTION_TIMEOUT` (`HYT01`) and `SQL_ATTR_LOGIN_TIMEOUT` bound a call the same way; the tightest wins and the error says which"),
    p(Authentication, "AuthScheme", false, "Password",
        "Password, APIToken or OAuth",
        "`Password`, `APIToken` or `OAuth`"),
    p(Authentication, "User", false, "",
        "the Kintone login name",
        "the Kintone login name (ODBC's `UID` is accepted too)"),
    p(Authentication, "Password", true, "",
        "the Kintone password",
        "its password (ODBC's `PWD` is accepted too)"),
    p(Authentication, "APIToken", true, "",
        "API tokens, comma-separated, one per app of AppId",
        "API tokens, comma-separated, one per app of `AppId` in the same order"),
    p(Authentication, "AppId", false, "",
        "app ids, comma-separated (with APIToken)",
        "the apps of the API tokens, comma-separated"),
    p(Authentication, "BasicAuthUser", false, "",
        "the user of the domain's Basic authentication",
        "the user of the domain's extra Basic-authentication layer"),
    p(Authentication, "BasicAuthPassword", true, "",
        "the password of the domain's Basic authentication",
        "its password"),
    p(OAuth, "InitiateOAuth", false, "OFF",
        "OFF, GETANDREFRESH or REFRESH",
        "`OFF`: use `OAuthAccessToken` as given (with none, a connection with `OAuthClientId` and `OAuthClientSecret` runs only the OAuth procedures); `GETANDREFRESH`: stored tokens, else sign in with the browser; `REFRESH`: stored or given tokens, never a browser (see OAuth)"),
    p(OAuth, "OAuthClientId", false, "",
        "the OAuth client id registered in Kintone",
        "the OAuth client registered in Kintone (cybozu.com common administration → OAuth)"),
    p(OAuth, "OAuthClientSecret", true, "",
        "the OAuth client secret",
        "its client secret"),
    p(OAuth, "CallbackURL", false, "http://localhost:33333",
        "the OAuth redirect URL registered for the client",
        "the client's redirect endpoint; the desktop sign-in listens there, so it must be a loopback `http://` URL with a port"),
    p(OAuth, "OAuthAccessToken", true, "",
        "an OAuth access token",
        "an access token obtained elsewhere (e.g. from `GetOAuthAccessToken`)"),
    p(OAuth, "OAuthRefreshToken", true, "",
        "an OAuth refresh token",
        "a refresh token obtained elsewhere"),
    p(OAuth, "OAuthExpiresIn", false, "",
        "the lifetime in seconds of the given OAuthAccessToken",
        "the lifetime in seconds of the given `OAuthAccessToken`"),
    p(OAuth, "OAuthTokenTimestamp", false, "",
        "when the given OAuthAccessToken was obtained (milliseconds since 1970)",
        "when the given `OAuthAccessToken` was obtained (milliseconds since 1970)"),
    p(OAuth, "OAuthSettingsLocation", false, "a file in the user's config folder",
        "the file where OAuth tokens are kept",
        "where tokens are kept: a file (default `~/.config/kintone-odbc/OAuthSettings.txt` on Linux, `~/Library/Application Support/kintone-odbc/OAuthSettings.txt` on macOS), `keyring://NAME` (the OS keyring), or `memory://` (this process only)"),
    p(OAuth, "OAuthVerifier", true, "",
        "the authorization code from the consent page",
        "the `code` of a redirect, copied from another machine (headless option 1)"),
    p(OAuth, "Scope", false, "k:app_record:read k:app_record:write k:app_settings:read k:file:read k:file:write",
        "OAuth scopes, space-separated",
        "Kintone OAuth scopes, space-separated"),
    p(Ssl, "SSLClientCert", false, "",
        "a client certificate file (PKCS#12 or PEM)",
        "a client certificate file (for Secure Access `.s.` hosts)"),
    p(Ssl, "SSLClientCertType", false, "PFXFILE",
        "PFXFILE (PKCS#12) or PEMKEY_FILE (PEM certificate and key)",
        "`PFXFILE` (PKCS#12) or `PEMKEY_FILE` (certificate and key in one PEM file)"),
    p(Ssl, "SSLClientCertSubject", false, "*",
        "the certificate subject to use ('*' = the first)",
        "which certificate of the file to use, by subject (`*`: the first)"),
    p(Ssl, "SSLClientCertPassword", true, "",
        "the password of the PKCS#12 client certificate",
        "the password of the PKCS#12 file"),
    p(Ssl, "SSLServerCert", false, "",
        "a PEM file of extra CA certificates to trust (each also accepted as the server's own)",
        "a PEM file of extra CA certificates to trust; a certificate in it is also accepted as the server's own (pinning a self-signed server)"),
    p(Proxy, "ProxyAutoDetect", false, "",
        "true (the proxy of the environment: HTTPS_PROXY, NO_PROXY) or false",
        "`true`: the environment's proxy (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`; never for a loopback `Url`), even when `ProxyServer` is set; `false`: `ProxyServer`, or no proxy at all without one. Unset: `ProxyServer` if given, else the environment's proxy"),
    p(Proxy, "ProxyServer", false, "",
        "the proxy host name or URL",
        "an HTTP proxy for every request, loopback hosts included (a host name, or a URL `http://host`, `https://host`)"),
    p(Proxy, "ProxyPort", false, "80 (443 for an https proxy)",
        "the proxy port",
        "its port"),
    p(Proxy, "ProxyAuthScheme", false, "BASIC",
        "BASIC (the default) or NONE",
        "`BASIC`: `ProxyUser` and `ProxyPassword` are sent as `Proxy-Authorization: Basic`, to the proxy only; `NONE`: nothing is sent, even with `ProxyUser` set. `DIGEST`, `NEGOTIATE` and `NTLM` are not supported: refused at connect (`08001`)"),
    p(Proxy, "ProxyUser", false, "",
        "the proxy user",
        "the proxy's user"),
    p(Proxy, "ProxyPassword", true, "",
        "the proxy password",
        "its password (a password without a user is refused)"),
    p(Proxy, "ProxySSLType", false, "AUTO",
        "AUTO, ALWAYS, NEVER or TUNNEL",
        "`AUTO`: a plain connection to the proxy, or TLS with `ProxyServer=https://...`; https requests go through a CONNECT tunnel, http ones are forwarded. `ALWAYS`: TLS to the proxy. `NEVER`: a plain connection to the proxy (https requests are still tunnelled, TLS with Kintone being end to end). `TUNNEL`: CONNECT tunnels only; refused with an `http://` `Url`, whose requests cannot be tunnelled"),
    p(Proxy, "ProxyExceptions", false, "",
        "hosts, domains or IP addresses reached without the proxy, separated by ';' or ','",
        "hosts reached without `ProxyServer`, separated by `;` (in braces in a connection string: `ProxyExceptions={intranet.example;10.0.0.0/8}`) or `,`: a name also matches its subdomains (`*.example.com` and `.example.com` mean the same), IP addresses, CIDR ranges, `*` for all. With `ProxyAutoDetect=true`, `NO_PROXY` applies instead"),
    p(Firewall, "FirewallType", false, "NONE",
        "NONE, TUNNEL, SOCKS4 or SOCKS5",
        "connect through a firewall instead of a proxy: `NONE`; `TUNNEL` (an HTTP CONNECT proxy with Basic credentials; https `Url` only); `SOCKS4` (the Kintone host is resolved locally; no user id, so `FirewallUser` is refused); `SOCKS5` (user name and password per RFC 1929; the firewall resolves the Kintone host name). A firewall together with `ProxyServer` or `ProxyAutoDetect=true` is refused at connect"),
    p(Firewall, "FirewallServer", false, "",
        "the host name or IP address of the firewall (proxy)",
        "the firewall's host name or IP address"),
    p(Firewall, "FirewallPort", false, "80 for TUNNEL, 1080 for SOCKS",
        "the firewall port (default 80 for TUNNEL, 1080 for SOCKS)",
        "its port"),
    p(Firewall, "FirewallUser", false, "",
        "the firewall user",
        "the firewall's user (`TUNNEL`, `SOCKS5`)"),
    p(Firewall, "FirewallPassword", true, "",
        "the firewall password",
        "its password"),
    p(Logging, "Logfile", false, "",
        "a log file path",
        "the log file, readable by its owner only (see Logging)"),
    p(Logging, "Verbosity", false, "1",
        "a log level from 1 to 5",
        "the log level, 1-5; secrets are masked at every level"),
    p(Logging, "LogModules", false, "",
        "log modules, separated by ';' or ',': INFO, EXEC, FUNC, META, HTTP, SSL, TCP",
        "the only modules logged, separated by `;` or `,`: `INFO`, `EXEC`, `FUNC`, `META`, `HTTP`, `SSL`, `TCP`"),
    p(Logging, "MaxLogFileSize", false, "100MB",
        "a size at which the log rotates: bytes, or a number with KB, MB or GB (default 100MB, at least 100KB)",
        "the size at which the log rotates: bytes, or a number with `KB`, `MB`, `GB` (at least 100 KB)"),
    p(Logging, "MaxLogFileCount", false, "0 (no limit)",
        "the most log files kept, the current one included (at least 2; 0 or negative = no limit, the default)",
        "the most log files kept, the current one included (at least 2; 0 or negative: no limit)"),
    p(Schema, "UseCodeForFieldName", false, "false",
        "true or false",
        "column (and child table) names are field codes instead of labels"),
    p(Schema, "SubtableSeparatorCharacter", false, "_",
        "the text between app and subtable names",
        "the text between the app's and the subtable's names in a child table's name"),
    p(Schema, "CheckForSubtablesIn", false, "*",
        "apps (names or ids, comma-separated) or *",
        "the apps (names or ids, comma-separated) whose subtables become child tables; `*`: all"),
    p(Schema, "NumberMapToDouble", false, "false",
        "true or false",
        "NUMBER and numeric CALC fields are DOUBLE instead of exact DECIMAL"),
    p(Schema, "MultiValueSeparator", false, ",",
        "the text joining multi-value items",
        "the text joining the items of check boxes, multi-selects, categories and user, organization and group selections"),
    p(Schema, "UseSimpleNames", false, "false",
        "true or false",
        "table and column names keep only ASCII letters, digits and `_`; every other character becomes `_` (a name left without a letter or digit takes the field code's, then `Field`; collisions get the usual suffix)"),
    p(Schema, "AllowSpecialCharacters", false, "false",
        "true or false",
        "names keep `.`, `\"`, `` ` ``, `[`, `]` and control characters, which otherwise become `_` (they break the quoting of many tools)"),
    p(Schema, "Tables", false, "",
        "table names, comma-separated",
        "the only app and child tables the connection lists, reads forms of and queries (names, any case, comma-separated); on a domain with hundreds of apps, connecting and `SQLTables` then read nothing of the others"),
    p(Schema, "Views", false, "",
        "view names, comma-separated",
        "the only views (those of `Schema=CybozuUser` and of `UserDefinedViews`) the connection lists and queries (names, any case, comma-separated)"),
    p(Schema, "UserDefinedViews", false, "",
        "a JSON file of views: {\"Name\": {\"query\": \"SELECT ...\"}}",
        "a JSON file of named queries, `{\"ActiveCustomers\": {\"query\": \"SELECT * FROM Customers WHERE Status = 'Active'\"}}`, each a view; the queries are checked at connect (an error names the view), and filters on a view still go to Kintone"),
    p(Schema, "Location", false, "",
        "a folder for relative Logfile and UserDefinedViews paths",
        "the folder relative `Logfile` and `UserDefinedViews` paths are taken in (no schema files: tables always come from Kintone)"),
    p(Schema, "UseUnitForNumericField", false, "false",
        "true or false",
        "a NUMBER (or numeric CALC) field with a unit is text with the unit where the form shows it (`¥1000`, `12.5kg`; SQLColumns' REMARKS name the unit); filters and sorts on it are then done locally, and writes take the number with or without the unit"),
    p(Schema, "BrowsableSchemas", false, "",
        "schema names, comma-separated: public, sys",
        "the schemas whose tables `SQLTables` and `sys_tables` list: `public` (apps and views) and `sys` (system tables), comma-separated"),
    p(Miscellaneous, "UseCursor", false, "true",
        "true or false",
        "allow Kintone's cursor API for large ordered reads (never under OAuth)"),
    p(Miscellaneous, "MaxRows", false, "-1",
        "the most rows a query returns (-1 or 0 = no limit)",
        "the most rows a query returns (-1 or 0: all)"),
    p(Miscellaneous, "Pagesize", false, "500",
        "records per request, 1 to 500",
        "records per request, 1-500"),
    p(Miscellaneous, "ScrollCacheMB", false, "1024",
        "the most memory in MB one scrollable cursor keeps its rows in (default 1024)",
        "the most memory in MB one scrollable cursor keeps its rows in; past it a move that needs more rows is `HY001` naming it"),
    p(Miscellaneous, "Pushdown", false, "true",
        "true or false (false reads everything and filters locally)",
        "send filters, sorts and limits to Kintone; `false` reads every record and does all the work locally"),
    p(Miscellaneous, "ReadOnly", false, "false",
        "true or false (true refuses INSERT, UPDATE, DELETE and write procedures)",
        "`true` refuses every INSERT, UPDATE, DELETE and write procedure before anything is sent (`25006`); `SQLGetInfo(SQL_DATA_SOURCE_READ_ONLY)` follows it"),
    p(Miscellaneous, "Other", false, "",
        "hidden options as key=value pairs separated by ';'",
        "more of these properties as `key=value;...` (in braces in a connection string)"),
];

/// The README's property tables: a sub-heading and a table per category.
pub fn markdown() -> String {
    let mut out = String::new();
    for c in Category::ALL {
        let props: Vec<&Property> = PROPERTIES.iter().filter(|p| p.category == c).collect();
        if props.is_empty() {
            continue;
        }
        out.push_str(&format!(
            "\n#### {}\n\n| Property | Default | Meaning |\n|---|---|---|\n",
            c.name()
        ));
        for p in props {
            let default = if p.default.is_empty() {
                String::new()
            } else {
                format!("`{}`", p.default)
            };
            let secret = if p.secret { " (secret)" } else { "" };
            out.push_str(&format!(
                "| `{}` | {default} | {}{secret} |\n",
                p.name,
                p.meaning.replace('|', "\\|")
            ));
        }
    }
    out
}

/// The property list for `--help`: plain text, a paragraph per category.
pub fn help_text() -> String {
    let mut out = String::from("Connection properties (KEY=VALUE; keys in any case):\n");
    for c in Category::ALL {
        out.push_str(&format!("\n{}:\n", c.name()));
        for p in PROPERTIES.iter().filter(|p| p.category == c) {
            let default = if p.default.is_empty() {
                String::new()
            } else {
                format!(" [default: {}]", p.default)
            };
            let secret = if p.secret { " (secret)" } else { "" };
            out.push_str(&format!(
                "  {}{secret}{default}\n      {}\n",
                p.name,
                p.meaning.replace('`', "")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_property_is_described_once() {
        let mut seen = std::collections::HashSet::new();
        for p in PROPERTIES {
            assert!(seen.insert(p.name.to_ascii_lowercase()), "{} twice", p.name);
            assert!(!p.meaning.trim().is_empty(), "{} has no meaning", p.name);
            assert!(!p.expects.trim().is_empty(), "{} has no expects", p.name);
        }
    }

    /// The README's property tables are this list rendered: run with
    /// `UPDATE_README=1` to rewrite them after changing the list.
    #[test]
    fn readme_property_table_is_the_list() {
        const BEGIN: &str = "<!-- properties: generated from sql/src/property_list.rs -->\n";
        const END: &str = "<!-- end of properties -->";
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
        let readme = std::fs::read_to_string(&path).unwrap();
        let start = readme
            .find(BEGIN)
            .expect("README lacks the properties marker")
            + BEGIN.len();
        let end = start
            + readme[start..]
                .find(END)
                .expect("README lacks the end marker");
        let want = markdown();
        if std::env::var_os("UPDATE_README").is_some() {
            let new = format!("{}{want}{}", &readme[..start], &readme[end..]);
            std::fs::write(&path, new).unwrap();
            return;
        }
        assert_eq!(
            readme[start..end],
            want,
            "README's property table differs from sql/src/property_list.rs; \
             UPDATE_README=1 cargo test rewrites it"
        );
    }
}
