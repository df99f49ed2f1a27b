//! The desktop sign-in: listen on the loopback `CallbackURL`, open Kintone's consent page
//! in the browser, wait (bounded) for the redirect that carries the code, exchange it.
//!
//! Only the callback path with the right `state` counts. Anything else (a favicon, a
//! reload of an old page, a forged request) gets a short answer and the wait goes on,
//! so stray requests can neither break the sign-in nor slip in another code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::{Duration, Instant};

use kintone_api::oauth::{authorization_url, OAuthClient, TokenSet};
use kintone_api::{Client, Secret};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::browser;
use crate::error::{AuthError, AuthResult};

/// A request head larger than this is not a browser's redirect.
const MAX_HEAD: usize = 16 * 1024;
/// How long one connection may take to send its request.
const READ_WAIT: Duration = Duration::from_secs(10);

/// The loopback address and path the browser is sent back to.
#[derive(Clone, Debug)]
pub struct Callback {
    pub url: String,
    pub addrs: Vec<SocketAddr>,
    pub path: String,
}

impl Callback {
    /// Checks that `url` is an `http://` loopback URL with a port: only such a callback
    /// can be answered by a listener on this machine.
    pub fn parse(url: &str) -> AuthResult<Callback> {
        let bad = |why: &str| {
            AuthError::Config(format!(
                "CallbackURL '{url}' cannot be used for the desktop sign-in: {why} (for \
                 example http://localhost:33333); a web application's callback goes with \
                 the GetOAuthAuthorizationURL and GetOAuthAccessToken procedures"
            ))
        };
        let u = url::Url::parse(url.trim()).map_err(|_| bad("it is not a URL"))?;
        if u.scheme() != "http" {
            return Err(bad("it must be http:// on this machine"));
        }
        let port = u.port().unwrap_or(80);
        let addrs = match u.host() {
            Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => vec![
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port),
                SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port),
            ],
            Some(url::Host::Ipv4(a)) if a.is_loopback() => vec![SocketAddr::new(a.into(), port)],
            Some(url::Host::Ipv6(a)) if a.is_loopback() => vec![SocketAddr::new(a.into(), port)],
            _ => return Err(bad("its host must be localhost, 127.0.0.1 or [::1]")),
        };
        let path = if u.path().is_empty() { "/" } else { u.path() }.to_string();
        Ok(Callback {
            url: url.trim().to_string(),
            addrs,
            path,
        })
    }

    /// Binds every address of the callback; at least one must work.
    async fn listen(&self) -> AuthResult<Vec<TcpListener>> {
        let mut out = Vec::new();
        let mut first_err = None;
        for a in &self.addrs {
            match TcpListener::bind(a).await {
                Ok(l) => out.push(l),
                Err(e) => {
                    first_err.get_or_insert((*a, e));
                }
            }
        }
        match (out.is_empty(), first_err) {
            (true, Some((a, e))) => Err(AuthError::Config(format!(
                "cannot listen on {a} for the OAuth callback ({e}): another program (or \
                 another sign-in) uses that port; close it or change CallbackURL (and the \
                 redirect URL registered for the OAuth client)"
            ))),
            _ => Ok(out),
        }
    }
}

/// A fresh `state`: ties the redirect to this sign-in (RFC 6749 §10.12).
pub fn new_state() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// What the browser's redirect said.
enum Outcome {
    Code(Secret),
    Refused(String),
}

/// Runs the whole sign-in and returns the tokens.
pub async fn sign_in(
    client: &Client,
    app: &OAuthClient,
    callback: &Callback,
    scope: &str,
    wait: Duration,
) -> AuthResult<TokenSet> {
    // Fail before listening when there is no browser to open.
    let state = new_state();
    let url = authorization_url(
        client.base_url(),
        &app.client_id,
        &callback.url,
        scope,
        &state,
    );
    browser::command_for(&url)?;
    let listeners = callback.listen().await?;
    browser::open(&url)?;
    tracing::info!(
        "OAuth sign-in: waiting up to {}s for the browser",
        wait.as_secs()
    );
    let deadline = Instant::now() + wait;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(AuthError::Timeout(format!(
                "nobody completed the OAuth sign-in in the browser within {}s (the login \
                 timeout); try again, or {}",
                wait.as_secs(),
                browser::HEADLESS_OPTIONS
            )));
        }
        let accepted = tokio::time::timeout(left, accept_any(&listeners)).await;
        let Ok(Ok(mut stream)) = accepted else {
            continue;
        };
        let Some(target) = read_target(&mut stream).await else {
            continue;
        };
        match judge(&target, &callback.path, &state) {
            Verdict::NotOurs(status, text) => {
                respond(&mut stream, status, "Not the sign-in", text).await;
            }
            Verdict::Done(Outcome::Refused(why)) => {
                respond(
                    &mut stream,
                    200,
                    "Sign-in failed",
                    &format!("Kintone did not grant access ({why}). You can close this window."),
                )
                .await;
                return Err(AuthError::Denied(format!(
                    "the OAuth sign-in was refused in the browser: {why}"
                )));
            }
            Verdict::Done(Outcome::Code(code)) => {
                let result = client
                    .oauth_exchange_code(app, &code, &callback.url)
                    .await
                    .map_err(AuthError::from);
                match &result {
                    Ok(_) => {
                        respond(
                            &mut stream,
                            200,
                            "Signed in",
                            "kintone-odbc is signed in to Kintone. You can close this window.",
                        )
                        .await
                    }
                    Err(e) => {
                        respond(
                            &mut stream,
                            200,
                            "Sign-in failed",
                            &format!(
                            "The sign-in could not be completed: {e}. You can close this window."
                        ),
                        )
                        .await
                    }
                }
                return result;
            }
        }
    }
}

