//! The HTTP core: one `Client` per connection, auth headers, GET parameter encoding with
//! the method-override switch (§2.3), the shared concurrency budget, and retries.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::Method;
use serde_json::Value;
use tokio::sync::OwnedSemaphorePermit;
use tracing::instrument::{Instrument, WithSubscriber};
use tracing::Level;

use crate::budget::{self, Budget};
use crate::config::{Auth, AuthKind, ClientConfig};
use crate::error::{Error, RequestContext, Result, TimeoutLimit};
use crate::retry::{verdict, Attempt, RetryPolicy, Safety, Verdict};
use crate::secret::Secret;
use crate::targets::{BODY_LIMIT, EXEC, HTTP, TCP};
use crate::url::{api_path, user_api_path, BaseUrl};

/// GET URLs longer than this go out as POST + `X-HTTP-Method-Override: GET` (§2.3; the
/// JS SDK's threshold).
pub const MAX_GET_URL: usize = 4096;

/// Characters left as they are in query strings (RFC 3986 unreserved).
const QUERY_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A Kintone client for one domain. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    pub(crate) base: BaseUrl,
    pub(crate) guest_space_id: Option<u64>,
    pub(crate) auth: Auth,
    basic_header: Option<HeaderValue>,
    pub(crate) retry: RetryPolicy,
    pub(crate) budget: Arc<Budget>,
    request_timeout: Duration,
    pub(crate) use_cursor: bool,
    /// Set when the server refused the cursor API itself (404/403/405/501: a proxy, an
    /// emulator, a plan without it): later reads go straight to the other strategies.
    pub(crate) cursor_refused: std::sync::atomic::AtomicBool,
    pub(crate) cursor_wait: Duration,
    accept_language: Option<String>,
    log: Option<tracing::Dispatch>,
    /// The proxy requests go through, as error messages name it (no credentials).
    proxy: Option<String>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.inner.base.origin())
            .field("guest_space_id", &self.inner.guest_space_id)
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

/// Which `/k/guest/{id}/` prefix a call's path takes (§1.2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GuestPath {
    /// The connection's `GuestSpaceId`, if it has one.
    #[default]
    Connection,
    /// Never a guest path (`guests.json` exists only as `/k/v1/`).
    Never,
    /// This guest space's path, whatever the connection's (`space/guests.json`).
    Space(u64),
}

/// One API call.
#[derive(Clone)]
pub struct Call {
    pub method: Method,
    /// `records`, `app/form/fields` ... (or `users` for the User API).
    pub api: String,
    pub preview: bool,
    /// cybozu.com User API (`/v1/...`).
    pub user_api: bool,
    /// Parameters: a JSON object. GET/DELETE put them in the query string, others in the body.
    pub params: Value,
    /// The app the call is about (token choice, error messages).
    pub app: Option<u64>,
    pub safety: Safety,
    pub guest: GuestPath,
}

/// Shows the parameters with every `password` member masked (a new guest's password
/// travels in `guests.json`'s body).
impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        fn masked(v: &Value) -> Value {
            match v {
                Value::Object(m) => Value::Object(
                    m.iter()
                        .map(|(k, x)| {
                            let x = if k.eq_ignore_ascii_case("password") {
                                Value::String("***".into())
                            } else {
                                masked(x)
                            };
                            (k.clone(), x)
                        })
                        .collect(),
                ),
                Value::Array(a) => Value::Array(a.iter().map(masked).collect()),
                other => other.clone(),
            }
        }
        f.debug_struct("Call")
            .field("method", &self.method)
            .field("api", &self.api)
            .field("preview", &self.preview)
            .field("user_api", &self.user_api)
            .field("params", &masked(&self.params))
            .field("app", &self.app)
            .field("safety", &self.safety)
            .field("guest", &self.guest)
            .finish()
    }
}

impl Call {
    pub fn get(api: &str, params: Value) -> Call {
        Call {
            method: Method::GET,
            api: api.to_string(),
            preview: false,
            user_api: false,
            params,
            app: None,
            safety: Safety::Read,
            guest: GuestPath::Connection,
        }
    }

    pub fn write(method: Method, api: &str, params: Value, sent: impl Into<String>) -> Call {
        Call {
            method,
            api: api.to_string(),
            preview: false,
            user_api: false,
            params,
            app: None,
            safety: Safety::Write { sent: sent.into() },
            guest: GuestPath::Connection,
        }
    }

    pub fn app(mut self, app: u64) -> Call {
        self.app = Some(app);
        self
    }

    pub fn preview(mut self, preview: bool) -> Call {
        self.preview = preview;
        self
    }

    pub fn idempotent(mut self) -> Call {
        self.safety = Safety::Idempotent;
        self
    }

    pub fn guest_path(mut self, guest: GuestPath) -> Call {
        self.guest = guest;
        self
    }
}

/// A JSON answer.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub body: Value,
    /// `X-Cybozu-Warning` (e.g. a `like` filter aborted at 100,000 matches, §2.5).
    pub warning: Option<String>,
}

/// Flattens JSON parameters into `a=1&fields[0]=x&updateKey[field]=y` (§2.2).
pub fn encode_query(params: &Value) -> String {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Null => {}
            Value::Bool(b) => out.push(pair(prefix, if *b { "true" } else { "false" })),
            Value::Number(n) => out.push(pair(prefix, &n.to_string())),
            Value::String(s) => out.push(pair(prefix, s)),
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(&format!("{prefix}[{i}]"), x, out);
                }
            }
            Value::Object(o) => {
                for (k, x) in o {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}[{k}]")
                    };
                    walk(&key, x, out);
                }
            }
        }
    }
    fn pair(k: &str, v: &str) -> String {
        format!(
            "{}={}",
            utf8_percent_encode(k, QUERY_SET),
            utf8_percent_encode(v, QUERY_SET)
        )
    }
    let mut out = Vec::new();
    walk("", params, &mut out);
    out.join("&")
}

