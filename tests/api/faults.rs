//! Faults under load (issue 6 point 4): SIGTERM to a server that is busy.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};
use std::time::Duration;

use tokio::sync::watch;
use tonic::{Code, Status, transport::Channel};
use vehicle_error_interpreter::pb::{
    InterpretRequest, StructuredError, interpret_request::Input,
    interpreter_service_client::InterpreterServiceClient,
};

use crate::helpers::{BinaryServer, TestServer};

type Client = InterpreterServiceClient<Channel>;

fn door_open() -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Structured(StructuredError {
            r#type: "VEHICLE_STATE".into(),
            code: "DOOR_OPEN".into(),
        })),
        ..Default::default()
    }
}

/// What a production client does with a headless Service: send to the
/// servers in turn, and retry a call that failed UNAVAILABLE (refused by a
/// GOAWAY, or a connection refused by a server that has gone) on the next
/// one. `Interpret` is idempotent, so the retry is safe.
async fn call_with_failover(
    clients: &mut [Client; 2],
    first: usize,
) -> (Result<usize, Status>, u64) {
    let mut retries = 0;
    let mut last = Status::unknown("no attempt");
    for attempt in 0..4 {
        let server = (first + attempt) % 2;
        match clients[server].interpret(door_open()).await {
            Ok(r) if r.get_ref().vehicle_state_error.is_some() => return (Ok(server), retries),
            Ok(_) => return (Err(Status::internal("answer without an entry")), retries),
            Err(status) if status.code() == Code::Unavailable => {
                retries += 1;
                last = status;
            }
            Err(status) => return (Err(status), retries),
        }
    }
    (Err(last), retries)
}

/// Completed calls: counted by the loaders, awaited by the test.
#[derive(Clone)]
struct Progress(Arc<watch::Sender<u64>>);

impl Progress {
    async fn reached(&self, calls: u64) {
        let mut rx = self.0.subscribe();
        tokio::time::timeout(Duration::from_secs(60), rx.wait_for(|c| *c >= calls))
            .await
            .unwrap_or_else(|_| panic!("fewer than {calls} calls within 60 s"))
            .unwrap();
    }
}

/// Steady load on two servers (a rolling update's old and new pod); the
/// old one (the real binary) gets SIGTERM mid-load. Every call still
/// succeeds: calls in flight on the old server finish, calls its GOAWAY
/// refused go to the new one; the old one exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_fails_no_call() {
    const LOADERS: usize = 8;
    let mut old = BinaryServer::start(&["--drain-timeout", "10s"]);
    let new = TestServer::spawn().await;
    let old_channel = Channel::from_shared(format!("http://{}", old.addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let clients = [Client::new(old_channel), new.client.clone()];

    let progress = Progress(Arc::new(watch::channel(0).0));
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let retries = Arc::new(AtomicU64::new(0));
    let mut loaders = Vec::new();
    for n in 0..LOADERS {
        let mut clients = clients.clone();
        let (progress, stop) = (progress.clone(), Arc::clone(&stop));
        let (served, retries) = (Arc::clone(&served), Arc::clone(&retries));
        loaders.push(tokio::spawn(async move {
            let mut failures = Vec::new();
            // Bounded, though `stop` ends it long before.
            for i in 0..1_000_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let (result, r) = call_with_failover(&mut clients, n + i).await;
                retries.fetch_add(r, Ordering::Relaxed);
                match result {
                    Ok(server) => {
                        served[server].fetch_add(1, Ordering::Relaxed);
                    }
                    Err(status) => {
                        failures.push(format!("{:?}: {}", status.code(), status.message()))
                    }
                }
                progress.0.send_modify(|c| *c += 1);
            }
            failures
        }));
    }

    progress.reached(500).await;
    let served_by_old_before = served[0].load(Ordering::Relaxed);
    old.terminate();
    let exit = tokio::task::spawn_blocking(move || {
        let status = old.child.wait().unwrap();
        (old, status)
    });
    let (_old, status) = tokio::time::timeout(Duration::from_secs(30), exit)
        .await
        .expect("old server did not exit within 30 s")
        .unwrap();
    let exited_at = *progress.0.borrow();
    // Keep the load on a while after the old server has gone.
    progress.reached(exited_at + 500).await;
    stop.store(true, Ordering::Relaxed);

    let mut failures = Vec::new();
    for loader in loaders {
        failures.extend(loader.await.unwrap());
    }
    let total = *progress.0.borrow();
    eprintln!(
        "{total} calls; old served {}, new {}; {} retries after UNAVAILABLE",
        served[0].load(Ordering::Relaxed),
        served[1].load(Ordering::Relaxed),
        retries.load(Ordering::Relaxed)
    );
    assert!(
        failures.is_empty(),
        "{} of {total} calls failed: {:?}",
        failures.len(),
        &failures[..failures.len().min(5)]
    );
    assert!(status.success(), "old server exit status {status:?}");
    assert!(served_by_old_before > 0);
    new.stop().await;
}
