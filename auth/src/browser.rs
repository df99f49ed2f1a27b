//! Opening the sign-in page in the user's browser: `$BROWSER` when set, else `open`
//! (macOS) or `xdg-open` (Linux, with a display). With none of them the desktop flow
//! cannot work, and says so at once instead of waiting for a browser that never comes.

use std::process::{Command, Stdio};

use crate::error::{AuthError, AuthResult};

/// What to do on a machine without a browser, for messages.
pub const HEADLESS_OPTIONS: &str = "on a machine without a browser, either sign in on \
     another machine and set OAuthVerifier to the `code` of the redirect (with \
     InitiateOAuth=REFRESH), copy an OAuth settings file made on another machine with the \
     same OAuthClientId and OAuthClientSecret to OAuthSettingsLocation, or run \
     `kintone-odbc oauth login --dsn NAME`, which prints the URL and takes the pasted \
     redirect";

/// The command that would open a URL here, or why there is none.
pub fn command_for(url: &str) -> AuthResult<Command> {
    if let Some(b) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
        // `$BROWSER` may list several commands separated by ':'; `%s` marks the URL.
        let b = b.to_string_lossy().into_owned();
        let first = b.split(':').map(str::trim).find(|s| !s.is_empty());
        let Some(first) = first else {
            return Err(no_browser());
        };
        let mut words = first.split_whitespace();
        let Some(program) = words.next() else {
            return Err(no_browser());
        };
        let mut cmd = Command::new(program);
        let mut placed = false;
        for w in words {
            if w.contains("%s") {
                cmd.arg(w.replace("%s", url));
                placed = true;
            } else {
                cmd.arg(w);
            }
        }
        if !placed {
            cmd.arg(url);
        }
        return Ok(cmd);
    }
    if cfg!(target_os = "macos") {
        let mut cmd = Command::new("open");
        cmd.arg(url);
        return Ok(cmd);
    }
    let display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|d| !d.is_empty()));
    if !display {
        return Err(no_browser());
    }
    let mut cmd = Command::new("xdg-open");
    cmd.arg(url);
    Ok(cmd)
}

fn no_browser() -> AuthError {
    AuthError::Config(format!(
        "InitiateOAuth=GETANDREFRESH needs a browser, and none can be opened here (no \
         $BROWSER, DISPLAY or WAYLAND_DISPLAY); {HEADLESS_OPTIONS}"
    ))
}

/// Starts the browser and does not wait for it; a thread reaps it so no zombie stays.
pub fn open(url: &str) -> AuthResult<()> {
    let mut cmd = command_for(url)?;
    let program = cmd.get_program().to_string_lossy().into_owned();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| {
            AuthError::Config(format!(
                "the browser '{program}' cannot be started ({e}); {HEADLESS_OPTIONS}"
            ))
        })?;
    std::thread::Builder::new()
        .name("kintone-odbc-browser".into())
        .spawn(move || {
            let _ = child.wait();
        })
        .map_err(|e| AuthError::Config(format!("cannot start a thread: {e}")))?;
    Ok(())
}
