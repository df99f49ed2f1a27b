//! `kintone-odbc oauth login|status|logout`: the OAuth sign-in from a terminal, for a
//! DSN (or a connection string). The tokens go where the connection will look for them
//! (`OAuthSettingsLocation`, default the per-user file), so the next connect with
//! `InitiateOAuth=REFRESH` or `GETANDREFRESH` just works.

use std::io::{BufRead, Write};

use kintone_auth::desktop::{self, Callback};
use kintone_auth::settings_file::Stored;
use kintone_auth::store::Store;
use kintone_auth::{browser, initiate, OAuthConfig};
use kintone_sql::oauth::DEFAULT_SIGN_IN_WAIT;
use kintone_sql::properties::ConnectOptions;

use crate::query::{properties_for, runtime};
use crate::{OAuthArgs, OAuthCmd};

/// What a headless `login` says before the address.
const PASTE_HINT: &str = "Open this address in a browser on any machine, sign in and allow access:";

pub fn run(cmd: OAuthCmd) -> Result<(), String> {
    match cmd {
        OAuthCmd::Login { args, no_browser } => login(&args, no_browser),
        OAuthCmd::Status { args } => status(&args),
        OAuthCmd::Logout { args } => logout(&args),
    }
}

struct Setup {
    opts: ConnectOptions,
    cfg: OAuthConfig,
    store: Store,
}

fn setup(args: &OAuthArgs) -> Result<Setup, String> {
    // Only the OAuth client and the store matter here, whatever InitiateOAuth says.
    let p = properties_for(args.dsn.as_deref(), args.connect.as_deref(), &args.target)?;
    let opts = p.build().map_err(|e| e.to_string())?;
    let cfg = opts
        .settings
        .oauth
        .config(DEFAULT_SIGN_IN_WAIT)
        .map_err(|e| e.to_string())?;
    let app = cfg.client().ok_or(
        "the DSN (or --connect) needs OAuthClientId and OAuthClientSecret: the OAuth client \
         registered in Kintone",
    )?;
    let store = Store::new(cfg.location.clone(), app);
    Ok(Setup { opts, cfg, store })
}

fn login(args: &OAuthArgs, no_browser: bool) -> Result<(), String> {
    let s = setup(args)?;
    let app = s
        .cfg
        .client()
        .ok_or("OAuthClientId and OAuthClientSecret are needed")?;
    runtime()?.block_on(async {
        let client = initiate::token_client(&s.opts.settings.client).map_err(|e| e.to_string())?;
        let probe = kintone_api::oauth::authorization_url(
            client.base_url(),
            &app.client_id,
            s.cfg.callback_url(),
            s.cfg.scope(),
            "probe",
        );
        let tokens = if !no_browser && browser::command_for(&probe).is_ok() {
            let callback = Callback::parse(s.cfg.callback_url()).map_err(|e| e.to_string())?;
            println!(
                "Opening the Kintone sign-in page in your browser; waiting up to {}s ...",
                s.cfg.sign_in_wait.as_secs()
            );
            desktop::sign_in(&client, &app, &callback, s.cfg.scope(), s.cfg.sign_in_wait)
                .await
                .map_err(|e| e.to_string())?
        } else {
            let state = desktop::new_state();
            let url = kintone_api::oauth::authorization_url(
                client.base_url(),
                &app.client_id,
                s.cfg.callback_url(),
                s.cfg.scope(),
                &state,
            );
            println!("{PASTE_HINT}\n\n  {url}\n");
            print!(
                "Then paste the address the browser was sent to ({}...), or just its code: ",
                s.cfg.callback_url()
            );
            std::io::stdout().flush().map_err(|e| e.to_string())?;
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| format!("cannot read the answer: {e}"))?;
            let code = desktop::code_from_pasted(&line, &state).map_err(|e| e.to_string())?;
            client
                .oauth_exchange_code(&app, &code, s.cfg.callback_url())
                .await
                .map_err(|e| e.to_string())?
        };
        let stored = Stored {
            url: client.base_url().origin(),
            tokens,
            verifier_digest: None,
        };
        let _lock = s.store.lock().await.map_err(|e| e.to_string())?;
        s.store.save(&stored).map_err(|e| e.to_string())?;
        println!("Signed in. The tokens are in {}.", s.store.describe());
        print_tokens(&stored);
        Ok(())
    })
}

fn status(args: &OAuthArgs) -> Result<(), String> {
    let s = setup(args)?;
    match s.store.load().map_err(|e| e.to_string())? {
        None => {
            println!(
                "Not signed in: nothing is stored in {} (run `kintone-odbc oauth login`).",
                s.store.describe()
            );
            Ok(())
        }
        Some(stored) => {
            println!("Signed in; tokens in {}.", s.store.describe());
            print_tokens(&stored);
            Ok(())
        }
    }
}

fn logout(args: &OAuthArgs) -> Result<(), String> {
    let s = setup(args)?;
    if s.store.delete().map_err(|e| e.to_string())? {
        println!("Signed out: deleted {}.", s.store.describe());
    } else {
        println!("Nothing to delete: {} does not exist.", s.store.describe());
    }
    Ok(())
}

/// What is known about the tokens, never the tokens themselves.
fn print_tokens(stored: &Stored) {
    let t = &stored.tokens;
    let when = |ms: u64| {
        chrono::DateTime::from_timestamp_millis(ms as i64)
            .map(|d| d.format("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_else(|| ms.to_string())
    };
    println!("  domain:        {}", stored.url);
    println!(
        "  scope:         {}",
        t.scope.as_deref().unwrap_or("(not reported)")
    );
    println!("  obtained:      {}", when(t.obtained_ms));
    match t.expires_at_ms() {
        Some(at) if at <= kintone_api::oauth::now_ms() => println!(
            "  access token:  expired {} (it is refreshed at the next connect)",
            when(at)
        ),
        Some(at) => println!("  access token:  expires {}", when(at)),
        None => println!("  access token:  lifetime not reported"),
    }
    println!(
        "  refresh token: {}",
        if t.refresh_token.is_some() {
            "stored"
        } else {
            "none (sign in again when the access token expires)"
        }
    );
}