async fn accept_any(listeners: &[TcpListener]) -> std::io::Result<TcpStream> {
    let accepts = listeners.iter().map(|l| Box::pin(l.accept()));
    let (r, _, _) = futures_util::future::select_all(accepts).await;
    r.map(|(s, _)| s)
}

/// Reads the request line's target (`/path?query`), bounded in size and time.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let read = async {
        let mut chunk = [0u8; 2048];
        loop {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            buf.extend_from_slice(chunk.get(..n)?);
            if buf.windows(4).any(|w| w == b"\r\n\r\n") || buf.windows(2).any(|w| w == b"\n\n") {
                return Some(());
            }
            if buf.len() > MAX_HEAD {
                return None;
            }
        }
    };
    tokio::time::timeout(READ_WAIT, read).await.ok()??;
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?;
    let target = parts.next()?;
    (method == "GET").then(|| target.to_string())
}

enum Verdict {
    NotOurs(u16, &'static str),
    Done(Outcome),
}

fn judge(target: &str, path: &str, state: &str) -> Verdict {
    let (p, query) = target.split_once('?').unwrap_or((target, ""));
    if p != path {
        return Verdict::NotOurs(404, "Nothing here.");
    }
    let params: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    if get("state") != Some(state) {
        return Verdict::NotOurs(
            400,
            "This answer does not belong to the sign-in in progress and was ignored. \
             Finish the sign-in in the window kintone-odbc opened last.",
        );
    }
    if let Some(e) = get("error") {
        let why = match get("error_description") {
            Some(d) => format!("{e}: {d}"),
            None => e.to_string(),
        };
        return Verdict::Done(Outcome::Refused(why));
    }
    match get("code").filter(|c| !c.is_empty()) {
        Some(c) => Verdict::Done(Outcome::Code(Secret::new(c))),
        None => Verdict::NotOurs(400, "The answer carries no code; it was ignored."),
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        _ => "Not Found",
    };
    let body = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>kintone-odbc: {t}</title></head>\
         <body><h1>{t}</h1><p id=\"result\">{x}</p></body></html>\n",
        t = escape(title),
        x = escape(text)
    );
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let send = async {
        stream.write_all(head.as_bytes()).await?;
        stream.write_all(body.as_bytes()).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(READ_WAIT, send).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_must_be_loopback_http() {
        let c = Callback::parse("http://localhost:33333").unwrap();
        assert_eq!(c.path, "/");
        assert_eq!(c.addrs.len(), 2);
        let c = Callback::parse("http://127.0.0.1:5000/cb").unwrap();
        assert_eq!(c.path, "/cb");
        for bad in ["https://localhost:1", "http://example.com:80/", "nope"] {
            let e = Callback::parse(bad).unwrap_err().to_string();
            assert!(e.contains(bad), "{e}");
        }
    }

    #[test]
    fn only_the_callback_with_our_state_counts() {
        assert!(matches!(
            judge("/favicon.ico", "/", "s1"),
            Verdict::NotOurs(404, _)
        ));
        assert!(matches!(
            judge("/?code=abc&state=old", "/", "s1"),
            Verdict::NotOurs(400, _)
        ));
        assert!(matches!(
            judge("/?code=abc", "/", "s1"),
            Verdict::NotOurs(400, _)
        ));
        assert!(matches!(
            judge("/?error=access_denied&state=s1", "/", "s1"),
            Verdict::Done(Outcome::Refused(w)) if w == "access_denied"
        ));
        assert!(matches!(
            judge("/?code=abc&state=s1", "/", "s1"),
            Verdict::Done(Outcome::Code(c)) if c.expose() == "abc"
        ));
    }
}

/// The code from what a user pasted on a headless machine: the whole address the
/// browser was sent to (its `state` must then be `state`), or the code alone.
pub fn code_from_pasted(pasted: &str, state: &str) -> AuthResult<Secret> {
    let text = pasted.trim();
    if text.is_empty() {
        return Err(AuthError::Config("nothing was pasted".into()));
    }
    let Some((_, query)) = text.split_once('?') else {
        if text.contains('=') || text.contains('/') || text.contains(char::is_whitespace) {
            return Err(AuthError::Config(
                "what was pasted is neither the redirect address nor a code".into(),
            ));
        }
        return Ok(Secret::new(text));
    };
    let query = query.split('#').next().unwrap_or_default();
    match judge(&format!("/?{query}"), "/", state) {
        Verdict::Done(Outcome::Code(c)) => Ok(c),
        Verdict::Done(Outcome::Refused(why)) => Err(AuthError::Denied(format!(
            "the OAuth sign-in was refused in the browser: {why}"
        ))),
        Verdict::NotOurs(_, _) => Err(AuthError::Config(
            "the pasted address does not answer this sign-in (its state differs, or it has \
             no code): use the address of the page the browser reached after Allow"
                .into(),
        )),
    }
}

#[cfg(test)]
mod paste_tests {
    use super::*;

    #[test]
    fn pasted_address_or_code() {
        let c = code_from_pasted(" http://localhost:33333/?code=abc&state=s1 \n", "s1").unwrap();
        assert_eq!(c.expose(), "abc");
        assert_eq!(code_from_pasted("abc123", "s1").unwrap().expose(), "abc123");
        assert!(code_from_pasted("http://localhost:33333/?code=abc&state=s2", "s1").is_err());
        assert!(matches!(
            code_from_pasted("http://x/?error=access_denied&state=s1", "s1"),
            Err(AuthError::Denied(_))
        ));
        assert!(code_from_pasted("", "s1").is_err());
        assert!(code_from_pasted("a b", "s1").is_err());
    }
}
