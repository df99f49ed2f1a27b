//! Small proxies for the proxy tests, on 127.0.0.1 only: an HTTP proxy (absolute-form
//! requests forwarded, CONNECT tunnelled, Basic credentials checked), a SOCKS5 proxy
//! (RFC 1928, username/password per RFC 1929) and a SOCKS4 one. Each records what it
//! carried. Every read of a client or upstream is bounded by a timeout, so a test that
//! goes wrong fails instead of hanging.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio::time::timeout;

const STEP: Duration = Duration::from_secs(10);

/// One request or connection a proxy handled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    /// `GET`, `POST`, `CONNECT` (HTTP), `SOCKS5`, `SOCKS4`.
    pub method: String,
    /// The absolute-form URL, the CONNECT authority, or the SOCKS `host:port`.
    pub target: String,
    /// The `Proxy-Authorization` header, or the SOCKS5 user name.
    pub auth: Option<String>,
    /// Whether the proxy let it through.
    pub accepted: bool,
    /// SOCKS5: whether the destination came as a domain name (remote DNS).
    pub by_name: bool,
}

pub type Log = Arc<Mutex<Vec<Carried>>>;

pub struct Proxy {
    pub port: u16,
    pub log: Log,
    task: JoinHandle<()>,
}

impl Proxy {
    pub fn carried(&self) -> Vec<Carried> {
        self.log.lock().unwrap().clone()
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn record(log: &Log, c: Carried) {
    log.lock().unwrap().push(c);
}

async fn serve<F, Fut>(handle: F) -> Proxy
where
    F: Fn(TcpStream, Log) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Log = Arc::default();
    let l = log.clone();
    let task = tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            tokio::spawn(handle(s, l.clone()));
        }
    });
    Proxy { port, log, task }
}

/// Reads up to the end of an HTTP head; returns the head and whatever followed it.
async fn read_head(s: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let rest = buf.split_off(i + 4);
            return Some((String::from_utf8_lossy(&buf).into_owned(), rest));
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = timeout(STEP, s.read(&mut chunk)).await.ok()?.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// Copies both ways until either side closes or nothing moves for a while.
async fn relay(mut a: TcpStream, mut b: TcpStream) {
    let _ = timeout(
        Duration::from_secs(30),
        tokio::io::copy_bidirectional(&mut a, &mut b),
    )
    .await;
}

/// An HTTP proxy. With `credentials`, it answers 407 unless `Proxy-Authorization` is
/// Basic with exactly them.
pub async fn http_proxy(credentials: Option<(&str, &str)>) -> Proxy {
    let expected = credentials.map(|(u, p)| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
        )
    });
    serve(move |s, log| http_client(s, log, expected.clone())).await
}

async fn http_client(mut client: TcpStream, log: Log, expected: Option<String>) {
    // One request per client connection: the upstream request says `Connection: close`,
    // and so does the answer the client gets.
    let Some((head, rest)) = read_head(&mut client).await else {
        return;
    };
    let mut parts = head.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    let auth = header(&head, "proxy-authorization").map(str::to_string);
    let accepted = expected.is_none() || auth == expected;
    record(
        &log,
        Carried {
            method: method.clone(),
            target: target.clone(),
            auth,
            accepted,
            by_name: false,
        },
    );
    if !accepted {
        let _ = client
            .write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"test\"\r\n\
                  Content-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await;
        return;
    }
    if method == "CONNECT" {
        let Ok(Ok(upstream)) = timeout(STEP, TcpStream::connect(target.as_str())).await else {
            let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
            return;
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        relay(client, upstream).await;
        return;
    }
    // Absolute form: http://host:port/path?query.
    let Some(after) = target.strip_prefix("http://") else {
        let _ = client.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        return;
    };
    let (authority, path) = match after.find('/') {
        Some(i) => (&after[..i], &after[i..]),
        None => (after, "/"),
    };
    let Ok(Ok(mut upstream)) = timeout(STEP, TcpStream::connect(authority)).await else {
        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
        return;
    };
    let mut out = format!("{method} {path} HTTP/1.1\r\n");
    for line in head.lines().skip(1).filter(|l| !l.is_empty()) {
        let name = line.split(':').next().unwrap_or("").trim();
        if ["proxy-authorization", "proxy-connection", "connection"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h))
        {
            continue;
        }
        out.push_str(line);
        out.push_str("\r\n");
    }
    out.push_str("Connection: close\r\n\r\n");
    let body_len: usize = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = rest;
    while body.len() < body_len {
        let mut chunk = vec![0u8; body_len - body.len()];
        match timeout(STEP, client.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => body.extend_from_slice(&chunk[..n]),
            _ => return,
        }
    }
    if upstream.write_all(out.as_bytes()).await.is_err() || upstream.write_all(&body).await.is_err()
    {
        return;
    }
    let mut answer = Vec::new();
    if timeout(Duration::from_secs(30), upstream.read_to_end(&mut answer))
        .await
        .is_err()
    {
        return;
    }
    let _ = client.write_all(&answer).await;
    let _ = client.shutdown().await;
}

