//! Licence keys: a signed statement of licensee, edition and expiry, checked offline.
//!
//! Text form (printable, safe to paste in a terminal or an e-mail; whitespace and line
//! breaks inside a key are ignored so wrapped keys still work):
//!
//! ```text
//! KODBC1.<payload>.<signature>
//! ```
//!
//! `payload` is the base64url (no padding) of the UTF-8 text `licensee \n edition \n
//! expires` where `expires` is `YYYY-MM-DD` (the last valid day) or `never`.
//! `signature` is the base64url of the 64-byte Ed25519 signature of
//! `"kintone-odbc licence v1\n" + payload bytes`, made with the publisher's signing key.
//! The context prefix keeps a signature of this product from being valid for anything
//! else signed with the same key.
//!
//! Key files: a signing key is `KODBC-SIGNING-KEY-1 <base64 of the 32-byte seed>`, a
//! public key `KODBC-PUBLIC-KEY-1 <base64 of the 32 bytes>` (standard or url-safe
//! base64 accepted).

use std::io::Read;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use chrono::NaiveDate;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

pub const PREFIX: &str = "KODBC1.";
const CONTEXT: &[u8] = b"kintone-odbc licence v1\n";
pub const SIGNING_KEY_TAG: &str = "KODBC-SIGNING-KEY-1";
pub const PUBLIC_KEY_TAG: &str = "KODBC-PUBLIC-KEY-1";

/// What a valid key grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct License {
    pub licensee: String,
    pub edition: String,
    /// Last day the licence is valid; `None` never expires.
    pub expires: Option<NaiveDate>,
}

impl License {
    pub fn is_expired(&self, today: NaiveDate) -> bool {
        self.expires.is_some_and(|d| today > d)
    }

    fn payload(&self) -> Result<String, String> {
        check_field("licensee", &self.licensee)?;
        check_field("edition", &self.edition)?;
        let expires = match self.expires {
            Some(d) => d.format("%Y-%m-%d").to_string(),
            None => "never".to_string(),
        };
        Ok(format!("{}\n{}\n{expires}", self.licensee, self.edition))
    }
}

fn check_field(name: &str, v: &str) -> Result<(), String> {
    if v.trim().is_empty() {
        return Err(format!("the {name} must not be empty"));
    }
    if v.chars().any(char::is_control) {
        return Err(format!(
            "the {name} must not contain control characters or line breaks"
        ));
    }
    Ok(())
}

fn message(payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(CONTEXT.len() + payload.len());
    m.extend_from_slice(CONTEXT);
    m.extend_from_slice(payload);
    m
}

/// Makes a key for `license` with the 32-byte signing seed.
pub fn issue(license: &License, seed: &[u8; 32]) -> Result<String, String> {
    let payload = license.payload()?;
    let signing = SigningKey::from_bytes(seed);
    let sig = signing.sign(&message(payload.as_bytes()));
    Ok(format!(
        "{PREFIX}{}.{}",
        URL_SAFE_NO_PAD.encode(payload.as_bytes()),
        URL_SAFE_NO_PAD.encode(sig.to_bytes())
    ))
}