/// Picks the API tokens to send: the target app's first token, then one token per other
/// app (lookups and related records need them, §3.2), never two for one app
/// (GAIA_DA03), at most 9.
pub(crate) fn select_tokens(tokens: &[crate::config::ApiToken], app: Option<u64>) -> Vec<String> {
    let mut chosen: Vec<&crate::config::ApiToken> = Vec::new();
    let mut covered: Vec<u64> = Vec::new();
    if let Some(a) = app {
        if let Some(t) = tokens.iter().find(|t| t.app_ids.contains(&a)) {
            chosen.push(t);
            covered.extend(&t.app_ids);
        }
    }
    for t in tokens {
        if chosen.len() >= 9 {
            break;
        }
        if chosen.iter().any(|c| std::ptr::eq(*c, t)) {
            continue;
        }
        if t.app_ids.is_empty() || t.app_ids.iter().any(|a| !covered.contains(a)) {
            if t.app_ids.iter().any(|a| covered.contains(a)) {
                // Would be a second token for an app already covered.
                continue;
            }
            chosen.push(t);
            covered.extend(&t.app_ids);
        }
    }
    chosen
        .into_iter()
        .map(|t| t.token.expose().to_string())
        .collect()
}

fn header(value: &str) -> Result<HeaderValue> {
    // Never echo the value: it may be a secret.
    HeaderValue::from_str(value).map_err(|_| {
        Error::Config("a credential contains characters not allowed in HTTP headers".into())
    })
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client> {
        // The TLS set-up logs to the connection's log.
        let _log = config.log.as_ref().map(tracing::dispatcher::set_default);
        let base = BaseUrl::parse(&config.base_url)?;
        if config.basic_auth.is_some() && config.auth.kind() == AuthKind::OAuth {
            // Both use the Authorization header (§3.3); Kintone's behaviour is UNCONFIRMED.
            return Err(Error::Config(
                "a Basic authentication layer cannot be combined with OAuth (both use the \
                 Authorization header)"
                    .into(),
            ));
        }
        match &config.auth {
            Auth::ApiTokens(t) if t.is_empty() => {
                return Err(Error::Config(
                    "API token authentication needs at least one token".into(),
                ))
            }
            Auth::Password { user, .. } if user.is_empty() => {
                return Err(Error::Config(
                    "password authentication needs a user name".into(),
                ))
            }
            _ => {}
        }
        // The OS certificate store (some hundred files, ~4 ms of every connect) is read
        // only when a connection can be TLS at all: not for an http:// sandbox.
        let tls = crate::tls::client_config(
            config.extra_ca_file.as_deref(),
            config.client_cert.as_ref(),
            base.is_https() || crate::proxy::may_use_tls(&config.proxy, &base),
        )?;
        let mut builder = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .user_agent(config.user_agent.clone())
            // Every request carries credentials in headers that reqwest would copy to a
            // redirect target (even https -> http): a 3xx becomes an error instead.
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(50));
        if !config.request_timeout.is_zero() {
            // Calls have a deadline of their own; this bounds each read of a streamed
            // download, which the deadline does not cover.
            builder = builder.read_timeout(config.request_timeout);
        }
        let (builder, proxy) = crate::proxy::apply(builder, &config.proxy, &base)?;
        let http = builder
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let basic_header = match &config.basic_auth {
            Some(b) => {
                let enc = base64::engine::general_purpose::STANDARD.encode(format!(
                    "{}:{}",
                    b.user,
                    b.password.expose()
                ));
                let mut h = header(&format!("Basic {enc}"))?;
                h.set_sensitive(true);
                Some(h)
            }
            None => None,
        };
        let budget = budget::for_domain(&budget::domain_key(&base), config.concurrency);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                guest_space_id: config.guest_space_id,
                auth: config.auth,
                basic_header,
                retry: config.retry,
                budget,
                request_timeout: config.request_timeout,
                use_cursor: config.use_cursor,
                cursor_refused: std::sync::atomic::AtomicBool::new(false),
                cursor_wait: config.cursor_wait,
                accept_language: config.accept_language,
                log: config.log.clone(),
                proxy,
            }),
        })
    }

    pub fn base_url(&self) -> &BaseUrl {
        &self.inner.base
    }

    pub fn guest_space_id(&self) -> Option<u64> {
        self.inner.guest_space_id
    }

    pub fn auth_kind(&self) -> AuthKind {
        self.inner.auth.kind()
    }

    /// Whether reads may use cursors: configured on, and not OAuth (§3.8).
    pub fn cursors_allowed(&self) -> bool {
        self.inner.use_cursor
            && self.auth_kind() != AuthKind::OAuth
            && !self
                .inner
                .cursor_refused
                .load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn budget(&self) -> &Arc<Budget> {
        &self.inner.budget
    }

    /// The connection's log, for work that runs in tasks of its own.
    pub fn log_dispatch(&self) -> Option<&tracing::Dispatch> {
        self.inner.log.as_ref()
    }

    /// Runs `f` with the connection's log as its subscriber wherever it is polled (see
    /// [`ClientConfig::log`]); as it is when the connection has no log.
    pub(crate) async fn logged<F: std::future::Future>(&self, f: F) -> F::Output {
        match &self.inner.log {
            Some(d) => f.with_subscriber(d.clone()).await,
            None => f.await,
        }
    }

    pub(crate) fn context(&self, call: &Call) -> RequestContext {
        RequestContext {
            method: call.method.as_str().to_string(),
            api: call.api.clone(),
            app: call.app,
            auth: Some(self.inner.auth.kind()),
            user: match &self.inner.auth {
                Auth::Password { user, .. } => Some(user.clone()),
                _ => None,
            },
        }
    }

    fn path(&self, call: &Call) -> String {
        if call.user_api {
            return user_api_path(&call.api);
        }
        let guest = match call.guest {
            GuestPath::Connection => self.inner.guest_space_id,
            GuestPath::Never => None,
            GuestPath::Space(id) => Some(id),
        };
        api_path(guest, call.preview, &call.api)
    }

    /// The error for a request the proxy refused to carry.
    fn proxy_refusal(&self, ctx: &RequestContext) -> Error {
        Error::Proxy {
            context: ctx.clone(),
            proxy: self
                .inner
                .proxy
                .clone()
                .unwrap_or_else(|| "a proxy".to_string()),
            status: 407,
        }
    }

    /// The reqwest client, with this connection's TLS, proxy and redirect settings.
    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    /// The access token to send now, for a renewable OAuth token (`None` otherwise).
    async fn bearer(&self) -> Result<Option<Secret>> {
        match &self.inner.auth {
            Auth::OAuthManaged(Some(source)) => source.token(self).await.map(Some),
            Auth::OAuthManaged(None) => Err(Error::Config(
                "this connection has no OAuth access token (it is for the OAuth procedures): \
                 connect with OAuthAccessToken, or with InitiateOAuth=GETANDREFRESH (or \
                 REFRESH with a stored token)"
                    .into(),
            )),
            _ => Ok(None),
        }
    }

    /// After a 401: whether a renewed token is worth one more attempt.
    async fn renewed(&self, err: &Error, bearer: Option<&Secret>) -> Result<bool> {
        if err.status() != Some(401) {
            return Ok(false);
        }
        match (&self.inner.auth, bearer) {
            (Auth::OAuthManaged(Some(source)), Some(rejected)) => {
                let renewed = source.renew(self, rejected).await?;
                if renewed.is_some() {
                    tracing::info!(
                        target: crate::targets::INFO,
                        "the OAuth access token was refused; retrying with a renewed one"
                    );
                }
                Ok(renewed.is_some())
            }
            _ => Ok(false),
        }
    }

    fn auth_headers(&self, call: &Call, bearer: Option<&Secret>) -> Result<HeaderMap> {
        let mut h = HeaderMap::new();
        match &self.inner.auth {
            Auth::Password { user, password } => {
                let enc = base64::engine::general_purpose::STANDARD
                    .encode(format!("{user}:{}", password.expose()));
                let mut v = header(&enc)?;
                v.set_sensitive(true);
                h.insert("X-Cybozu-Authorization", v);
            }
            Auth::ApiTokens(tokens) => {
                let chosen = select_tokens(tokens, call.app);
                let mut v = header(&chosen.join(","))?;
                v.set_sensitive(true);
                h.insert("X-Cybozu-API-Token", v);
            }
            Auth::OAuth { access_token } => {
                let mut v = header(&format!("Bearer {}", access_token.expose()))?;
                v.set_sensitive(true);
                h.insert(reqwest::header::AUTHORIZATION, v);
            }
            Auth::OAuthManaged(_) => {
                if let Some(token) = bearer {
                    let mut v = header(&format!("Bearer {}", token.expose()))?;
                    v.set_sensitive(true);
                    h.insert(reqwest::header::AUTHORIZATION, v);
                }
            }
        }
        if let Some(b) = &self.inner.basic_header {
            h.insert(reqwest::header::AUTHORIZATION, b.clone());
        }
        if let Some(l) = &self.inner.accept_language {
            if let Ok(v) = HeaderValue::from_str(l) {
                h.insert(reqwest::header::ACCEPT_LANGUAGE, v);
            }
        }
        Ok(h)
    }

    /// The instant by which a call that starts now must be over (`None`: no limit).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        let t = self.inner.request_timeout;
        (!t.is_zero()).then(|| Instant::now() + t)
    }

    /// The configured limit of one call (zero: none).
    pub fn call_timeout(&self) -> Duration {
        self.inner.request_timeout
    }

    pub(crate) fn timeout_error(&self, call: &Call, ctx: &RequestContext) -> Error {
        let after = self.inner.request_timeout;
        match &call.safety {
            Safety::Write { sent } => Error::WriteOutcomeUnknown {
                context: ctx.clone(),
                sent: sent.clone(),
                cause: format!("no complete answer within {after:.0?}, the connection's Timeout"),
            },
            _ => Error::Timeout {
                context: ctx.clone(),
                after,
                limit: TimeoutLimit::Call,
            },
        }
    }

    /// Builds one attempt's request. Time limits are the caller's deadline.
    #[cfg(test)]
    fn build(&self, call: &Call) -> Result<reqwest::RequestBuilder> {
        self.build_with(call, None)
    }

    fn build_with(&self, call: &Call, bearer: Option<&Secret>) -> Result<reqwest::RequestBuilder> {
        let url = self.inner.base.join(&self.path(call));
        let headers = self.auth_headers(call, bearer)?;
        let has_params = call
            .params
            .as_object()
            .map(|o| !o.is_empty())
            .unwrap_or(false);
        let rb = if call.method == Method::GET || call.method == Method::DELETE {
            let q = if has_params {
                encode_query(&call.params)
            } else {
                String::new()
            };
            let full = if q.is_empty() {
                url.clone()
            } else {
                format!("{url}?{q}")
            };
            // The `fields` index is limited to 0..99 in a query string (§2.2).
            let many_fields = call
                .params
                .get("fields")
                .and_then(Value::as_array)
                .map(|a| a.len() > 100)
                .unwrap_or(false);
            if full.len() > MAX_GET_URL || many_fields {
                if call.method == Method::GET {
                    self.inner
                        .http
                        .post(&url)
                        .header("X-HTTP-Method-Override", "GET")
                        .json(&call.params)
                } else {
                    // DELETE takes a JSON body as well (§2.2).
                    self.inner.http.delete(&url).json(&call.params)
                }
            } else {
                self.inner.http.request(call.method.clone(), &full)
            }
        } else if has_params || call.method == Method::POST || call.method == Method::PUT {
            self.inner
                .http
                .request(call.method.clone(), &url)
                .json(&call.params)
        } else {
            self.inner.http.request(call.method.clone(), &url)
        };
        Ok(rb.headers(headers))
    }

    /// Sends a call and decodes the JSON answer, retrying where that is safe.
    pub async fn execute(&self, call: &Call) -> Result<Response> {
        let (status, body, warning) = self.execute_as::<Value>(call).await?;
        Ok(Response {
            status,
            body,
            warning,
        })
    }

    /// [`execute`](Self::execute), decoding a 2xx answer straight into `T`: status,
    /// body, `X-Cybozu-Warning`.
    pub(crate) async fn execute_as<T: Answer>(
        &self,
        call: &Call,
    ) -> Result<(u16, T, Option<String>)> {
        self.execute_parsed(call, |bytes| {
            if bytes.is_empty() {
                Ok(T::empty())
            } else {
                serde_json::from_slice(bytes)
            }
        })
        .await
    }

    /// [`execute_as`](Self::execute_as) with the decoding given: `parse` gets the body of
    /// a 2xx answer (empty bytes for an empty body) inside the attempt, so a garbled one
    /// is retried where the request may be repeated.
    pub(crate) async fn execute_parsed<T: Send>(
        &self,
        call: &Call,
        parse: impl Fn(&[u8]) -> serde_json::Result<T> + Sync,
    ) -> Result<(u16, T, Option<String>)> {
        self.logged(self.execute_here(call, &parse)).await
    }

    async fn execute_here<T: Send>(
        &self,
        call: &Call,
        parse: &(impl Fn(&[u8]) -> serde_json::Result<T> + Sync),
    ) -> Result<(u16, T, Option<String>)> {
        let ctx = self.context(call);
        self.with_retries(call, &ctx, |rb| async move {
            let sent = Instant::now();
            let resp = rb.send().await.map_err(SendError::from_reqwest)?;
            let status = resp.status().as_u16();
            let head = logged_head(&resp);
            let warning = resp
                .headers()
                .get("X-Cybozu-Warning")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let retry_after = retry_after(resp.headers());
            let is_json = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("json"))
                .unwrap_or(false);
            let location = location(resp.headers());
            let bytes = read_body(resp).await.map_err(|e| SendError::BodyLost {
                status,
                message: e.to_string(),
            })?;
            log_answer(status, head, &bytes, sent);
            let mut json = None;
            if (200..300).contains(&status) {
                // Decoded here, inside the attempt: a garbled answer is retried where
                // the request may be repeated (a proxy's page, a cut body).
                json = Some(parse(&bytes).map_err(|e| SendError::Garbage {
                    message: format!("invalid JSON: {e}"),
                })?);
            }
            Ok(Raw {
                status,
                warning,
                retry_after,
                is_json,
                location,
                bytes,
                json,
            })
        })
        .await
        .and_then(|raw| {
            let body = match raw.json {
                Some(b) => b,
                None => parse(&[]).map_err(|e| Error::decode(&ctx, e.to_string()))?,
            };
            Ok((raw.status, body, raw.warning))
        })
    }

    /// Sends a call whose successful answer is streamed (file download). The budget
    /// permit travels with the response until it is dropped.
    pub(crate) async fn execute_streaming(
        &self,
        call: &Call,
    ) -> Result<(reqwest::Response, OwnedSemaphorePermit)> {
        self.logged(self.execute_streaming_here(call)).await
    }

    async fn execute_streaming_here(
        &self,
        call: &Call,
    ) -> Result<(reqwest::Response, OwnedSemaphorePermit)> {
        let ctx = self.context(call);
        let start = Instant::now();
        let deadline = self.deadline();
        let mut retry = 0u32;
        let mut renewed = false;
        loop {
            let bearer = self.bearer().await?;
            let rb = log_request(self.build_with(call, bearer.as_ref())?, retry);
            // The deadline covers the wait for a permit and the answer's head; the
            // body of a large file is bounded per read instead (see `Client::new`).
            let attempt = async {
                let permit = self.permit().await?;
                let sent = Instant::now();
                let outcome = rb.send().await;
                if let Ok(resp) = &outcome {
                    // The body is a file, streamed to the application: not logged.
                    let status = resp.status().as_u16();
                    log_answer(status, logged_head(resp), &[], sent);
                }
                Ok::<_, Error>((permit, outcome))
            };
            let (permit, outcome) = match within(deadline, attempt).await {
                Some(r) => r?,
                None => return Err(self.timeout_error(call, &ctx)),
            };
            let (attempt_err, retry_after_hint) = match outcome {
                Ok(resp) if resp.status().is_success() => return Ok((resp, permit)),
                Ok(resp) if resp.status().is_redirection() => {
                    let status = resp.status().as_u16();
                    return Err(Error::Redirect {
                        context: ctx.clone(),
                        status,
                        location: location(resp.headers()),
                    });
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let ra = retry_after(resp.headers());
                    let bytes = within(deadline, resp.bytes())
                        .await
                        .and_then(|r| r.ok())
                        .unwrap_or_default();
                    drop(permit);
                    (api_error(status, &bytes, &ctx), ra)
                }
                Err(e) => {
                    drop(permit);
                    (
                        SendError::from_reqwest(e).into_error(&ctx, &call.safety, &self.inner),
                        None,
                    )
                }
            };
            if !renewed && self.renewed(&attempt_err, bearer.as_ref()).await? {
                renewed = true;
                continue;
            }
            let attempt = attempt_of(&attempt_err);
            match verdict(&attempt, &call.safety) {
                Verdict::Retry => {
                    let delay = self.delay(retry, retry_after_hint);
                    if self.may_retry(retry, start, delay, deadline) {
                        tracing::info!(
                            target: HTTP,
                            retry = retry + 1,
                            delay_ms = delay.as_millis() as u64,
                            "retrying the download after a refused or failed attempt"
                        );
                        tokio::time::sleep(delay).await;
                        retry += 1;
                        continue;
                    }
                    return Err(attempt_err);
                }
                Verdict::Fail | Verdict::OutcomeUnknown => return Err(attempt_err),
            }
        }
    }

    /// A request with URL and auth headers but no parameters (multipart uploads).
    pub(crate) async fn bare_request(&self, call: &Call) -> Result<reqwest::RequestBuilder> {
        let url = self.inner.base.join(&self.path(call));
        let bearer = self.bearer().await?;
        let headers = self.auth_headers(call, bearer.as_ref())?;
        Ok(self
            .inner
            .http
            .request(call.method.clone(), &url)
            .headers(headers))
    }

    /// Sends a prepared request once (its body cannot be replayed), within the budget.
    pub(crate) async fn send_once(
        &self,
        call: &Call,
        rb: reqwest::RequestBuilder,
    ) -> Result<Response> {
        self.logged(self.send_once_here(call, rb)).await
    }

    async fn send_once_here(&self, call: &Call, rb: reqwest::RequestBuilder) -> Result<Response> {
        let ctx = self.context(call);
        // A streamed (multipart) body cannot be copied for `log_request`: its request
        // line is logged from the call, the body not at all.
        let rb = if tracing::enabled!(target: HTTP, Level::DEBUG) && rb.try_clone().is_none() {
            let url = self.inner.base.join(&self.path(call));
            let url = crate::redact::url(url.as_str());
            tracing::debug!(target: HTTP, method = %call.method, url = %url, retry = 0, body = "streamed", "request");
            rb
        } else {
            log_request(rb, 0)
        };
        let permit = self.permit().await?;
        let sent = Instant::now();
        let outcome = rb.send().await;
        let resp = match outcome {
            Ok(r) => r,
            Err(e) => {
                drop(permit);
                return Err(SendError::from_reqwest(e).into_error(&ctx, &call.safety, &self.inner));
            }
        };
        let status = resp.status().as_u16();
        if resp.status().is_redirection() {
            return Err(Error::Redirect {
                context: ctx,
                status,
                location: location(resp.headers()),
            });
        }
        let warning = resp
            .headers()
            .get("X-Cybozu-Warning")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let head = logged_head(&resp);
        let bytes = read_body(resp).await;
        drop(permit);
        if let Ok(b) = &bytes {
            log_answer(status, head, b, sent);
        }
        let bytes = bytes.map_err(|e| {
            SendError::BodyLost {
                status,
                message: e.to_string(),
            }
            .into_error(&ctx, &call.safety, &self.inner)
        })?;
        if !(200..300).contains(&status) {
            return Err(api_error(status, &bytes, &ctx));
        }
        let body = if bytes.is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_slice(&bytes)
                .map_err(|e| Error::decode(&ctx, format!("invalid JSON: {e}")))?
        };
        Ok(Response {
            status,
            body,
            warning,
        })
    }

    fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let d = self.inner.retry.delay(retry);
        match retry_after {
            Some(ra) => d.max(ra.min(self.inner.retry.max_delay)),
            None => d,
        }
    }

    /// Whether retry number `retry` may start: the policy allows it and it would begin
    /// (after `delay`) before the call's deadline.
    fn may_retry(
        &self,
        retry: u32,
        start: Instant,
        delay: Duration,
        deadline: Option<Instant>,
    ) -> bool {
        self.inner.retry.allows(retry, start.elapsed(), delay)
            && deadline.is_none_or(|d| Instant::now() + delay < d)
    }

    /// Runs attempts until one succeeds, one fails for good, or the call's deadline
    /// (the connection's Timeout) passes: that bounds the waits for a budget permit,
    /// every attempt with its whole answer, and the backoff between them.
    async fn with_retries<T, F, Fut>(
        &self,
        call: &Call,
        ctx: &RequestContext,
        send: F,
    ) -> Result<Raw<T>>
    where
        F: Fn(reqwest::RequestBuilder) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<Raw<T>, SendError>>,
    {
        if let Some(q) = call.params.get("query").and_then(Value::as_str) {
            tracing::debug!(target: EXEC, api = %call.api, app = call.app, query = q, "kintone query");
        }
        let span = tracing::debug_span!(target: HTTP, "request", method = %call.method, api = %call.api, app = call.app);
        self.attempts(call, ctx, send).instrument(span).await
    }

    /// Takes a permit of the domain's budget, logging the wait when there was one.
    async fn permit(&self) -> Result<OwnedSemaphorePermit> {
        if self.inner.budget.available() > 0 {
            return self.inner.budget.acquire().await;
        }
        let waited = Instant::now();
        let permit = self.inner.budget.acquire().await?;
        tracing::debug!(
            target: HTTP,
            waited_ms = waited.elapsed().as_millis() as u64,
            budget = self.inner.budget.size(),
            "waited for a free request slot of the domain's budget"
        );
        Ok(permit)
    }

    async fn attempts<T, F, Fut>(
        &self,
        call: &Call,
        ctx: &RequestContext,
        send: F,
    ) -> Result<Raw<T>>
    where
        F: Fn(reqwest::RequestBuilder) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<Raw<T>, SendError>>,
    {
        let start = Instant::now();
        let deadline = self.deadline();
        let mut retry = 0u32;
        let mut renewed = false;
        loop {
            let bearer = self.bearer().await?;
            let rb = log_request(self.build_with(call, bearer.as_ref())?, retry);
            let attempt = async {
                let permit = self.permit().await?;
                let outcome = send(rb).await;
                drop(permit);
                Ok::<_, Error>(outcome)
            };
            let outcome = match within(deadline, attempt).await {
                Some(r) => r?,
                None => {
                    tracing::info!(
                        target: HTTP,
                        retry,
                        "the request reached the call's deadline (Timeout)"
                    );
                    return Err(self.timeout_error(call, ctx));
                }
            };
            let (err, hint) = match outcome {
                Ok(raw) if (200..300).contains(&raw.status) => return Ok(raw),
                Ok(raw) if (300..400).contains(&raw.status) => {
                    return Err(Error::Redirect {
                        context: ctx.clone(),
                        status: raw.status,
                        location: raw.location,
                    })
                }
                Err(SendError::Garbage { message }) => (Error::decode(ctx, message), None),
                Ok(raw) if crate::proxy::refused_by_proxy(Some(raw.status), None) => {
                    (self.proxy_refusal(ctx), None)
                }
                Err(SendError::NotSent(m)) if crate::proxy::refused_by_proxy(None, Some(&m)) => {
                    (self.proxy_refusal(ctx), None)
                }
                Ok(raw) => {
                    let e = if raw.is_json || !raw.bytes.is_empty() {
                        api_error(raw.status, &raw.bytes, ctx)
                    } else {
                        api_error(raw.status, b"", ctx)
                    };
                    (e, raw.retry_after)
                }
                Err(SendError::BodyLost { status, message }) if (200..300).contains(&status) => {
                    // The server accepted the request; only its answer was lost.
                    match &call.safety {
                        Safety::Write { sent } => {
                            return Err(Error::WriteOutcomeUnknown {
                                context: ctx.clone(),
                                sent: sent.clone(),
                                cause: format!("the answer was cut off: {message}"),
                            })
                        }
                        _ => (
                            Error::Transport {
                                context: ctx.clone(),
                                message: format!("the answer was cut off: {message}"),
                            },
                            None,
                        ),
                    }
                }
                Err(e) => (e.into_error(ctx, &call.safety, &self.inner), None),
            };
            // A 401 is refused before Kintone does anything, so even a write may be
            // sent again, once, with a renewed token.
            if !renewed && self.renewed(&err, bearer.as_ref()).await? {
                renewed = true;
                continue;
            }
            let attempt = attempt_of(&err);
            tracing::debug!(target: HTTP, retry, error = %err, "the request failed");
            match verdict(&attempt, &call.safety) {
                Verdict::Retry => {
                    let delay = self.delay(retry, hint);
                    if self.may_retry(retry, start, delay, deadline) {
                        tracing::info!(
                            target: HTTP,
                            retry = retry + 1,
                            delay_ms = delay.as_millis() as u64,
                            "retrying after a refused or failed attempt"
                        );
                        tokio::time::sleep(delay).await;
                        retry += 1;
                        continue;
                    }
                    return Err(err);
                }
                Verdict::OutcomeUnknown => {
                    return Err(match err {
                        e @ Error::WriteOutcomeUnknown { .. } => e,
                        other => Error::WriteOutcomeUnknown {
                            context: ctx.clone(),
                            sent: match &call.safety {
                                Safety::Write { sent } => sent.clone(),
                                _ => String::new(),
                            },
                            cause: other.to_string(),
                        },
                    })
                }
                Verdict::Fail => return Err(err),
            }
        }
    }
}

