//! Time from process start to health SERVING, the figure Kubernetes'
//! startup probe waits on (docs/design.md §7: <= 50 ms).
//!
//! Starts the server binary on 127.0.0.1:0, learns its address from the
//! "serving" log line, and calls `grpc.health.v1.Health/Check` until it
//! answers SERVING; repeats and prints each run and the median.
//!
//! ```text
//! cargo run --release --example startup -- target/release/vehicle-error-interpreter 7
//! ```

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().expect("usage: startup <server binary> [runs]");
    let runs: usize = args.next().map_or(5, |n| n.parse().expect("runs"));
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    for _ in 0..runs {
        times.push(time_to_serving(&binary).await);
        println!(
            "start to SERVING: {:.1} ms",
            times.last().unwrap().as_secs_f64() * 1e3
        );
    }
    times.sort();
    println!(
        "median: {:.1} ms over {runs} runs",
        times[runs / 2].as_secs_f64() * 1e3
    );
}

async fn time_to_serving(binary: &str) -> Duration {
    let started = Instant::now();
    let mut child = Command::new(binary)
        .args(["--listen-addr", "127.0.0.1:0", "--log-format", "json"])
        .args(["--metrics-addr", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let addr = loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "server exited");
        let log: serde_json::Value = serde_json::from_str(&line).unwrap();
        if log["message"] == "serving" {
            break log["addr"].as_str().unwrap().to_owned();
        }
    };
    let deadline = started + Duration::from_secs(5);
    let elapsed = loop {
        assert!(Instant::now() < deadline, "not SERVING within 5 s");
        let endpoint = tonic::transport::Endpoint::from_shared(format!("http://{addr}")).unwrap();
        let Ok(channel) = endpoint.connect().await else {
            continue;
        };
        let mut client = HealthClient::new(channel);
        let answer = client.check(HealthCheckRequest::default()).await;
        if answer.is_ok_and(|r| r.into_inner().status() == ServingStatus::Serving) {
            break started.elapsed();
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    elapsed
}