async fn read_exact<R: AsyncRead + Unpin>(s: &mut R, n: usize) -> Option<Vec<u8>> {
    let mut b = vec![0u8; n];
    timeout(STEP, s.read_exact(&mut b)).await.ok()?.ok()?;
    Some(b)
}

async fn read_u8<R: AsyncRead + Unpin>(s: &mut R) -> Option<u8> {
    read_exact(s, 1).await.and_then(|b| b.first().copied())
}

/// A SOCKS5 proxy that requires username/password authentication with `credentials`.
pub async fn socks5_proxy(credentials: (&str, &str)) -> Proxy {
    let (u, p) = (credentials.0.to_string(), credentials.1.to_string());
    serve(move |s, log| socks5_client(s, log, u.clone(), p.clone())).await
}

async fn socks5_client(mut c: TcpStream, log: Log, user: String, password: String) {
    let _ = async {
        // Greeting: VER, NMETHODS, METHODS; 0x02 is username/password.
        if read_u8(&mut c).await? != 5 {
            return None;
        }
        let n = read_u8(&mut c).await?;
        let methods = read_exact(&mut c, n.into()).await?;
        if !methods.contains(&2) {
            c.write_all(&[5, 0xff]).await.ok()?;
            return None;
        }
        c.write_all(&[5, 2]).await.ok()?;
        // RFC 1929: VER 1, ULEN, UNAME, PLEN, PASSWD.
        if read_u8(&mut c).await? != 1 {
            return None;
        }
        let ulen = read_u8(&mut c).await?;
        let got_user =
            String::from_utf8_lossy(&read_exact(&mut c, ulen.into()).await?).into_owned();
        let plen = read_u8(&mut c).await?;
        let got_password =
            String::from_utf8_lossy(&read_exact(&mut c, plen.into()).await?).into_owned();
        let accepted = got_user == user && got_password == password;
        c.write_all(&[1, if accepted { 0 } else { 1 }]).await.ok()?;
        if !accepted {
            record(
                &log,
                Carried {
                    method: "SOCKS5".into(),
                    target: String::new(),
                    auth: Some(got_user),
                    accepted,
                    by_name: false,
                },
            );
            return None;
        }
        // Request: VER 5, CMD 1 (CONNECT), RSV, ATYP, DST.ADDR, DST.PORT.
        let head = read_exact(&mut c, 4).await?;
        if head.first() != Some(&5) || head.get(1) != Some(&1) {
            return None;
        }
        let (host, by_name) = match head.get(3)? {
            1 => {
                let a = read_exact(&mut c, 4).await?;
                (format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]), false)
            }
            3 => {
                let len = read_u8(&mut c).await?;
                let name = read_exact(&mut c, len.into()).await?;
                (String::from_utf8_lossy(&name).into_owned(), true)
            }
            _ => return None,
        };
        let p = read_exact(&mut c, 2).await?;
        let port = u16::from_be_bytes([p[0], p[1]]);
        let target = format!("{host}:{port}");
        record(
            &log,
            Carried {
                method: "SOCKS5".into(),
                target: target.clone(),
                auth: Some(got_user),
                accepted,
                by_name,
            },
        );
        let upstream = timeout(STEP, TcpStream::connect(target.as_str()))
            .await
            .ok()?
            .ok()?;
        c.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await.ok()?;
        relay(c, upstream).await;
        Some(())
    }
    .await;
}

/// A SOCKS4 proxy (no user id check).
pub async fn socks4_proxy() -> Proxy {
    serve(socks4_client).await
}

async fn socks4_client(mut c: TcpStream, log: Log) {
    let _ = async {
        // VER 4, CMD 1, DSTPORT, DSTIP, USERID, NUL.
        let head = read_exact(&mut c, 8).await?;
        if head[0] != 4 || head[1] != 1 {
            return None;
        }
        let port = u16::from_be_bytes([head[2], head[3]]);
        let target = format!("{}.{}.{}.{}:{port}", head[4], head[5], head[6], head[7]);
        let mut user = Vec::new();
        loop {
            match read_u8(&mut c).await? {
                0 => break,
                b if user.len() < 256 => user.push(b),
                _ => return None,
            }
        }
        record(
            &log,
            Carried {
                method: "SOCKS4".into(),
                target: target.clone(),
                auth: (!user.is_empty()).then(|| String::from_utf8_lossy(&user).into_owned()),
                accepted: true,
                by_name: false,
            },
        );
        let upstream = timeout(STEP, TcpStream::connect(target.as_str()))
            .await
            .ok()?
            .ok()?;
        c.write_all(&[0, 0x5a, 0, 0, 0, 0, 0, 0]).await.ok()?;
        relay(c, upstream).await;
        Some(())
    }
    .await;
}