/// What the log shows of an answer's head, taken before its body is read (`None`
/// when HTTP events are off, so nothing is copied).
struct Head {
    peer: Option<std::net::SocketAddr>,
    headers: Option<String>,
}

fn logged_head(resp: &reqwest::Response) -> Option<Head> {
    if !tracing::enabled!(target: HTTP, Level::DEBUG) {
        return None;
    }
    Some(Head {
        peer: resp.remote_addr(),
        headers: tracing::enabled!(target: HTTP, Level::TRACE)
            .then(|| crate::redact::headers(resp.headers())),
    })
}

/// One answer: status, size and time at DEBUG; headers and the body (masked, cut) at
/// TRACE; the peer it came from under TCP.
fn log_answer(status: u16, head: Option<Head>, body: &[u8], sent: Instant) {
    let Some(head) = head else {
        return;
    };
    tracing::debug!(
        target: HTTP,
        status,
        bytes = body.len(),
        ms = sent.elapsed().as_millis() as u64,
        "answer"
    );
    if let Some(h) = head.headers {
        tracing::trace!(target: HTTP, headers = %h, "answer headers");
        if !body.is_empty() {
            let b = crate::redact::body(body, BODY_LIMIT);
            tracing::trace!(target: HTTP, body = %b, "answer body");
        }
    }
    if let Some(peer) = head.peer {
        tracing::trace!(target: TCP, %peer, "answer received over the connection to");
    }
}

