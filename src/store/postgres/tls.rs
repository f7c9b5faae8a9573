//! TLS to the PostgreSQL server through rustls, with libpq's `sslmode`.
//!
//! | `sslmode`     | TLS tried | refused without TLS | chain checked | host name checked |
//! |---------------|-----------|---------------------|---------------|-------------------|
//! | `disable`     | no        | no                  | –             | –                 |
//! | `prefer`      | yes       | no                  | no            | no                |
//! | `require`     | yes       | yes                 | with `sslrootcert` only | no      |
//! | `verify-ca`   | yes       | yes                 | yes           | no                |
//! | `verify-full` | yes       | yes                 | yes           | yes               |
//!
//! The trusted roots are the system's (read by rustls-native-certs) plus the
//! certificates of the address's `sslrootcert` file. The default is
//! `prefer`, as libpq's. A Unix socket never carries TLS (the server offers
//! none there), whatever the mode.

use super::PgError;
use crate::domain::error::{DomainError, Field};
use crate::store::StoreError;
use ::postgres::config::SslMode as WireMode;
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres_rustls::MakeRustlsConnect;

/// libpq's `sslmode`, as the workspace address gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, without checking its certificate.
    Prefer,
    /// TLS or nothing; the certificate is checked only against `sslrootcert`.
    Require,
    /// TLS, with a certificate from a trusted authority (any host name).
    VerifyCa,
    /// TLS, with a certificate from a trusted authority for this host name.
    VerifyFull,
}

impl SslMode {
    fn parse(value: &str) -> Option<SslMode> {
        Some(match value {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }
}

/// The TLS part of a workspace address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// The `sslmode` (default `prefer`).
    pub mode: SslMode,
    /// The `sslrootcert` file, when given.
    pub root_cert: Option<PathBuf>,
}

/// Takes `sslmode` and `sslrootcert` out of a `postgresql://` address (the
/// PostgreSQL client knows only three modes and no root file), returning
/// the rest of the address and the TLS settings.
pub(super) fn split_address(url: &str) -> Result<(String, TlsSettings), PgError> {
    let mut settings = TlsSettings {
        mode: SslMode::Prefer,
        root_cert: None,
    };
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), settings));
    };
    let mut kept = Vec::new();
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                settings.mode = SslMode::parse(&percent_decode(value)?).ok_or_else(|| {
                    invalid("sslmode is one of disable, prefer, require, verify-ca, verify-full")
                })?;
            }
            "sslrootcert" => settings.root_cert = Some(PathBuf::from(percent_decode(value)?)),
            _ => kept.push(pair),
        }
    }
    if settings.root_cert.is_some() && settings.mode == SslMode::Disable {
        // Harmless, as in libpq: the file is simply not read.
        settings.root_cert = None;
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, settings))
}

/// What the PostgreSQL client itself does about TLS for `mode`.
pub(super) fn wire_mode(mode: SslMode) -> WireMode {
    match mode {
        SslMode::Disable => WireMode::Disable,
        SslMode::Prefer => WireMode::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => WireMode::Require,
    }
}

/// The rustls connector for `settings`: its roots and certificate checks.
pub(super) fn connector(settings: &TlsSettings) -> Result<MakeRustlsConnect, PgError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let checks_chain = match settings.mode {
        SslMode::Disable | SslMode::Prefer => false,
        // libpq: with a root file, `require` checks the chain as `verify-ca`.
        SslMode::Require => settings.root_cert.is_some(),
        SslMode::VerifyCa | SslMode::VerifyFull => true,
    };
    let verifier: Arc<dyn ServerCertVerifier> = if checks_chain {
        let roots = Arc::new(roots(settings)?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| tls_setup(&format!("no trusted certificate authority: {e}")))?;
        if settings.mode == SslMode::VerifyFull {
            webpki
        } else {
            Arc::new(AnyHostName(webpki))
        }
    } else {
        Arc::new(AnyCertificate(provider.signature_verification_algorithms))
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_setup(&e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// The system's roots plus those of `sslrootcert`.
fn roots(settings: &TlsSettings) -> Result<RootCertStore, PgError> {
    let mut roots = RootCertStore::empty();
    // A system without a certificate store is not an error: `sslrootcert`
    // may be all there is.
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = &settings.root_cert {
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(Iterator::collect::<Result<Vec<_>, _>>)
            .map_err(|e| {
                tls_setup(&format!(
                    "cannot read the root certificate file {}: {e}",
                    path.display()
                ))
            })?;
        if certs.is_empty() {
            return Err(tls_setup(&format!(
                "the root certificate file {} holds no certificate",
                path.display()
            )));
        }
        for cert in certs {
            roots.add(cert).map_err(|e| {
                tls_setup(&format!(
                    "a certificate in {} is not usable: {e}",
                    path.display()
                ))
            })?;
        }
    }
    Ok(roots)
}

/// `verify-ca` (and `require` with a root file): the chain must lead to a
/// trusted root; the host name is not compared.
#[derive(Debug)]
struct AnyHostName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyHostName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        // The chain is checked first; a name mismatch is reported only for a
        // certificate whose chain is good.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` and `require` without a root file: encrypted, but whoever
/// answers is accepted (libpq's meaning). The handshake's signatures are
/// still checked against the certificate presented.
#[derive(Debug)]
struct AnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// Decodes `%XX` escapes of an address's query value.
fn percent_decode(value: &str) -> Result<String, PgError> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| invalid("this is not a valid PostgreSQL address"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| invalid("this is not a valid PostgreSQL address"))
}

fn invalid(message: &str) -> PgError {
    PgError::Refused(DomainError::invalid(Field::Workspace, message))
}

fn tls_setup(message: &str) -> PgError {
    PgError::Store(StoreError::Database(format!(
        "cannot set up TLS to the PostgreSQL server: {message}"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_settings_are_taken_out_of_the_address() {
        let (rest, tls) = split_address(
            "postgresql://db/team?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&port=5433",
        )
        .unwrap();
        assert_eq!(rest, "postgresql://db/team?port=5433");
        assert_eq!(tls.mode, SslMode::VerifyFull);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/ca.pem")));

        let (rest, tls) = split_address("postgresql://db/team").unwrap();
        assert_eq!(rest, "postgresql://db/team");
        assert_eq!(tls.mode, SslMode::Prefer, "libpq's default");

        let (rest, _) = split_address("postgresql://db/team?sslmode=require").unwrap();
        assert_eq!(rest, "postgresql://db/team");
        assert!(split_address("postgresql://db/team?sslmode=allow-anything").is_err());
    }

    #[test]
    fn require_checks_the_chain_only_with_a_root_file() {
        assert_eq!(wire_mode(SslMode::VerifyCa), WireMode::Require);
        assert_eq!(wire_mode(SslMode::Prefer), WireMode::Prefer);
        let missing = TlsSettings {
            mode: SslMode::Require,
            root_cert: Some(PathBuf::from("/nonexistent/ca.pem")),
        };
        let Err(err) = connector(&missing) else {
            panic!("a missing root file is reported")
        };
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
        let without = TlsSettings {
            mode: SslMode::Require,
            root_cert: None,
        };
        assert!(connector(&without).is_ok());
    }
}
