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

/// When a certificate chain is valid: from the latest `notBefore` of its certificates to the
/// earliest `notAfter`, in seconds since the epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    /// Not valid before (the latest start of the chain's certificates).
    pub not_before: i64,
    /// Not valid after (the first expiry of the chain's certificates).
    pub not_after: i64,
}

/// The validity of the certificate chain `certs` (DER), read with `x509-parser`.
///
/// # Errors
/// [`HubError::Tls`] for an empty chain or a certificate that does not parse.
pub fn chain_validity(certs: &[CertificateDer<'_>]) -> Result<Validity> {
    let mut validity: Option<Validity> = None;
    for der in certs {
        let (_, cert) = x509_parser::parse_x509_certificate(der.as_ref())
            .map_err(|e| HubError::Tls(format!("certificate: {e}")))?;
        let v = cert.validity();
        let (from, to) = (v.not_before.timestamp(), v.not_after.timestamp());
        validity = Some(match validity {
            None => Validity {
                not_before: from,
                not_after: to,
            },
            Some(seen) => Validity {
                not_before: seen.not_before.max(from),
                not_after: seen.not_after.min(to),
            },
        });
    }
    validity.ok_or_else(|| HubError::Tls("no certificate in the certificate file".into()))
}

/// A TLS server configuration from a PEM certificate chain and a PEM private key, and the
/// chain's validity (to warn before it expires). The chain must be valid at `now` (seconds
/// since the epoch), as devices will check.
///
/// # Errors
/// [`HubError::TlsCertificateExpired`] when a certificate of the chain has expired;
/// [`HubError::Tls`] for one not valid yet, files that cannot be parsed, or a key that does
/// not fit.
pub fn server_config_at(
    cert_pem: &[u8],
    key_pem: &[u8],
    now: i64,
) -> Result<(rustls::ServerConfig, Validity)> {
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| HubError::Tls(format!("certificate: {e}")))?;
    let validity = chain_validity(&certs)?;
    if now > validity.not_after {
        return Err(HubError::TlsCertificateExpired {
            expired_at: validity.not_after,
        });
    }
    if now < validity.not_before {
        return Err(HubError::Tls(format!(
            "the TLS certificate (--tls-cert) is not valid before {}: check the clock, or \
             install a certificate valid now",
            crate::error::utc(&validity.not_before)
        )));
    }
    let key =
        PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| HubError::Tls(format!("key: {e}")))?;
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| HubError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| HubError::Tls(e.to_string()))?;
    Ok((config, validity))
}

/// [`server_config_at`] now, without the validity.
///
/// # Errors
/// As [`server_config_at`].
pub fn server_config(cert_pem: &[u8], key_pem: &[u8]) -> Result<rustls::ServerConfig> {
    server_config_at(cert_pem, key_pem, crate::authority::now()).map(|(config, _)| config)
}

/// [`server_config_at`] now, from files.
///
/// # Errors
/// As [`server_config_at`]; [`HubError::Tls`] when a file cannot be read.
pub fn server_config_from_files(
    cert: &Path,
    key: &Path,
) -> Result<(rustls::ServerConfig, Validity)> {
    let read =
        |p: &Path| std::fs::read(p).map_err(|e| HubError::Tls(format!("{}: {e}", p.display())));
    server_config_at(&read(cert)?, &read(key)?, crate::authority::now())
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate and key (PEM) valid from `from` to `to` (y, m, d).
    fn certificate(from: (i32, u8, u8), to: (i32, u8, u8)) -> (String, String) {
        let mut params = rcgen::CertificateParams::new(vec!["localhost".into()]).unwrap();
        params.not_before = rcgen::date_time_ymd(from.0, from.1, from.2);
        params.not_after = rcgen::date_time_ymd(to.0, to.1, to.2);
        let key = rcgen::KeyPair::generate().unwrap();
        (params.self_signed(&key).unwrap().pem(), key.serialize_pem())
    }

    const Y2020: i64 = 1_577_836_800;
    const Y2030: i64 = 1_893_456_000;

    #[test]
    fn the_validity_is_read_from_the_certificate() {
        let (cert, key) = certificate((2020, 1, 1), (2030, 1, 1));
        let (_, validity) = server_config_at(cert.as_bytes(), key.as_bytes(), Y2020 + 1).unwrap();
        assert_eq!(
            validity,
            Validity {
                not_before: Y2020,
                not_after: Y2030
            }
        );
    }

    #[test]
    fn an_expired_or_not_yet_valid_certificate_is_refused() {
        let (cert, key) = certificate((2020, 1, 1), (2030, 1, 1));
        let Err(err) = server_config_at(cert.as_bytes(), key.as_bytes(), Y2030 + 1) else {
            panic!("an expired certificate is refused");
        };
        assert!(
            matches!(err, HubError::TlsCertificateExpired { expired_at } if expired_at == Y2030),
            "{err}"
        );
        assert!(err.to_string().contains("expired at 2030-01-01 00:00:00Z"));
        let Err(err) = server_config_at(cert.as_bytes(), key.as_bytes(), Y2020 - 1) else {
            panic!("a certificate not valid yet is refused");
        };
        assert!(
            err.to_string().contains("not valid before 2020-01-01"),
            "{err}"
        );
        // Valid at its last second.
        assert!(server_config_at(cert.as_bytes(), key.as_bytes(), Y2030).is_ok());
    }

    #[test]
    fn the_first_certificate_of_a_chain_to_expire_decides() {
        let (leaf, key) = certificate((2021, 1, 1), (2030, 1, 1));
        let (issuer, _) = certificate((2020, 1, 1), (2025, 1, 1));
        let chain = format!("{leaf}{issuer}");
        let Err(err) = server_config_at(chain.as_bytes(), key.as_bytes(), Y2030 - 86_400) else {
            panic!("a chain with an expired certificate is refused");
        };
        assert!(err.to_string().contains("expired at 2025-01-01"), "{err}");
    }

    #[test]
    fn no_certificate_or_garbage_is_refused() {
        let (_, key) = certificate((2020, 1, 1), (2030, 1, 1));
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        for pem in ["", garbage] {
            assert!(matches!(
                server_config_at(pem.as_bytes(), key.as_bytes(), Y2020 + 1),
                Err(HubError::Tls(_))
            ));
        }
    }
}
