//! rustls configuration: server certificates verified against webpki roots plus the OS
//! store plus an optional extra CA file (whose certificates are also accepted as exact
//! pins); optional client certificate (§3.5). There is deliberately no way to turn
//! verification off.

use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::config::ClientCert;
use crate::error::{Error, Result};
use crate::targets::SSL;

/// The most a certificate, key or PKCS#12 file may hold. Real ones are a few KiB (a CA
/// bundle a few hundred); the cap keeps a wrong path (`/dev/zero`, a disk image) from
/// being read until memory runs out.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

fn read(path: &Path, what: &str) -> Result<Vec<u8>> {
    crate::local_file::read_capped(path, MAX_FILE_BYTES)
        .map_err(|e| Error::Config(format!("cannot read {what} '{}': {e}", path.display())))?
        .ok_or_else(|| {
            Error::Config(format!(
                "{what} '{}' is larger than {} KiB, more than any certificate or key file: \
                 check the path",
                path.display(),
                MAX_FILE_BYTES / 1024
            ))
        })
}

fn pem_certs(path: &Path, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let data = read(path, what)?;
    let certs = rustls_pemfile::certs(&mut data.as_slice())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Config(format!("{what} '{}' is not valid PEM: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "{what} '{}' contains no PEM certificate",
            path.display()
        )));
    }
    Ok(certs)
}

/// The root store: webpki roots, the OS store (when `os_store`), and `extra_ca`.
pub fn root_store(extra_ca: Option<&Path>, os_store: bool) -> Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    if os_store {
        add_os_store(&mut roots);
    }
    if let Some(path) = extra_ca {
        for cert in pem_certs(path, "CA file")? {
            roots.add(cert).map_err(|e| {
                Error::Config(format!(
                    "CA file '{}' has an unusable certificate: {e}",
                    path.display()
                ))
            })?;
        }
    }
    Ok(roots)
}

fn add_os_store(roots: &mut RootCertStore) {
    let native = rustls_native_certs::load_native_certs();
    for e in &native.errors {
        tracing::debug!(target: SSL, "some OS certificates could not be loaded: {e}");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    tracing::debug!(
        target: SSL,
        webpki_roots = webpki_roots::TLS_SERVER_ROOTS.len(),
        os_certificates = added,
        os_unusable = ignored,
        "trusted roots loaded"
    );
}

/// Loads a client certificate chain and key.
pub fn load_client_cert(
    cert: &ClientCert,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    match cert {
        ClientCert::Pkcs12 { path, password } => {
            let data = read(path, "client certificate")?;
            // The password is never put into the message: only whether opening failed.
            let store =
                p12_keystore::KeyStore::from_pkcs12(&data, password.expose()).map_err(|e| {
                    Error::Config(format!(
                        "cannot open the PKCS#12 client certificate '{}' (wrong password or \
                         unsupported file): {e}",
                        path.display()
                    ))
                })?;
            let (_, chain) = store.private_key_chain().ok_or_else(|| {
                Error::Config(format!(
                    "the PKCS#12 file '{}' holds no private key with a certificate",
                    path.display()
                ))
            })?;
            let certs: Vec<CertificateDer<'static>> = chain
                .chain()
                .iter()
                .map(|c| CertificateDer::from(c.as_der().to_vec()))
                .collect();
            if certs.is_empty() {
                return Err(Error::Config(format!(
                    "the PKCS#12 file '{}' holds a key without a certificate",
                    path.display()
                )));
            }
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(chain.key().to_vec()));
            Ok((certs, key))
        }
        ClientCert::Pem {
            cert_path,
            key_path,
        } => {
            let certs = pem_certs(cert_path, "client certificate")?;
            let data = read(key_path, "client key")?;
            let key = rustls_pemfile::private_key(&mut data.as_slice())
                .map_err(|e| {
                    Error::Config(format!(
                        "client key '{}' is not valid PEM: {e}",
                        key_path.display()
                    ))
                })?
                .ok_or_else(|| {
                    Error::Config(format!(
                        "client key '{}' contains no private key",
                        key_path.display()
                    ))
                })?;
            Ok((certs, key))
        }
    }
}

