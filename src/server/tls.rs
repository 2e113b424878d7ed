//! Optional TLS and mutual TLS on the main listener (rustls with the ring
//! provider, through tonic's `tls-ring`).
//!
//! Certificates are read once at start-up; rotating them means restarting
//! the pods (a rollout), which cert-manager style rotation does anyway.

use std::{
    io,
    path::{Path, PathBuf},
    time::Duration,
};

use thiserror::Error;
use tonic::transport::{Certificate, Identity, Server, ServerTlsConfig};

/// The longest a client may take to finish its TLS handshake. tonic runs
/// each handshake in its own task, so a slow or silent client (or a
/// plaintext one waiting for a server preface) ties up only its socket,
/// and only for this long.
pub(super) const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Where the PEM files are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The server's certificate chain, leaf first.
    pub cert: PathBuf,
    /// The server's private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// CA certificates that client certificates must chain to; when set,
    /// every client must present one (mutual TLS).
    pub client_ca: Option<PathBuf>,
}

/// Why TLS could not be set up.
#[derive(Debug, Error)]
pub enum TlsError {
    /// A PEM file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: io::Error,
    },
    /// The files were read but do not make a TLS configuration (not PEM,
    /// no key, key and certificate mismatched).
    #[error("TLS configuration: {0}")]
    Config(#[from] tonic::transport::Error),
}

/// Makes ring the process-wide rustls `CryptoProvider`, if none is yet.
///
/// tonic's server TLS builds its rustls config with the process default.
/// With only ring compiled in, rustls picks it by itself; but as soon as a
/// dependency also enables aws-lc-rs (some exporters do by default), there
/// are two and no default, and the first TLS handshake panics. Installing
/// ring explicitly at start-up removes the ambiguity. Calling it again, or
/// after another provider was installed, changes nothing.
pub(super) fn install_crypto_provider() {
    // Err means a provider is already installed: that one stays, by design.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// Turns TLS on for `server` with the certificates in `files`.
pub(super) fn configure<L>(server: Server<L>, files: &TlsFiles) -> Result<Server<L>, TlsError> {
    // tonic builds the rustls config (and so picks the provider) right here.
    install_crypto_provider();
    let identity = Identity::from_pem(read(&files.cert)?, read(&files.key)?);
    let mut config = ServerTlsConfig::new()
        .identity(identity)
        .timeout(HANDSHAKE_TIMEOUT);
    if let Some(ca) = &files.client_ca {
        config = config.client_ca_root(Certificate::from_pem(read(ca)?));
    }
    Ok(server.tls_config(config)?)
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}
