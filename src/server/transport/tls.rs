//! Optional TLS and mutual TLS on the main listener: rustls with the ring
//! provider, through tokio-rustls, terminated in our accept loop
//! (`super::accept`) rather than by tonic's `tls_config`.
//!
//! Why our own: tonic's acceptor drops the socket when a handshake fails.
//! Under mutual TLS 1.3 a client without a certificate has finished its side
//! of the handshake and sent its HTTP/2 preface and first request before the
//! server refuses it, and closing a socket with those bytes unread makes
//! the kernel send RST instead of FIN: the client can see "connection
//! reset" where it should have read the `certificate_required` alert. Here
//! a failed handshake ends in a lingering close (FIN, then read until the
//! client's, see [`LingeringClose`]). Owning the handshake also puts the
//! connection guards above TLS, on plaintext frames (`super::guard`).
//!
//! Certificates are read once at start-up; rotating them means restarting
//! the pods (a rollout), which cert-manager style rotation does anyway.

use std::{
    io,
    path::{Path, PathBuf},
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use rustls::{
    RootCertStore, ServerConfig,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject as _},
    server::WebPkiClientVerifier,
};
use thiserror::Error;
use tokio::{
    io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf},
    net::TcpStream,
};
use tokio_rustls::{TlsAcceptor, server::TlsStream};
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::LingeringClose;

/// The longest a client may take to finish its TLS handshake. Each
/// handshake runs in its own task, so a slow or silent client (or a
/// plaintext one waiting for a server preface) ties up only its socket
/// and its slot under the connection limit: for this long, plus the
/// lingering close ([`LingeringClose`], at most 2 s) when it fails.
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
    /// A file was read but holds no usable PEM item of the kind expected
    /// (certificate, private key).
    #[error("{path}: {source}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        source: rustls::pki_types::pem::Error,
    },
    /// The PEM items do not make a TLS configuration (a key that does not
    /// match the certificate, a CA that is no CA certificate).
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// The client CA bundle cannot verify clients (none of its
    /// certificates is a usable trust anchor).
    #[error("client CA: {0}")]
    ClientCa(#[from] rustls::server::VerifierBuilderError),
}

/// The acceptor for the certificates in `files`: HTTP/2 only (ALPN
/// `h2`), and a client certificate that chains to `client_ca` required
/// when that is set.
pub(crate) fn acceptor(files: &TlsFiles) -> Result<TlsAcceptor, TlsError> {
    // Explicit, not the process default: with two providers compiled in
    // (aws-lc-rs arrives with some crates' defaults) there is no default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()?;
    let builder = match &files.client_ca {
        Some(path) => {
            // Like tonic's TLS before us: a bundle may hold certificates
            // webpki cannot use (an old system bundle); they are skipped,
            // and only a bundle with none usable is an error.
            let mut roots = RootCertStore::empty();
            let (usable, skipped) = roots.add_parsable_certificates(certificates(path)?);
            if skipped > 0 {
                tracing::warn!(path = %path.display(), usable, skipped, "client CA bundle: skipped unusable certificates");
            }
            let verifier =
                WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider).build()?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let key =
        PrivateKeyDer::from_pem_slice(&read(&files.key)?).map_err(|source| TlsError::Pem {
            path: files.key.clone(),
            source,
        })?;
    let mut config = builder.with_single_cert(certificates(&files.cert)?, key)?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// Runs the server side of a handshake on `tcp`. A refused client gets its
/// alert (rustls writes it before failing) and a lingering close, so the
/// request it may already have sent does not turn the close into a reset.
/// `None` when the handshake failed or took longer than
/// [`HANDSHAKE_TIMEOUT`]; neither is logged above `debug`, since a
/// client can cause one per connection.
pub(super) async fn handshake(acceptor: TlsAcceptor, tcp: TcpStream) -> Option<TlsSocket> {
    let accept = acceptor.accept(tcp).into_fallible();
    match tokio::time::timeout(HANDSHAKE_TIMEOUT, accept).await {
        Ok(Ok(tls)) => Some(TlsSocket(Box::new(tls))),
        Ok(Err((error, tcp))) => {
            tracing::debug!(%error, "TLS handshake failed");
            // Bounded by the linger time; the outcome changes nothing.
            let _ = LingeringClose::new(tcp).shutdown().await;
            None
        }
        Err(_) => {
            tracing::debug!(timeout = ?HANDSHAKE_TIMEOUT, "TLS handshake timed out");
            None
        }
    }
}

/// An established TLS connection. Boxed because a rustls connection is
/// large, and plaintext connections share the enum it sits in. Reports the
/// peer like a plain TCP connection does (`Request::remote_addr` works
/// for both); the client certificate is checked in the handshake and not
/// passed on, since no handler reads it.
#[derive(Debug)]
pub(crate) struct TlsSocket(Box<TlsStream<TcpStream>>);

impl Connected for TlsSocket {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> Self::ConnectInfo {
        self.0.get_ref().0.connect_info()
    }
}

impl AsyncRead for TlsSocket {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsSocket {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.is_write_vectored()
    }
}

/// Every certificate in the PEM file at `path`; at least one.
fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let pem = |source| TlsError::Pem {
        path: path.to_path_buf(),
        source,
    };
    let certs = CertificateDer::pem_slice_iter(&read(path)?)
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem)?;
    if certs.is_empty() {
        return Err(pem(rustls::pki_types::pem::Error::NoItemsFound));
    }
    Ok(certs)
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_path_buf(),
        source,
    })
}
