//! TLS for the hub's WebSocket endpoint: rustls with the `ring` provider, the server's
//! certificate chain and key read from PEM files.

use std::path::Path;
use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls;

use crate::error::{HubError, Result};

/// The `ring` provider: chosen over aws-lc-rs, whose C build needs cmake and minutes of CPU.
/// rustls deprecates it for lacking post-quantum key exchange (`docs/deploy.md#tls`).
#[allow(deprecated)]
pub(crate) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A TLS server configuration from a PEM certificate chain and a PEM private key.
///
/// # Errors
/// [`HubError::Tls`] for files that cannot be read or parsed, or a key that does not fit.
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<rustls::ServerConfig> {
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| HubError::Tls(format!("certificate: {e}")))?;
    if certs.is_empty() {
        return Err(HubError::Tls(
            "no certificate in the certificate file".into(),
        ));
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| HubError::Tls(format!("key: {e}")))?;
    rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| HubError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| HubError::Tls(e.to_string()))
}

/// [`server_config`] from files.
///
/// # Errors
/// As [`server_config`]; [`HubError::Tls`] when a file cannot be read.
pub fn server_config_from_files(cert: &Path, key: &Path) -> Result<rustls::ServerConfig> {
    let read =
        |p: &Path| std::fs::read(p).map_err(|e| HubError::Tls(format!("{}: {e}", p.display())));
    server_config(&read(cert)?, &read(key)?)
}

/// A TLS client configuration trusting only the CA certificates in `ca_pem` (tests, and
/// devices of a deployment with its own CA).
///
/// # Errors
/// [`HubError::Tls`] for a file without a usable certificate.
pub fn client_config(ca_pem: &[u8]) -> Result<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        let cert = cert.map_err(|e| HubError::Tls(format!("CA certificate: {e}")))?;
        roots
            .add(cert)
            .map_err(|e| HubError::Tls(format!("CA certificate: {e}")))?;
    }
    if roots.is_empty() {
        return Err(HubError::Tls("no CA certificate".into()));
    }
    Ok(rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| HubError::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}