/// Accepts a server whose certificate is exactly one the user gave in `SSLServerCert`
/// (pinning), else verifies it against the roots as usual. A pinned certificate may be
/// self-signed, even a CA certificate used as the server's own (webpki refuses that as
/// `CaUsedAsEndEntity`), and its names are not checked: the user named this very
/// certificate, and the handshake signatures below prove the server holds its key.
#[derive(Debug)]
struct PinnedOrWebPki {
    pinned: Vec<CertificateDer<'static>>,
    webpki: Arc<WebPkiServerVerifier>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for PinnedOrWebPki {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        if self
            .pinned
            .iter()
            .any(|p| p.as_ref() == end_entity.as_ref())
        {
            tracing::debug!(target: SSL, server = ?server_name, "server certificate accepted: it is pinned by SSLServerCert");
            return Ok(ServerCertVerified::assertion());
        }
        let verdict = self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        );
        match &verdict {
            Ok(_) => {
                tracing::debug!(target: SSL, server = ?server_name, "server certificate verified")
            }
            Err(e) => {
                tracing::warn!(target: SSL, server = ?server_name, error = %e, "server certificate refused")
            }
        }
        verdict
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The rustls client configuration handed to reqwest. `os_store`: trust the OS's
/// certificates too (not needed by a client that never opens a TLS connection).
pub fn client_config(
    extra_ca: Option<&Path>,
    cert: Option<&ClientCert>,
    os_store: bool,
) -> Result<ClientConfig> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let roots = Arc::new(root_store(extra_ca, os_store)?);
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?;
    let builder = match extra_ca {
        // Pinning only ever applies to certificates the user gave.
        Some(path) => {
            let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(PinnedOrWebPki {
                    pinned: pem_certs(path, "CA file")?,
                    webpki,
                    algorithms: provider.signature_verification_algorithms,
                }))
        }
        None => builder.with_root_certificates(roots),
    };
    let mut config = match cert {
        None => builder.with_no_client_auth(),
        Some(c) => {
            let (certs, key) = load_client_cert(c)?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| Error::Config(format!("the client certificate is unusable: {e}")))?
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    tracing::debug!(
        target: SSL,
        extra_ca = ?extra_ca,
        client_certificate = cert.is_some(),
        "TLS configured: certificates verified, TLS 1.2 and 1.3"
    );
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_roots_are_loaded() {
        let roots = root_store(None, true).unwrap();
        assert!(roots.len() >= webpki_roots::TLS_SERVER_ROOTS.len() / 2);
        // Without the OS store: the webpki roots alone.
        let webpki = root_store(None, false).unwrap();
        assert_eq!(webpki.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        assert!(client_config(None, None, true).is_ok());
    }

    #[test]
    fn bad_files_are_config_errors_without_secrets() {
        let e = client_config(Some(Path::new("/nonexistent/ca.pem")), None, true).unwrap_err();
        assert!(matches!(e, Error::Config(_)));
        let dir = std::env::temp_dir().join(format!("kapi-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("bad.p12");
        std::fs::write(&p, b"not a pkcs12").unwrap();
        let e = client_config(
            None,
            Some(&ClientCert::Pkcs12 {
                path: p.clone(),
                password: "pw-SECRET".into(),
            }),
            true,
        )
        .unwrap_err();
        assert!(!e.to_string().contains("pw-SECRET"), "{e}");
        let pem = dir.join("empty.pem");
        std::fs::write(&pem, b"").unwrap();
        let e = client_config(Some(&pem), None, true).unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn certificate_files_are_read_with_a_cap() {
        let e = client_config(Some(Path::new("/dev/zero")), None, true).unwrap_err();
        let m = e.to_string();
        assert!(m.contains("/dev/zero") && m.contains("1024 KiB"), "{m}");
        let dir = std::env::temp_dir().join(format!("kapi-tls-cap-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.pem");
        std::fs::write(&big, vec![b'A'; (MAX_FILE_BYTES + 10) as usize]).unwrap();
        for e in [
            client_config(Some(&big), None, true).unwrap_err(),
            client_config(
                None,
                Some(&ClientCert::Pkcs12 {
                    path: big.clone(),
                    password: "x".into(),
                }),
                true,
            )
            .unwrap_err(),
            client_config(
                None,
                Some(&ClientCert::Pem {
                    cert_path: big.clone(),
                    key_path: big.clone(),
                }),
                true,
            )
            .unwrap_err(),
        ] {
            let m = e.to_string();
            assert!(
                m.contains("big.pem") && m.contains("larger than 1024 KiB"),
                "{m}"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