/// Logs a request about to be sent: method and URL (masked) at DEBUG, headers and body
/// (masked, cut) at TRACE. Builds a copy only when HTTP events are on.
pub(crate) fn log_request(rb: reqwest::RequestBuilder, retry: u32) -> reqwest::RequestBuilder {
    if !tracing::enabled!(target: HTTP, Level::DEBUG) {
        return rb;
    }
    let Some(req) = rb.try_clone().and_then(|c| c.build().ok()) else {
        return rb;
    };
    let url = crate::redact::url(req.url().as_str());
    tracing::debug!(target: HTTP, method = %req.method(), url = %url, retry, "request");
    if tracing::enabled!(target: HTTP, Level::TRACE) {
        let headers = crate::redact::headers(req.headers());
        tracing::trace!(target: HTTP, headers = %headers, "request headers");
        if let Some(b) = req.body().and_then(|b| b.as_bytes()) {
            let body = crate::redact::body(b, BODY_LIMIT);
            tracing::trace!(target: HTTP, body = %body, "request body");
        }
    }
    rb
}

/// A JSON answer the client decodes inside the attempt (so garbage is retried).
pub(crate) trait Answer: serde::de::DeserializeOwned + Send {
    /// What an empty 2xx body stands for.
    fn empty() -> Self;
}

