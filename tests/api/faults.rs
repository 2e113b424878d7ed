//! Faults under load (issue 6 point 4): SIGTERM to a server that is busy.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicU64, Ordering},
};
use std::time::Duration;

use tokio::sync::watch;
use tonic::{Code, Status, transport::Channel};
use vehicle_error_interpreter::pb::{
    BatchInterpretRequest, batch_interpret_result,
    interpreter_service_client::InterpreterServiceClient,
};

use crate::helpers::{BinaryServer, TestServer, connect, structured};

type Client = InterpreterServiceClient<Channel>;

/// What a production client does with a headless Service: send to the
/// servers in turn, and retry a call on the next one when it provably
/// never reached a handler (`Interpret` is idempotent, so even a doubt
/// would be safe, but the test is stricter):
/// - `UNAVAILABLE`: the connection was refused (the server has gone) or
///   the stream was refused (REFUSED_STREAM);
/// - a hyper "canceled" error: the request was still queued for a
///   connection that closed after its GOAWAY, so it was never sent (tonic
///   reports it as `CANCELLED`);
/// - an h2 error for the server's graceful GOAWAY (remote, NO_ERROR):
///   HTTP/2 guarantees a stream above the GOAWAY's last stream id was not
///   processed (tonic reports it as `INTERNAL`). grpc-go retries these
///   transparently (gRFC A6); tonic leaves it to the caller.
///
/// Returns which server answered, and how many retries of each kind.
async fn call_with_failover(
    clients: &mut [Client; 2],
    first: usize,
    batch: bool,
) -> (Result<usize, Status>, Retries) {
    let mut retries = Retries::default();
    let mut last = Status::unknown("no attempt");
    for attempt in 0..4 {
        let server = (first + attempt) % 2;
        // Half the calls are batches: slower calls are more often in
        // flight when SIGTERM lands, which is what the test is about.
        let answered = if batch {
            let request = BatchInterpretRequest {
                requests: vec![structured("DOOR_OPEN"); 50],
            };
            clients[server].batch_interpret(request).await.map(|r| {
                r.get_ref().results.len() == 50
                    && r.get_ref().results.iter().all(|item| {
                        matches!(
                            item.result,
                            Some(batch_interpret_result::Result::Response(_))
                        )
                    })
            })
        } else {
            let r = clients[server].interpret(structured("DOOR_OPEN")).await;
            r.map(|r| r.get_ref().catalog_code == "DOOR_OPEN")
        };
        match answered {
            Ok(true) => return (Ok(server), retries),
            Ok(false) => return (Err(Status::internal("incomplete answer")), retries),
            Err(status) => {
                match never_processed(&status) {
                    Some(Refusal::Unavailable) => retries.unavailable += 1,
                    Some(Refusal::NeverSent) => retries.never_sent += 1,
                    Some(Refusal::GoAway) => retries.go_away += 1,
                    None => return (Err(status), retries),
                }
                last = status;
            }
        }
    }
    (Err(last), retries)
}

#[derive(Debug, Default, Clone, Copy)]
struct Retries {
    unavailable: u64,
    never_sent: u64,
    go_away: u64,
}

enum Refusal {
    Unavailable,
    NeverSent,
    GoAway,
}

fn never_processed(status: &Status) -> Option<Refusal> {
    if status.code() == Code::Unavailable {
        return Some(Refusal::Unavailable);
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(status);
    while let Some(err) = source {
        if err
            .downcast_ref::<hyper::Error>()
            .is_some_and(hyper::Error::is_canceled)
        {
            return Some(Refusal::NeverSent);
        }
        if let Some(h2) = err.downcast_ref::<h2::Error>() {
            let graceful =
                h2.is_go_away() && h2.is_remote() && h2.reason() == Some(h2::Reason::NO_ERROR);
            return graceful.then_some(Refusal::GoAway);
        }
        source = err.source();
    }
    None
}

/// The status with its chain of causes, for the failure message.
fn describe(status: &Status) -> String {
    let mut out = format!("{:?}: {}", status.code(), status.message());
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(status);
    while let Some(err) = source {
        out.push_str(&format!(" <- {err}"));
        source = err.source();
    }
    out
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

/// Steady load (Interpret and 50-item BatchInterpret calls) on two servers
/// (a rolling update's old and new pod); the old one (the real binary)
/// gets SIGTERM mid-load. Every call still
/// succeeds: calls in flight on the old server finish, calls its GOAWAY
/// refused go to the new one; the old one exits 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_fails_no_call() {
    const LOADERS: usize = 8;
    let old = BinaryServer::start(&["--drain-timeout", "10s"]);
    let new = TestServer::spawn().await;
    let old_channel = connect(old.addr).await;
    let clients = [Client::new(old_channel), new.client.clone()];

    let progress = Progress(Arc::new(watch::channel(0).0));
    let stop = Arc::new(AtomicBool::new(false));
    let served = Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
    let retries = Arc::new(std::sync::Mutex::new(Retries::default()));
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
                let (result, r) = call_with_failover(&mut clients, n + i, n % 2 == 1).await;
                {
                    let mut total = retries.lock().unwrap();
                    total.unavailable += r.unavailable;
                    total.never_sent += r.never_sent;
                    total.go_away += r.go_away;
                }
                match result {
                    Ok(server) => {
                        served[server].fetch_add(1, Ordering::Relaxed);
                    }
                    Err(status) => failures.push(describe(&status)),
                }
                progress.0.send_modify(|c| *c += 1);
            }
            failures
        }));
    }

    progress.reached(500).await;
    let served_by_old_before = served[0].load(Ordering::Relaxed);
    old.terminate();
    let status = old.wait_exit(Duration::from_secs(30)).await;
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
        "{total} calls; old served {}, new {}; retries: {:?}",
        served[0].load(Ordering::Relaxed),
        served[1].load(Ordering::Relaxed),
        *retries.lock().unwrap()
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