/// Checks a key's form and signature. Expiry is the caller's business (it needs a date).
pub fn verify(text: &str, public_key: &[u8; 32]) -> Result<License, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.is_empty() {
        return Err("the licence key is empty".into());
    }
    let Some(body) = compact.strip_prefix(PREFIX) else {
        return Err(format!(
            "not a Kintone ODBC licence key (a key starts with '{PREFIX}')"
        ));
    };
    let mut parts = body.split('.');
    let (Some(p64), Some(s64), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "malformed licence key: expected '{PREFIX}<payload>.<signature>'"
        ));
    };
    let payload = URL_SAFE_NO_PAD
        .decode(p64)
        .map_err(|_| "malformed licence key: the payload is not base64url".to_string())?;
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(s64)
        .map_err(|_| "malformed licence key: the signature is not base64url".to_string())?;
    let sig_arr: [u8; 64] = sig_bytes
        .as_slice()
        .try_into()
        .map_err(|_| "malformed licence key: the signature is not 64 bytes".to_string())?;
    let verifying = VerifyingKey::from_bytes(public_key)
        .map_err(|_| "the built-in public key is not a valid Ed25519 key".to_string())?;
    verifying
        .verify_strict(&message(&payload), &Signature::from_bytes(&sig_arr))
        .map_err(|_| {
            "the licence key's signature does not match: the key was altered or was not issued for this product".to_string()
        })?;
    // Only a signed payload is interpreted, so its fields can be trusted from here on.
    let text = String::from_utf8(payload)
        .map_err(|_| "malformed licence key: the payload is not UTF-8".to_string())?;
    let mut lines = text.split('\n');
    let (Some(licensee), Some(edition), Some(expires), None) =
        (lines.next(), lines.next(), lines.next(), lines.next())
    else {
        return Err("malformed licence key: the payload does not have three fields".into());
    };
    let expires = match expires {
        "never" => None,
        d => Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
            format!("malformed licence key: expiry '{d}' is not a YYYY-MM-DD date")
        })?),
    };
    let license = License {
        licensee: licensee.to_string(),
        edition: edition.to_string(),
        expires,
    };
    license.payload()?;
    Ok(license)
}

/// A fresh key pair from the OS's random source: (signing seed, public key).
pub fn generate_keypair() -> std::io::Result<([u8; 32], [u8; 32])> {
    let mut seed = [0u8; 32];
    std::fs::File::open("/dev/urandom")?.read_exact(&mut seed)?;
    let public = SigningKey::from_bytes(&seed).verifying_key().to_bytes();
    Ok((seed, public))
}

pub fn encode_signing_key(seed: &[u8; 32]) -> String {
    format!("{SIGNING_KEY_TAG} {}", STANDARD.encode(seed))
}

pub fn encode_public_key(public: &[u8; 32]) -> String {
    format!("{PUBLIC_KEY_TAG} {}", STANDARD.encode(public))
}

pub fn decode_signing_key(text: &str) -> Result<[u8; 32], String> {
    decode_tagged(text, SIGNING_KEY_TAG, "signing key")
}

pub fn decode_public_key(text: &str) -> Result<[u8; 32], String> {
    decode_tagged(text, PUBLIC_KEY_TAG, "public key")
}

