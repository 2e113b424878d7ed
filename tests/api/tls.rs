//! TLS and mutual TLS with certificates made for each test run, and the
//! plaintext health-only listener that kubelet probes use when TLS is on.

use std::{
    net::SocketAddr,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use rcgen::{
    BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use rustls::pki_types::pem::PemObject as _;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::{sync::oneshot, task::JoinHandle};
use tokio_stream::StreamExt;
use tonic::{
    Code,
    transport::{Certificate, Channel, ClientTlsConfig, Identity},
};
use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};
use vehicle_error_interpreter::{
    Application, ServerConfig,
    pb::interpreter_service_client::InterpreterServiceClient,
    server::{ServeConfig, ServeError, TlsError, TlsFiles},
};

use crate::helpers::{BinaryServer, structured};

/// A client certificate and its key, PEM.
struct ClientPem {
    cert: String,
    key: String,
}

/// A throwaway CA, a server certificate for `localhost` it signed (written
/// to a temporary directory, since the server reads files), a client
/// certificate it signed, and one from a CA nobody trusts.
struct Pki {
    dir: PathBuf,
    ca: String,
    client: ClientPem,
    stranger: ClientPem,
}

impl Pki {
    fn new() -> Self {
        static RUNS: AtomicUsize = AtomicUsize::new(0);
        let (ca, ca_issuer) = new_ca();
        let (_, stranger_issuer) = new_ca();
        let (server_cert, server_key) = leaf(&ca_issuer, ExtendedKeyUsagePurpose::ServerAuth);
        let (cert, key) = leaf(&ca_issuer, ExtendedKeyUsagePurpose::ClientAuth);
        let client = ClientPem { cert, key };
        let (cert, key) = leaf(&stranger_issuer, ExtendedKeyUsagePurpose::ClientAuth);
        let stranger = ClientPem { cert, key };
        let dir = std::env::temp_dir().join(format!(
            "vei-tls-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("ca.pem"), &ca).unwrap();
        std::fs::write(dir.join("server.pem"), server_cert).unwrap();
        std::fs::write(dir.join("server.key"), server_key).unwrap();
        Self {
            dir,
            ca,
            client,
            stranger,
        }
    }

    /// TLS files for the server; with `mutual`, clients need a certificate.
    fn files(&self, mutual: bool) -> TlsFiles {
        TlsFiles {
            cert: self.dir.join("server.pem"),
            key: self.dir.join("server.key"),
            client_ca: mutual.then(|| self.dir.join("ca.pem")),
        }
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn new_ca() -> (String, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    (cert.pem(), Issuer::new(params, key))
}

fn leaf(issuer: &Issuer<'_, KeyPair>, usage: ExtendedKeyUsagePurpose) -> (String, String) {
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params.extended_key_usages = vec![usage];
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// The real server with TLS on `addr`, and plaintext health on
/// `health_addr` when asked for.
struct TlsServer {
    addr: SocketAddr,
    health_addr: Option<SocketAddr>,
    stop: oneshot::Sender<()>,
    handle: JoinHandle<Result<(), ServeError>>,
}

impl TlsServer {
    async fn spawn(tls: TlsFiles, health_listener: bool) -> Self {
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        let config = ServerConfig {
            health_addr: health_listener.then_some(local),
            ..ServerConfig::default()
        };
        Self::start(config, tls).await
    }

    /// Starts `config` on an ephemeral port with `tls`, without metrics.
    async fn start(config: ServerConfig, tls: TlsFiles) -> Self {
        let config = ServerConfig {
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_addr: None,
            serve: ServeConfig {
                tls: Some(tls),
                drain_timeout: Duration::from_secs(30),
                ..config.serve
            },
            ..config
        };
        let app = Application::build(config).await.unwrap();
        let (addr, health_addr) = (app.addr().unwrap(), app.health_addr());
        let (stop, stopped) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        Self {
            addr,
            health_addr,
            stop,
            handle,
        }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(Duration::from_secs(20), self.handle)
            .await
            .expect("server did not stop")
            .expect("server task panicked")
            .expect("server failed");
    }
}

/// A channel to `addr` over TLS trusting `ca`, presenting `identity`.
async fn tls_channel(
    addr: SocketAddr,
    ca: &str,
    identity: Option<&ClientPem>,
) -> Result<Channel, tonic::transport::Error> {
    let mut tls = ClientTlsConfig::new()
        .ca_certificate(Certificate::from_pem(ca))
        .domain_name("localhost");
    if let Some(id) = identity {
        tls = tls.identity(Identity::from_pem(&id.cert, &id.key));
    }
    Channel::from_shared(format!("https://{addr}"))
        .unwrap()
        .tls_config(tls)?
        .connect()
        .await
}

async fn plaintext_channel(addr: SocketAddr) -> Result<Channel, tonic::transport::Error> {
    Channel::from_shared(format!("http://{addr}"))
        .unwrap()
        .connect()
        .await
}

/// Calls `Interpret` over `channel`, or reports why the connection failed.
async fn interpret(channel: Result<Channel, tonic::transport::Error>) -> Result<(), String> {
    let channel = channel.map_err(|e| format!("connect: {e:?}"))?;
    let mut client = InterpreterServiceClient::new(channel);
    let call = client.interpret(structured("DOOR_OPEN"));
    match tokio::time::timeout(Duration::from_secs(20), call).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(status)) => Err(format!("call: {status:?}")),
        Err(_) => panic!("call hung"),
    }
}

/// With TLS on, a client trusting the CA is served, and a plaintext client
/// is refused (and the server keeps serving TLS clients afterwards).
#[tokio::test]
async fn tls_serves_trusting_clients_and_refuses_plaintext() {
    let pki = Pki::new();
    let server = TlsServer::spawn(pki.files(false), false).await;

    interpret(tls_channel(server.addr, &pki.ca, None).await)
        .await
        .expect("TLS client served");
    let plaintext = interpret(plaintext_channel(server.addr).await).await;
    assert!(plaintext.is_err(), "plaintext served: {plaintext:?}");
    interpret(tls_channel(server.addr, &pki.ca, None).await)
        .await
        .expect("TLS client still served");
    server.stop().await;
}

/// Under mutual TLS a client without a certificate, or with one from an
/// unknown CA, is refused; a client with a certificate the CA signed is
/// served.
#[tokio::test]
async fn mutual_tls_requires_a_client_certificate_from_the_ca() {
    let pki = Pki::new();
    let server = TlsServer::spawn(pki.files(true), false).await;

    let anonymous = interpret(tls_channel(server.addr, &pki.ca, None).await).await;
    assert!(anonymous.is_err(), "client without certificate served");
    let stranger = interpret(tls_channel(server.addr, &pki.ca, Some(&pki.stranger)).await).await;
    assert!(
        stranger.is_err(),
        "client with untrusted certificate served"
    );
    interpret(tls_channel(server.addr, &pki.ca, Some(&pki.client)).await)
        .await
        .expect("client with a good certificate served");
    server.stop().await;
}

/// A client refused under mutual TLS is told why: the server's
/// `certificate_required` alert reaches it, even when the client has
/// already sent its request. In TLS 1.3 the client's side of the handshake
/// completes before the server has checked the (missing) certificate, so a
/// gRPC client sends its preface and first request at once; the server
/// must not close with those bytes unread, or the kernel answers with a
/// reset that can discard the alert. A raw TLS client makes the order
/// exact (a tonic client hides which of the two it got); repeated, because
/// the reset was a race.
#[tokio::test]
async fn mutual_tls_refusal_reaches_the_client_as_an_alert() {
    let pki = Pki::new();
    let server = TlsServer::spawn(pki.files(true), false).await;

    let connector = raw_tls_client(&pki.ca);
    // What a gRPC client sends first: the preface, a SETTINGS frame and a
    // request, more than the server's handshake reads, so some is unread
    // when it refuses.
    let request = [
        &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
        &[0, 0, 0, 4, 0, 0, 0, 0, 0],
        &[0; 64 * 1024],
    ]
    .concat();
    for attempt in 0..20 {
        let refused = async {
            let mut tls = raw_tls_connect(&connector, server.addr).await;
            tls.write_all(&request).await.unwrap();
            tls.flush().await.unwrap();
            // The verdict comes with the first read.
            let verdict = tls.read(&mut [0u8; 64]).await;
            // Then the server's FIN: a reset here is what could have
            // destroyed the alert on its way (and does, on other kernels).
            let mut tcp = tls.into_inner().0;
            let mut rest = Vec::new();
            (verdict, tcp.read_to_end(&mut rest).await)
        };
        let (verdict, end) = tokio::time::timeout(Duration::from_secs(20), refused)
            .await
            .expect("refusal hung");
        let err = verdict.expect_err("client without certificate served");
        assert!(
            err.to_string().contains("CertificateRequired"),
            "attempt {attempt}: no certificate_required alert: {err}"
        );
        end.unwrap_or_else(|err| panic!("attempt {attempt}: closed with {err}, not FIN"));
    }
    server.stop().await;
}

/// Under TLS the connection guards read the plaintext HTTP/2 frames, as
/// without TLS: a client that completes its handshake but never sends the
/// HTTP/2 preface is closed at the preface deadline (hyper alone would
/// wait for it forever).
#[tokio::test]
async fn tls_connection_without_a_preface_is_closed_at_the_deadline() {
    let pki = Pki::new();
    let config = ServerConfig {
        serve: ServeConfig {
            preface_timeout: Duration::from_millis(300),
            ..ServeConfig::default()
        },
        ..ServerConfig::default()
    };
    let server = TlsServer::start(config, pki.files(false)).await;
    let mut tls = raw_tls_connect(&raw_tls_client(&pki.ca), server.addr).await;
    let mut rest = Vec::new();
    let end = tokio::time::timeout(Duration::from_secs(20), tls.read_to_end(&mut rest))
        .await
        .expect("silent TLS connection still open after 20 s");
    // EOF (close_notify) or the reset of a connection closed with the
    // server's SETTINGS unread: closed either way, with nothing served.
    assert!(rest.len() < 64, "served {} bytes: {end:?}", rest.len());
    interpret(tls_channel(server.addr, &pki.ca, None).await)
        .await
        .expect("a well-behaved TLS client is still served");
    server.stop().await;
}

/// A bare TLS client trusting `ca`, presenting no certificate: what a
/// tonic client cannot be (it sends its preface and request at once).
fn raw_tls_client(ca: &str) -> tokio_rustls::TlsConnector {
    let ca = rustls::pki_types::CertificateDer::from_pem_slice(ca.as_bytes()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// A completed client handshake with the server at `addr` (`localhost`).
async fn raw_tls_connect(
    connector: &tokio_rustls::TlsConnector,
    addr: SocketAddr,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

/// The health-only listener answers plaintext `grpc.health.v1` (what a
/// kubelet gRPC probe sends) while the main port is mTLS, serves nothing
/// else, and reports NOT_SERVING once shutdown begins.
#[tokio::test]
async fn health_listener_serves_plaintext_health_only() {
    let pki = Pki::new();
    let server = TlsServer::spawn(pki.files(true), true).await;
    let health_channel = plaintext_channel(server.health_addr.unwrap())
        .await
        .unwrap();
    let mut health = HealthClient::new(health_channel.clone());

    for name in vehicle_error_interpreter::server::HEALTH_SERVICE_NAMES {
        let request = HealthCheckRequest {
            service: name.into(),
        };
        let status = health.check(request).await.unwrap().into_inner().status();
        assert_eq!(status, ServingStatus::Serving, "{name:?}");
    }
    let err = InterpreterServiceClient::new(health_channel)
        .interpret(structured("DOOR_OPEN"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::Unimplemented, "{err:?}");

    // A Watch on the main port keeps the main server draining, so the
    // health listener is still up when shutdown begins.
    let main = tls_channel(server.addr, &pki.ca, Some(&pki.client))
        .await
        .unwrap();
    let watched = HealthCheckRequest {
        service: "vehicle_errors.v1.InterpreterService".into(),
    };
    let mut main_watch = HealthClient::new(main)
        .watch(watched.clone())
        .await
        .unwrap()
        .into_inner();
    let mut watch = health.watch(watched).await.unwrap().into_inner();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );
    assert_eq!(
        main_watch.next().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    let TlsServer { stop, handle, .. } = server;
    stop.send(()).unwrap();
    assert_eq!(
        watch.next().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );
    drop((main_watch, watch, health));
    tokio::time::timeout(Duration::from_secs(20), handle)
        .await
        .expect("server did not stop")
        .unwrap()
        .unwrap();
}

/// Unreadable or unusable TLS files fail `serve` with a TLS error naming
/// the problem, before it serves anything; nothing panics.
#[tokio::test]
async fn bad_tls_files_fail_serve_cleanly() {
    let pki = Pki::new();
    let missing = TlsFiles {
        cert: pki.dir.join("nope.pem"),
        ..pki.files(false)
    };
    std::fs::write(pki.dir.join("junk.pem"), "not a certificate").unwrap();
    let junk = TlsFiles {
        cert: pki.dir.join("junk.pem"),
        ..pki.files(false)
    };
    let mismatched = TlsFiles {
        key: pki.dir.join("ca.pem"),
        ..pki.files(false)
    };
    for (name, files) in [
        ("missing", missing),
        ("junk", junk),
        ("mismatched", mismatched),
    ] {
        let config = ServerConfig {
            serve: ServeConfig {
                tls: Some(files),
                ..Default::default()
            },
            ..Default::default()
        };
        let config = ServerConfig {
            listen_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            metrics_addr: None,
            ..config
        };
        // The files are read when serving starts: building succeeds.
        let app = Application::build(config).await.unwrap();
        let serve = app.run_until_stopped(std::future::pending());
        let result = tokio::time::timeout(Duration::from_secs(20), serve)
            .await
            .unwrap_or_else(|_| panic!("{name}: served with bad TLS files"));
        assert!(
            matches!(result, Err(ServeError::Tls(_))),
            "{name}: {result:?}"
        );
        if name == "missing" {
            assert!(matches!(
                result,
                Err(ServeError::Tls(TlsError::Read { .. }))
            ));
        }
    }
}

/// The binary wires the flags: `--tls-cert`/`--tls-key`/`--tls-client-ca`
/// make the main port mTLS, `--health-addr` adds the plaintext health port,
/// and the "serving" log line names both addresses.
#[tokio::test]
async fn binary_serves_mtls_and_plaintext_health_from_flags() {
    let pki = Pki::new();
    let files = pki.files(true);
    let path = |p: &PathBuf| p.to_str().unwrap().to_owned();
    let server = BinaryServer::start(&[
        "--tls-cert",
        &path(&files.cert),
        "--tls-key",
        &path(&files.key),
        "--tls-client-ca",
        &path(files.client_ca.as_ref().unwrap()),
        "--health-addr",
        "127.0.0.1:0",
    ]);
    assert_eq!(server.serving["tls"], true);
    let health_addr: SocketAddr = server.serving["health_addr"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    interpret(tls_channel(server.addr, &pki.ca, Some(&pki.client)).await)
        .await
        .expect("mTLS client served");
    let anonymous = interpret(tls_channel(server.addr, &pki.ca, None).await).await;
    assert!(anonymous.is_err(), "client without certificate served");
    let mut health = HealthClient::new(plaintext_channel(health_addr).await.unwrap());
    let request = HealthCheckRequest {
        service: String::new(),
    };
    let status = health.check(request).await.unwrap().into_inner().status();
    assert_eq!(status, ServingStatus::Serving);
}
