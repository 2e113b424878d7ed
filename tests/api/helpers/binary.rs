//! `BinaryServer`: the release or debug binary as a child process, and
//! `http_get` for its metrics port.

use std::{
    io::{BufRead, BufReader},
    net::SocketAddr,
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The server binary as a child process on an ephemeral port.
pub(crate) struct BinaryServer {
    pub(crate) child: Child,
    pub(crate) addr: SocketAddr,
    /// Where it serves Prometheus metrics.
    pub(crate) metrics_addr: SocketAddr,
    /// The "serving" log line.
    pub(crate) serving: serde_json::Value,
    /// The health-only listener's address, when `--health-addr` is set.
    pub(crate) health_addr: Option<SocketAddr>,
    /// The log lines after "serving", as they arrive.
    lines: Arc<Mutex<Vec<String>>>,
}

impl BinaryServer {
    /// Starts the binary with JSON logs and `args`, and reads its
    /// addresses from its "serving metrics" and "serving" log lines.
    pub(crate) fn start(args: &[&str]) -> Self {
        Self::start_with_env(&[], args)
    }

    /// Like `start`, with environment variables (such as a manifest's
    /// `VEI_*` settings); the address flags override any in `env` (a
    /// health-only listener in `env` moves to an ephemeral port too).
    pub(crate) fn start_with_env(env: &[(String, String)], args: &[&str]) -> Self {
        let health = env.iter().any(|(k, _)| k == "VEI_HEALTH_ADDR");
        let mut child = Command::new(env!("CARGO_BIN_EXE_vehicle-error-interpreter"))
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(["--listen-addr", "127.0.0.1:0", "--log-format", "json"])
            .args(["--metrics-addr", "127.0.0.1:0"])
            .args(if health {
                ["--health-addr", "127.0.0.1:0"].as_slice()
            } else {
                &[]
            })
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the server binary");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut metrics_addr = None;
        let serving = loop {
            let mut line = String::new();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "server exited before serving"
            );
            let log: serde_json::Value = serde_json::from_str(&line).unwrap();
            let addr = || log["addr"].as_str().unwrap().parse().unwrap();
            if log["message"] == "serving metrics" {
                metrics_addr = Some(addr());
            }
            if log["message"] == "serving" {
                break log;
            }
        };
        let metrics_addr = metrics_addr.expect("metrics served before gRPC");
        let addr = serving["addr"].as_str().unwrap().parse().unwrap();
        let health_addr = serving["health_addr"].as_str().map(|a| a.parse().unwrap());
        // Keep draining the log so the server never blocks on a full pipe;
        // its lines show up in the test's output and in `log_lines`.
        let lines = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&lines);
        std::thread::spawn(move || {
            for line in stderr.lines().map_while(Result::ok) {
                eprintln!("server: {line}");
                kept.lock().unwrap().push(line);
            }
        });
        Self {
            child,
            addr,
            metrics_addr,
            serving,
            health_addr,
            lines,
        }
    }

    /// The log lines written after "serving" so far.
    pub(crate) fn log_lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// The process' resident set (`VmRSS`), in KiB.
    pub(crate) fn rss_kib(&self) -> u64 {
        self.status_kib("VmRSS:")
    }

    /// The process' peak resident set (`VmHWM`), in KiB.
    pub(crate) fn peak_rss_kib(&self) -> u64 {
        self.status_kib("VmHWM:")
    }

    fn status_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with(field)).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Sends SIGTERM, as the kubelet does.
    pub(crate) fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// The exit status within `timeout`; past it, kills the process and fails the test.
    pub(crate) async fn wait_exit(self, timeout: Duration) -> ExitStatus {
        let pid = self.child.id().to_string();
        let exit = tokio::task::spawn_blocking(move || {
            let mut server = self;
            let status = server.child.wait().unwrap();
            (server, status)
        });
        match tokio::time::timeout(timeout, exit).await {
            Ok(joined) => joined.unwrap().1,
            Err(_) => {
                // The blocking wait owns the child: end it by its id, so
                // no server outlives the failed test.
                let _ = Command::new("kill").args(["-KILL", &pid]).status();
                panic!("the server did not exit within {timeout:?}");
            }
        }
    }
}

impl Drop for BinaryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 GET on a fresh connection: (status line, headers+body).
pub(crate) async fn http_get(addr: SocketAddr, path: &str) -> (String, String) {
    http_get_accepting(addr, path, None).await
}

/// Like `http_get`, with an `Accept` header when `accept` is given.
pub(crate) async fn http_get_accepting(
    addr: SocketAddr,
    path: &str,
    accept: Option<&str>,
) -> (String, String) {
    let exchange = async {
        let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
        let accept = accept.map_or_else(String::new, |a| format!("Accept: {a}\r\n"));
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n{accept}Connection: close\r\n\r\n");
        tcp.write_all(request.as_bytes()).await.unwrap();
        let mut response = String::new();
        tcp.read_to_string(&mut response).await.unwrap();
        response
    };
    let response = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .expect("metrics endpoint did not answer within 10 s");
    let (status, rest) = response.split_once("\r\n").unwrap();
    (status.to_owned(), rest.to_owned())
}
