//! What can go wrong while obtaining or keeping credentials. Messages name what to
//! do next and never carry a token, code or secret.

use std::fmt;

#[derive(Debug)]
pub enum AuthError {
    /// The properties do not describe a flow that can run (missing client id, a
    /// non-loopback CallbackURL for the desktop flow ...).
    Config(String),
    /// The user or Kintone said no: consent denied, a refused code or refresh token.
    Denied(String),
    /// Nobody finished signing in within the allowed time.
    Timeout(String),
    /// The token store cannot be read or written (damaged, encrypted for another client,
    /// not writable, locked by another process for too long).
    Store(String),
    /// The OS keyring is missing, locked or refused the request.
    Keyring(String),
    /// Kintone (the token endpoint or an API) answered with an error.
    /// Boxed: Kintone's errors carry the whole answer, and this type travels in every
    /// `Result` of the crate.
    Api(Box<kintone_api::Error>),
}

pub type AuthResult<T> = Result<T, AuthError>;

impl fmt::Display for AuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthError::Config(m)
            | AuthError::Denied(m)
            | AuthError::Timeout(m)
            | AuthError::Store(m)
            | AuthError::Keyring(m) => f.write_str(m),
            AuthError::Api(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for AuthError {}

impl From<kintone_api::Error> for AuthError {
    fn from(e: kintone_api::Error) -> Self {
        match e {
            kintone_api::Error::Config(m) => AuthError::Config(m),
            other => AuthError::Api(Box::new(other)),
        }
    }
}
