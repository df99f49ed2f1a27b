//! The OAuth settings text: tokens sealed with AES-256-GCM.
//!
//! The key is derived (HKDF-SHA256, a random salt per write) from the OAuth client
//! secret, bound to the client id. Both machines of CData's "headless option 2"
//! configure the same client, so a file made on one opens on the other; a file made for
//! another client, or one that was damaged, is refused with an error that says which.
//!
//! ```text
//! kintone-odbc OAuth settings v1
//! client: <first 16 hex digits of SHA-256(client id)>
//! data: <base64(salt[16] | nonce[12] | ciphertext | tag)>
//! ```

use base64::Engine;
use kintone_api::oauth::{OAuthClient, TokenSet};
use kintone_api::Secret;
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::digest;
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

use crate::error::{AuthError, AuthResult};

const MAGIC: &str = "kintone-odbc OAuth settings v1";
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 12;
/// A sealed text larger than this is not ours (tokens are a few hundred bytes).
pub const MAX_TEXT: usize = 64 * 1024;

/// What the store keeps: the tokens, for which domain, and a digest of the verifier
/// they came from (so a DSN that still names a used `OAuthVerifier` does not try to
/// exchange it a second time).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stored {
    /// The Kintone origin the tokens belong to.
    pub url: String,
    pub tokens: TokenSet,
    pub verifier_digest: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Plain {
    url: String,
    client_id: String,
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
    token_timestamp: u64,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    verifier_digest: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A short, non-secret digest: tells which client a file is for, or which verifier
/// produced the tokens, without revealing either.
pub fn fingerprint(text: &str) -> String {
    let d = digest::digest(&digest::SHA256, text.as_bytes());
    hex(d.as_ref().get(..8).unwrap_or_default())
}

fn key(app: &OAuthClient, salt: &[u8]) -> AuthResult<LessSafeKey> {
    let prk =
        hkdf::Salt::new(hkdf::HKDF_SHA256, salt).extract(app.client_secret.expose().as_bytes());
    let info = [MAGIC.as_bytes(), b"\0", app.client_id.as_bytes()];
    let okm = prk
        .expand(&info, &aead::AES_256_GCM)
        .map_err(|_| AuthError::Store("cannot derive the settings key".into()))?;
    Ok(LessSafeKey::new(UnboundKey::from(okm)))
}

fn header(app: &OAuthClient) -> String {
    format!("{MAGIC}\nclient: {}\n", fingerprint(&app.client_id))
}

/// Seals `stored` for `app`.
pub fn seal(stored: &Stored, app: &OAuthClient) -> AuthResult<String> {
    let t = &stored.tokens;
    let plain = Plain {
        url: stored.url.clone(),
        client_id: app.client_id.clone(),
        access_token: t.access_token.expose().to_string(),
        refresh_token: t.refresh_token.as_ref().map(|s| s.expose().to_string()),
        expires_in: t.expires_in,
        token_timestamp: t.obtained_ms,
        scope: t.scope.clone(),
        verifier_digest: stored.verifier_digest.clone(),
    };
    let mut data = serde_json::to_vec(&plain)
        .map_err(|e| AuthError::Store(format!("cannot encode the OAuth settings: {e}")))?;
    let rng = SystemRandom::new();
    let mut salt = [0u8; SALT_LEN];
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut salt)
        .and_then(|_| rng.fill(&mut nonce))
        .map_err(|_| AuthError::Store("the system random generator failed".into()))?;
    let head = header(app);
    key(app, &salt)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(head.as_bytes()),
            &mut data,
        )
        .map_err(|_| AuthError::Store("cannot encrypt the OAuth settings".into()))?;
    let mut blob = Vec::with_capacity(SALT_LEN + NONCE_LEN + data.len());
    blob.extend_from_slice(&salt);
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&data);
    Ok(format!(
        "{head}data: {}\n",
        base64::engine::general_purpose::STANDARD.encode(blob)
    ))
}