impl Answer for Value {
    fn empty() -> Self {
        Value::Object(Default::default())
    }
}

struct Raw<T> {
    status: u16,
    warning: Option<String>,
    retry_after: Option<Duration>,
    is_json: bool,
    location: Option<String>,
    bytes: bytes::Bytes,
    /// The decoded body of a 2xx answer.
    json: Option<T>,
}

/// A whole answer body, read chunk by chunk into one buffer sized by its
/// Content-Length (up to 16 MB: a hint, not a limit). Each chunk is let go as soon as it
/// is copied, so the connection's read buffer is reused; collected whole, every chunk
/// was kept until one copy of them all was made, and a page of records touched about
/// three times its size in fresh memory (page faults were a fifth of a read's time).
async fn read_body(mut resp: reqwest::Response) -> reqwest::Result<bytes::Bytes> {
    const MAX_HINT: u64 = 16 << 20;
    let hint = resp.content_length().unwrap_or(0).min(MAX_HINT);
    let mut body = Vec::with_capacity(usize::try_from(hint).unwrap_or(0));
    while let Some(chunk) = resp.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(body.into())
}

/// Runs `f` until `deadline`; `None` when the deadline passed first.
async fn within<F: std::future::Future>(deadline: Option<Instant>, f: F) -> Option<F::Output> {
    match deadline {
        Some(d) => tokio::time::timeout_at(tokio::time::Instant::from_std(d), f)
            .await
            .ok(),
        None => Some(f.await),
    }
}