fn decode_tagged(text: &str, tag: &str, what: &str) -> Result<[u8; 32], String> {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .unwrap_or_default();
    let Some(b64) = line.strip_prefix(tag) else {
        return Err(format!("not a {what}: expected '{tag} <base64>'"));
    };
    let b64 = b64.trim();
    let bytes = STANDARD
        .decode(b64)
        .or_else(|_| URL_SAFE_NO_PAD.decode(b64))
        .map_err(|_| format!("malformed {what}: not base64"))?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| format!("malformed {what}: not 32 bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lic(expires: Option<NaiveDate>) -> License {
        License {
            licensee: "Example K.K.".into(),
            edition: "Enterprise".into(),
            expires,
        }
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn issued_key_verifies_and_round_trips_fields() {
        let (seed, public) = generate_keypair().unwrap();
        let l = lic(Some(date("2027-03-31")));
        let key = issue(&l, &seed).unwrap();
        assert!(key.starts_with("KODBC1."));
        assert!(key.chars().all(|c| c.is_ascii_graphic()));
        assert_eq!(verify(&key, &public).unwrap(), l);
        let never = issue(&lic(None), &seed).unwrap();
        assert_eq!(verify(&never, &public).unwrap().expires, None);
    }

    #[test]
    fn wrapped_key_with_whitespace_verifies() {
        let (seed, public) = generate_keypair().unwrap();
        let key = issue(&lic(None), &seed).unwrap();
        let (a, b) = key.split_at(20);
        assert_eq!(
            verify(&format!("  {a}\n  {b}\n"), &public)
                .unwrap()
                .licensee,
            "Example K.K."
        );
    }

    #[test]
    fn key_from_another_signer_is_rejected() {
        let (seed, _) = generate_keypair().unwrap();
        let (_, other_public) = generate_keypair().unwrap();
        let key = issue(&lic(None), &seed).unwrap();
        assert_eq!(
            verify(&key, &other_public).unwrap_err(),
            "the licence key's signature does not match: the key was altered or was not issued for this product"
        );
    }

    #[test]
    fn tampered_fields_are_rejected() {
        let (seed, public) = generate_keypair().unwrap();
        let key = issue(&lic(Some(date("2026-01-01"))), &seed).unwrap();
        let body = key.strip_prefix(PREFIX).unwrap();
        let (p64, s64) = body.split_once('.').unwrap();
        let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(p64).unwrap()).unwrap();
        for forged in [
            payload.replace("2026-01-01", "2099-01-01"),
            payload.replace("Enterprise", "Unlimited"),
            payload.replace("Example K.K.", "Someone Else"),
        ] {
            let k = format!("{PREFIX}{}.{s64}", URL_SAFE_NO_PAD.encode(forged));
            assert!(verify(&k, &public)
                .unwrap_err()
                .starts_with("the licence key's signature does not match"));
        }
        // A flipped signature bit.
        let mut sig = URL_SAFE_NO_PAD.decode(s64).unwrap();
        sig[10] ^= 1;
        let k = format!("{PREFIX}{p64}.{}", URL_SAFE_NO_PAD.encode(sig));
        assert!(verify(&k, &public).is_err());
    }

    #[test]
    fn malformed_keys_say_what_is_wrong() {
        let (_, public) = generate_keypair().unwrap();
        assert_eq!(verify("", &public).unwrap_err(), "the licence key is empty");
        assert_eq!(
            verify("hello", &public).unwrap_err(),
            "not a Kintone ODBC licence key (a key starts with 'KODBC1.')"
        );
        assert_eq!(
            verify("KODBC1.abc", &public).unwrap_err(),
            "malformed licence key: expected 'KODBC1.<payload>.<signature>'"
        );
        assert_eq!(
            verify("KODBC1.a*b.c", &public).unwrap_err(),
            "malformed licence key: the payload is not base64url"
        );
        assert_eq!(
            verify("KODBC1.YWJj.YWJj", &public).unwrap_err(),
            "malformed licence key: the signature is not 64 bytes"
        );
    }

    #[test]
    fn expiry_is_inclusive() {
        let l = lic(Some(date("2026-05-31")));
        assert!(!l.is_expired(date("2026-05-31")));
        assert!(l.is_expired(date("2026-06-01")));
        assert!(!lic(None).is_expired(date("2999-01-01")));
    }

    #[test]
    fn issuing_rejects_fields_that_would_break_the_payload() {
        let (seed, _) = generate_keypair().unwrap();
        let mut l = lic(None);
        l.licensee = "two\nlines".into();
        assert_eq!(
            issue(&l, &seed).unwrap_err(),
            "the licensee must not contain control characters or line breaks"
        );
        l.licensee = " ".into();
        assert_eq!(
            issue(&l, &seed).unwrap_err(),
            "the licensee must not be empty"
        );
    }

    #[test]
    fn key_files_round_trip() {
        let (seed, public) = generate_keypair().unwrap();
        assert_eq!(
            decode_signing_key(&encode_signing_key(&seed)).unwrap(),
            seed
        );
        assert_eq!(
            decode_public_key(&format!("# comment\n{}\n", encode_public_key(&public))).unwrap(),
            public
        );
        assert_eq!(
            decode_public_key(&encode_signing_key(&seed)).unwrap_err(),
            "not a public key: expected 'KODBC-PUBLIC-KEY-1 <base64>'"
        );
    }
}
