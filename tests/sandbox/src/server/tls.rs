//! HTTPS: a rustls server config from PEM files, optionally demanding a client
//! certificate signed by a given CA (§3.5 Secure Access).

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};
use std::io::{self, BufReader};
use std::path::Path;
use std::sync::Arc;

fn invalid(flag: &str, path: &Path, msg: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{flag} {}: {msg}", path.display()),
    )
}

fn read_certs(flag: &str, path: &Path) -> io::Result<Vec<CertificateDer<'static>>> {
    let file = std::fs::File::open(path).map_err(|e| invalid(flag, path, e))?;
    let certs = rustls_pemfile::certs(&mut BufReader::new(file))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(flag, path, e))?;
    if certs.is_empty() {
        return Err(invalid(flag, path, "no PEM certificate found"));
    }
    Ok(certs)
}

fn read_key(path: &Path) -> io::Result<PrivateKeyDer<'static>> {
    let file = std::fs::File::open(path).map_err(|e| invalid("--tls-key", path, e))?;
    rustls_pemfile::private_key(&mut BufReader::new(file))
        .map_err(|e| invalid("--tls-key", path, e))?
        .ok_or_else(|| invalid("--tls-key", path, "no PEM private key found"))
}

pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> io::Result<Arc<ServerConfig>> {
    // An explicit provider: the process-wide default is ambiguous when several crypto
    // backends are linked into a test binary.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs = read_certs("--tls-cert", cert)?;
    let key = read_key(key)?;
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?;
    let builder = match client_ca {
        Some(ca) => {
            let mut roots = RootCertStore::empty();
            for c in read_certs("--client-ca", ca)? {
                roots.add(c).map_err(|e| invalid("--client-ca", ca, e))?;
            }
            // Without `allow_unauthenticated`, a client that presents no certificate
            // fails the handshake.
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .build()
                .map_err(|e| invalid("--client-ca", ca, e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| invalid("--tls-cert", cert, e))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
