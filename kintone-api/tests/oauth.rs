//! The OAuth token endpoint and renewable tokens, against the sandbox.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use kintone_api::oauth::{BoxFuture, OAuthClient, TokenSource};
use kintone_api::{Auth, Client, Error, Secret};
use kintone_sandbox::demo;

fn demo_client() -> OAuthClient {
    OAuthClient {
        client_id: demo::OAUTH_CLIENT_ID.into(),
        client_secret: demo::OAUTH_CLIENT_SECRET.into(),
    }
}

const SCOPE: &str = "k:app_record:read k:app_settings:read";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_endpoint_grants_and_refusals() {
    let sb = Sandbox::start(Options::standard()).await;
    let client = sb.client(Auth::OAuthManaged(None));
    let code: Secret = oauth_code(sb.base_url(), SCOPE).await.into();

    let wrong = OAuthClient {
        client_secret: "not-the-secret".into(),
        ..demo_client()
    };
    let e = client
        .oauth_exchange_code(&wrong, &code, demo::OAUTH_REDIRECT_URI)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::OAuth { status: 401, error, .. } if error == "invalid_client"),
        "{e:?}"
    );
    assert!(e.to_string().contains("OAuthClientSecret"), "{e}");
    assert!(!e.to_string().contains("not-the-secret"));

    // The failed exchange consumed the code (single use): a new one.
    let code: Secret = oauth_code(sb.base_url(), SCOPE).await.into();
    let set = client
        .oauth_exchange_code(&demo_client(), &code, demo::OAUTH_REDIRECT_URI)
        .await
        .unwrap();
    assert_eq!(set.expires_in, Some(3600));
    assert_eq!(set.scope.as_deref(), Some(SCOPE));
    let refresh = set.refresh_token.clone().expect("a refresh token");
    let e = client
        .oauth_exchange_code(&demo_client(), &code, demo::OAUTH_REDIRECT_URI)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("invalid_grant"), "{e}");
    assert!(!e.to_string().contains(code.expose()));

    let renewed = client
        .oauth_refresh(&demo_client(), &refresh, None)
        .await
        .unwrap();
    assert_ne!(renewed.access_token, set.access_token);
    assert_eq!(renewed.refresh_token.as_ref(), Some(&refresh));

    // No token yet: the API is refused before any request, naming what to do.
    let seq = sb.last_seq().await;
    let e = client.list_apps(&Default::default()).await.unwrap_err();
    assert!(e.to_string().contains("InitiateOAuth=GETANDREFRESH"), "{e}");
    assert!(sb
        .requests(Some(seq))
        .await
        .iter()
        .all(|r| api_of(r) != "apps"));
    sb.shutdown().await;
}

#[derive(Debug)]
struct Renewing {
    current: Mutex<Secret>,
    refresh: Option<Secret>,
    renewals: AtomicUsize,
}

impl TokenSource for Renewing {
    fn token<'a>(&'a self, _: &'a Client) -> BoxFuture<'a, kintone_api::Result<Secret>> {
        Box::pin(async move { Ok(self.current.lock().unwrap().clone()) })
    }

    fn renew<'a>(
        &'a self,
        client: &'a Client,
        _rejected: &'a Secret,
    ) -> BoxFuture<'a, kintone_api::Result<Option<Secret>>> {
        Box::pin(async move {
            self.renewals.fetch_add(1, Ordering::SeqCst);
            let Some(r) = &self.refresh else {
                return Ok(None);
            };
            let set = client.oauth_refresh(&demo_client(), r, None).await?;
            *self.current.lock().unwrap() = set.access_token.clone();
            Ok(Some(set.access_token))
        })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_token_is_renewed_once_and_the_request_repeated() {
    let sb = Sandbox::start(Options::standard()).await;
    let code: Secret = oauth_code(sb.base_url(), SCOPE).await.into();
    let set = sb
        .client(Auth::OAuthManaged(None))
        .oauth_exchange_code(&demo_client(), &code, demo::OAUTH_REDIRECT_URI)
        .await
        .unwrap();
    let source = Arc::new(Renewing {
        current: Mutex::new(set.access_token.clone()),
        refresh: set.refresh_token.clone(),
        renewals: AtomicUsize::new(0),
    });
    let client = sb.client(Auth::OAuthManaged(Some(source.clone())));
    let (app, _) = large_app(&sb.demo()).await;
    client
        .get_records(app, None, "limit 1", false)
        .await
        .unwrap();
    assert_eq!(source.renewals.load(Ordering::SeqCst), 0);

    sb.advance_clock(3700).await;
    let seq = sb.last_seq().await;
    let page = client
        .get_records(app, None, "limit 3", false)
        .await
        .unwrap();
    assert_eq!(page.records.len(), 3);
    assert_eq!(source.renewals.load(Ordering::SeqCst), 1);
    let log = sb.requests(Some(seq)).await;
    let statuses: Vec<_> = log
        .iter()
        .filter(|r| api_of(r) == "records")
        .map(|r| r["status"].as_u64().unwrap_or(0))
        .collect();
    assert_eq!(statuses, vec![401, 200]);
    let grants: Vec<_> = log
        .iter()
        .filter(|r| r["path"] == "/oauth2/token")
        .map(|r| r["params"]["grant_type"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(grants, vec!["refresh_token"]);

    // A token that cannot be renewed: the 401 is reported, once.
    let stuck = Arc::new(Renewing {
        current: Mutex::new(set.access_token.clone()),
        refresh: None,
        renewals: AtomicUsize::new(0),
    });
    let client = sb.client(Auth::OAuthManaged(Some(stuck.clone())));
    let e = client
        .get_records(app, None, "limit 1", false)
        .await
        .unwrap_err();
    assert_eq!(e.status(), Some(401), "{e}");
    assert_eq!(stuck.renewals.load(Ordering::SeqCst), 1);
    sb.shutdown().await;
}