/// Opens a sealed text. `what` names where it came from, for messages.
pub fn open(text: &str, app: &OAuthClient, what: &str) -> AuthResult<Stored> {
    let damaged = |why: &str| {
        AuthError::Store(format!(
            "{what} is damaged ({why}): delete it and sign in again \
             (`kintone-odbc oauth login`, or InitiateOAuth=GETANDREFRESH)"
        ))
    };
    if text.len() > MAX_TEXT {
        return Err(damaged("too large"));
    }
    let mut lines = text.lines();
    if lines.next().map(str::trim) != Some(MAGIC) {
        return Err(damaged("not a kintone-odbc OAuth settings file"));
    }
    let client = lines
        .next()
        .and_then(|l| l.trim().strip_prefix("client:"))
        .map(str::trim)
        .ok_or_else(|| damaged("no client line"))?;
    if client != fingerprint(&app.client_id) {
        return Err(AuthError::Store(format!(
            "{what} was written for another OAuth client (not OAuthClientId '{}'): use the \
             client it was made with, or delete it and sign in again",
            app.client_id
        )));
    }
    let data = lines
        .next()
        .and_then(|l| l.trim().strip_prefix("data:"))
        .map(str::trim)
        .ok_or_else(|| damaged("no data line"))?;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|_| damaged("the data is not base64"))?;
    if blob.len() < SALT_LEN + NONCE_LEN + aead::AES_256_GCM.tag_len() {
        return Err(damaged("the data is too short"));
    }
    let (salt, rest) = blob.split_at(SALT_LEN);
    let (nonce, sealed) = rest.split_at(NONCE_LEN);
    let mut nonce_arr = [0u8; NONCE_LEN];
    nonce_arr.copy_from_slice(nonce);
    let mut buf = sealed.to_vec();
    let head = header(app);
    let plain = key(app, salt)?
        .open_in_place(
            Nonce::assume_unique_for_key(nonce_arr),
            Aad::from(head.as_bytes()),
            &mut buf,
        )
        .map_err(|_| {
            AuthError::Store(format!(
                "{what} cannot be decrypted with this OAuthClientSecret: it was written with \
                 another client secret, or it is damaged; use the secret it was made with, or \
                 delete it and sign in again"
            ))
        })?;
    let p: Plain =
        serde_json::from_slice(plain).map_err(|_| damaged("the decrypted data is not valid"))?;
    if p.client_id != app.client_id {
        return Err(damaged("the client id inside does not match"));
    }
    Ok(Stored {
        url: p.url,
        tokens: TokenSet {
            access_token: Secret::new(p.access_token),
            refresh_token: p.refresh_token.map(Secret::new),
            expires_in: p.expires_in,
            scope: p.scope,
            obtained_ms: p.token_timestamp,
        },
        verifier_digest: p.verifier_digest,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(id: &str, secret: &str) -> OAuthClient {
        OAuthClient {
            client_id: id.into(),
            client_secret: secret.into(),
        }
    }

    fn stored() -> Stored {
        Stored {
            url: "https://x.cybozu.com".into(),
            tokens: TokenSet {
                access_token: "ACCESS-tok-123".into(),
                refresh_token: Some("REFRESH-tok-456".into()),
                expires_in: Some(3600),
                scope: Some("k:app_record:read".into()),
                obtained_ms: 1_700_000_000_000,
            },
            verifier_digest: None,
        }
    }

    #[test]
    fn round_trip_holds_no_token_in_clear() {
        let a = app("cid", "csecret");
        let text = seal(&stored(), &a).unwrap();
        assert!(!text.contains("ACCESS-tok"));
        assert!(!text.contains("REFRESH-tok"));
        assert!(!text.contains("csecret"));
        assert_eq!(open(&text, &a, "f").unwrap(), stored());
        // A fresh salt and nonce each time.
        assert_ne!(seal(&stored(), &a).unwrap(), text);
    }

    #[test]
    fn another_client_or_secret_or_damage_is_named() {
        let text = seal(&stored(), &app("cid", "csecret")).unwrap();
        let e = open(&text, &app("other", "csecret"), "f")
            .unwrap_err()
            .to_string();
        assert!(e.contains("another OAuth client"), "{e}");
        let e = open(&text, &app("cid", "wrong"), "f")
            .unwrap_err()
            .to_string();
        assert!(e.contains("another client secret"), "{e}");
        let mut bad = text.clone().into_bytes();
        let n = bad.len() - 5;
        bad[n] = if bad[n] == b'A' { b'B' } else { b'A' };
        let e = open(
            std::str::from_utf8(&bad).unwrap(),
            &app("cid", "csecret"),
            "f",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("cannot be decrypted") || e.contains("damaged"),
            "{e}"
        );
        for junk in ["", "hello", "kintone-odbc OAuth settings v1\nclient: x\n"] {
            let e = open(junk, &app("cid", "csecret"), "f")
                .unwrap_err()
                .to_string();
            assert!(e.contains("f "), "{e}");
        }
    }
}