fn location(h: &HeaderMap) -> Option<String> {
    h.get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|s| s.chars().take(500).collect())
}

enum SendError {
    /// Nothing was sent (connection refused, DNS, TLS handshake).
    NotSent(String),
    Timeout(String),
    /// Sent, then the connection broke before an answer.
    Broken(String),
    /// Status arrived, the body did not.
    BodyLost {
        status: u16,
        message: String,
    },
    /// A 2xx answer whose body is not JSON.
    Garbage {
        message: String,
    },
}

impl SendError {
    fn from_reqwest(e: reqwest::Error) -> SendError {
        // Walk the source chain: reqwest's own Display omits the cause.
        let mut message = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            message.push_str(": ");
            message.push_str(&s.to_string());
            src = s.source();
        }
        if e.is_connect() {
            SendError::NotSent(message)
        } else if e.is_timeout() {
            SendError::Timeout(message)
        } else {
            SendError::Broken(message)
        }
    }

    fn into_error(self, ctx: &RequestContext, safety: &Safety, inner: &Inner) -> Error {
        match self {
            SendError::NotSent(m) => NotSentError::wrap(ctx, m),
            SendError::Timeout(m) => match safety {
                Safety::Write { sent } => Error::WriteOutcomeUnknown {
                    context: ctx.clone(),
                    sent: sent.clone(),
                    cause: format!("no answer within {:?}: {m}", inner.request_timeout),
                },
                _ => Error::Timeout {
                    context: ctx.clone(),
                    after: inner.request_timeout,
                    limit: TimeoutLimit::Idle,
                },
            },
            SendError::Garbage { message } => Error::decode(ctx, message),
            SendError::Broken(m) | SendError::BodyLost { message: m, .. } => match safety {
                Safety::Write { sent } => Error::WriteOutcomeUnknown {
                    context: ctx.clone(),
                    sent: sent.clone(),
                    cause: m,
                },
                _ => Error::Transport {
                    context: ctx.clone(),
                    message: m,
                },
            },
        }
    }
}

/// Marks transport errors where nothing was sent, so the retry verdict can tell them
/// apart from broken connections.
struct NotSentError;

impl NotSentError {
    const MARK: &'static str = "connection could not be established";

    fn wrap(ctx: &RequestContext, m: String) -> Error {
        Error::Transport {
            context: ctx.clone(),
            message: format!("{}: {m}", Self::MARK),
        }
    }
}

fn attempt_of(e: &Error) -> Attempt<'_> {
    match e {
        Error::Api { status, code, .. } => Attempt::Status {
            status: *status,
            code: code.as_deref(),
        },
        Error::Proxy { status, .. } => Attempt::Status {
            status: *status,
            code: None,
        },
        Error::Transport { message, .. } if message.starts_with(NotSentError::MARK) => {
            Attempt::NotSent
        }
        _ => Attempt::MaybeSent,
    }
}

fn retry_after(h: &HeaderMap) -> Option<Duration> {
    h.get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// Decodes a Kintone error body (§9.1); non-JSON bodies (503 maintenance pages) keep
/// their first line as the message.
pub(crate) fn api_error(status: u16, bytes: &[u8], ctx: &RequestContext) -> Error {
    let parsed: Option<Value> = serde_json::from_slice(bytes).ok();
    let mut code = None;
    let mut id = None;
    let mut message: String;
    let mut errors = BTreeMap::new();
    let mut bulk_index = None;
    if let Some(v) = parsed {
        // bulkRequest failures: `results[i]` holds the error, the others `{}` (§4.8).
        let err_obj = match v.get("results").and_then(Value::as_array) {
            Some(results) => {
                let found = results
                    .iter()
                    .enumerate()
                    .find(|(_, r)| r.get("code").is_some());
                match found {
                    Some((i, r)) => {
                        bulk_index = Some(i);
                        r.clone()
                    }
                    None => v.clone(),
                }
            }
            None => v.clone(),
        };
        code = err_obj
            .get("code")
            .and_then(Value::as_str)
            .map(str::to_string);
        id = err_obj
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_string);
        message = err_obj
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if let Some(Value::Object(es)) = err_obj.get("errors") {
            for (k, e) in es {
                let msgs = e
                    .get("messages")
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    })
                    .unwrap_or_default();
                errors.insert(k.clone(), msgs);
            }
        }
    } else {
        let text = String::from_utf8_lossy(bytes);
        message = text
            .lines()
            .next()
            .unwrap_or("")
            .chars()
            .take(200)
            .collect();
        if message.is_empty() {
            message = reqwest::StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("")
                .to_string();
        }
    }
    Error::Api {
        status,
        code,
        id,
        message,
        errors,
        bulk_index,
        context: ctx.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ApiToken;
    use serde_json::json;

    #[test]
    fn query_encoding() {
        let q = encode_query(&json!({
            "app": 5,
            "query": "title = \"a b\" and x > 1 order by $id asc",
            "fields": ["$id", "名前"],
            "updateKey": {"field": "k", "value": "v&w"},
            "totalCount": true,
            "skip": null
        }));
        assert_eq!(
            q,
            "app=5&query=title%20%3D%20%22a%20b%22%20and%20x%20%3E%201%20order%20by%20%24id%20asc\
             &fields%5B0%5D=%24id&fields%5B1%5D=%E5%90%8D%E5%89%8D\
             &updateKey%5Bfield%5D=k&updateKey%5Bvalue%5D=v%26w&totalCount=true"
        );
    }

    #[test]
    fn token_selection() {
        let toks = vec![
            ApiToken::new("a1", vec![1]),
            ApiToken::new("a1bis", vec![1]),
            ApiToken::new("b2", vec![2]),
            ApiToken::new("c3", vec![3]),
        ];
        assert_eq!(select_tokens(&toks, Some(2)), vec!["b2", "a1", "c3"]);
        assert_eq!(select_tokens(&toks, Some(1)), vec!["a1", "b2", "c3"]);
        assert_eq!(select_tokens(&toks, None), vec!["a1", "b2", "c3"]);
        let many: Vec<ApiToken> = (0..12)
            .map(|i| ApiToken::new(format!("t{i}"), vec![i]))
            .collect();
        assert_eq!(select_tokens(&many, Some(11)).len(), 9);
        assert_eq!(select_tokens(&many, Some(11))[0], "t11");
    }

    #[test]
    fn error_bodies() {
        let ctx = RequestContext {
            method: "GET".into(),
            api: "records".into(),
            app: Some(3),
            ..Default::default()
        };
        let e = api_error(
            400,
            br#"{"code":"CB_VA01","id":"x1","message":"Missing or invalid input.","errors":{"query":{"messages":["bad"]}}}"#,
            &ctx,
        );
        match &e {
            Error::Api {
                status,
                code,
                id,
                errors,
                ..
            } => {
                assert_eq!(*status, 400);
                assert_eq!(code.as_deref(), Some("CB_VA01"));
                assert_eq!(id.as_deref(), Some("x1"));
                assert_eq!(errors["query"], vec!["bad".to_string()]);
            }
            other => panic!("{other:?}"),
        }
        let e = api_error(
            400,
            br#"{"results":[{},{"code":"GAIA_RE01","id":"i","message":"not found"},{}]}"#,
            &ctx,
        );
        assert!(matches!(
            e,
            Error::Api {
                bulk_index: Some(1),
                ..
            }
        ));
        assert!(e.is_code("GAIA_RE01"));
        let e = api_error(503, b"Service Unavailable\nmaintenance", &ctx);
        assert_eq!(e.code(), None);
        assert!(e.to_string().contains("503") && e.to_string().contains("Service Unavailable"));
        assert_eq!(
            attempt_of(&e),
            Attempt::Status {
                status: 503,
                code: None
            }
        );
    }

    #[tokio::test]
    async fn config_validation() {
        use crate::config::BasicAuth;
        let mut c = ClientConfig::new(
            "https://x.cybozu.com",
            Auth::OAuth {
                access_token: "t".into(),
            },
        );
        c.basic_auth = Some(BasicAuth {
            user: "u".into(),
            password: "p".into(),
        });
        assert!(matches!(Client::new(c), Err(Error::Config(_))));
        let c = ClientConfig::new("https://x.cybozu.com", Auth::ApiTokens(vec![]));
        assert!(matches!(Client::new(c), Err(Error::Config(_))));
        let c = ClientConfig::new("http://127.0.0.1:9", Auth::password("demo", "SECRETPW"));
        let client = Client::new(c).unwrap();
        assert!(!format!("{client:?}").contains("SECRETPW"));
        assert!(client.cursors_allowed());
        let c = ClientConfig::new(
            "http://127.0.0.1:9",
            Auth::OAuth {
                access_token: "x".into(),
            },
        );
        assert!(!Client::new(c).unwrap().cursors_allowed());
    }

    #[tokio::test]
    async fn guest_paths_follow_the_call() {
        let mut c = ClientConfig::new("http://127.0.0.1:9", Auth::password("demo", "pw"));
        c.guest_space_id = Some(5);
        let client = Client::new(c).unwrap();
        let path = |call: &Call| {
            let req = client.build(call).unwrap().build().unwrap();
            req.url().path().to_string()
        };
        let w = |api: &str| Call::write(Method::PUT, api, json!({}), "x");
        assert_eq!(path(&w("space/thread")), "/k/guest/5/v1/space/thread.json");
        assert_eq!(
            path(&w("guests").guest_path(GuestPath::Never)),
            "/k/v1/guests.json"
        );
        assert_eq!(
            path(&w("space/guests").guest_path(GuestPath::Space(2))),
            "/k/guest/2/v1/space/guests.json"
        );
    }

    #[tokio::test]
    async fn long_get_becomes_post_override() {
        let c = ClientConfig::new("http://127.0.0.1:9", Auth::password("demo", "pw"));
        let client = Client::new(c).unwrap();
        let short = Call::get("records", json!({"app": 1, "query": "limit 1"}));
        let req = client.build(&short).unwrap().build().unwrap();
        assert_eq!(req.method(), Method::GET);
        assert!(req.url().as_str().contains("query=limit%201"));
        assert!(req
            .headers()
            .get("X-Cybozu-Authorization")
            .unwrap()
            .is_sensitive());
        let long = Call::get("records", json!({"app": 1, "query": "x".repeat(5000)}));
        let req = client.build(&long).unwrap().build().unwrap();
        assert_eq!(req.method(), Method::POST);
        assert_eq!(req.headers()["X-HTTP-Method-Override"], "GET");
        assert_eq!(req.url().query(), None);
        let body: Value = serde_json::from_slice(req.body().unwrap().as_bytes().unwrap()).unwrap();
        assert_eq!(body["query"].as_str().unwrap().len(), 5000);
        let fields: Vec<String> = (0..150).map(|i| format!("f{i}")).collect();
        let many = Call::get("records", json!({"app": 1, "fields": fields}));
        let req = client.build(&many).unwrap().build().unwrap();
        assert_eq!(req.method(), Method::POST);
    }
}
