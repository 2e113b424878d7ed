//! A pod's life as the prod manifest sets it up, played against the real
//! binary: startup probe, readiness, load, SIGTERM, readiness failing
//! within one probe period while calls still succeed, and a clean exit
//! within the grace period.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    sync::Notify,
    task::JoinSet,
    time::{Instant, MissedTickBehavior},
};
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use vehicle_error_interpreter::pb::interpreter_service_client::InterpreterServiceClient;

use crate::helpers::{BinaryServer, Manifest, connect, health_client, probe_once, structured};

/// Concurrent callers during the shutdown.
const CALLERS: usize = 16;

/// Calls that were started after SIGTERM and have succeeded, and a wake-up
/// for the test waiting for the first of them.
#[derive(Default)]
struct LateCalls {
    done: AtomicU64,
    first: Notify,
}

/// Callers that interpret in a loop until `stop` is set. Each returns how
/// many calls it started after `terminated` was set (also counted in
/// `late`), and fails the test on any failed call.
fn start_load(
    channel: &Channel,
    stop: &Arc<AtomicBool>,
    terminated: &Arc<AtomicBool>,
    late_calls: &Arc<LateCalls>,
) -> JoinSet<u64> {
    let mut callers = JoinSet::new();
    for _ in 0..CALLERS {
        let mut client = InterpreterServiceClient::new(channel.clone());
        let (stop, terminated) = (Arc::clone(stop), Arc::clone(terminated));
        let late_calls = Arc::clone(late_calls);
        callers.spawn(async move {
            let mut after_sigterm = 0;
            while !stop.load(Ordering::Relaxed) {
                let late = terminated.load(Ordering::Relaxed);
                let mut request = tonic::Request::new(structured("DOOR_OPEN"));
                request.set_timeout(Duration::from_secs(5));
                if let Err(status) = client.interpret(request).await {
                    panic!("a call failed during shutdown: {status:?}");
                }
                if late {
                    after_sigterm += 1;
                    if late_calls.done.fetch_add(1, Ordering::Relaxed) == 0 {
                        late_calls.first.notify_one();
                    }
                }
            }
            after_sigterm
        });
    }
    callers
}

/// Under load, SIGTERM turns readiness NOT_SERVING within one readiness
/// period, while every call, including those in flight at the signal and
/// those started during the lame duck, succeeds; the process then exits 0
/// within the grace period that is left after the preStop sleep.
#[tokio::test]
async fn sigterm_under_load_fails_readiness_and_drains_cleanly() {
    let manifest = Manifest::render("prod");
    let startup = manifest.probe("startupProbe");
    let readiness = manifest.probe("readinessProbe");
    let exit_budget = manifest.grace_period() - manifest.pre_stop_sleep();
    let mount = tempfile::tempdir().unwrap();
    let server = BinaryServer::start_with_env(&manifest.pod_env(mount.path()), &[]);
    // The probes' port: the health-only listener.
    let mut health = health_client(server.health_addr.expect("a health-only listener")).await;

    // The startup probe, at its period, within its failure budget.
    let mut ticks = tokio::time::interval(startup.period);
    let mut started = false;
    for _ in 0..startup.failure_threshold {
        ticks.tick().await;
        if probe_once(&mut health, &startup.service).await == Some(ServingStatus::Serving) {
            started = true;
            break;
        }
    }
    assert!(started, "startup probe never succeeded");
    assert_eq!(
        probe_once(&mut health, &readiness.service).await,
        Some(ServingStatus::Serving)
    );

    let channel = connect(server.addr).await;
    let (stop, terminated) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let late_calls = Arc::new(LateCalls::default());
    let mut callers = start_load(&channel, &stop, &terminated, &late_calls);
    // Calls are flowing before the signal: wait for one to complete.
    let warm = InterpreterServiceClient::new(channel.clone())
        .interpret(structured("DOOR_OPEN"))
        .await;
    assert!(warm.is_ok());

    server.terminate();
    let sigterm = Instant::now();
    terminated.store(true, Ordering::Relaxed);

    // The kubelet's readiness probe, first right away, then every period.
    // The first may still see SERVING (the signal is in flight); the next,
    // one period later, must see NOT_SERVING, and the server must still
    // answer it (the lame duck outlasts the period).
    let mut ticks = tokio::time::interval(readiness.period);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    for probe in 1.. {
        ticks.tick().await;
        let status = probe_once(&mut health, &readiness.service).await;
        let at = sigterm.elapsed();
        assert!(
            status.is_some(),
            "readiness probe {probe} failed {at:?} after SIGTERM"
        );
        if status == Some(ServingStatus::NotServing) {
            break;
        }
        assert!(
            probe < 2,
            "readiness still SERVING one period ({:?}) after SIGTERM",
            readiness.period
        );
    }

    // On a single-threaded test runtime the probe can see NOT_SERVING
    // before any caller has run again since the signal: keep the load on
    // until one call started in the lame duck has succeeded (a permit
    // stored by notify_one is not lost if it came first).
    tokio::time::timeout(exit_budget, late_calls.first.notified())
        .await
        .expect("no call started after SIGTERM finished within the grace period");

    // Clients have now seen NOT_SERVING and move away; every call they
    // had started must have succeeded.
    stop.store(true, Ordering::Relaxed);
    let mut after_sigterm = 0;
    let drained = tokio::time::timeout(exit_budget, async {
        while let Some(result) = callers.join_next().await {
            after_sigterm += result.expect("a caller failed");
        }
    });
    drained.await.expect("callers did not finish");
    assert!(after_sigterm > 0, "no call overlapped the shutdown");

    drop((health, channel));
    let remaining = exit_budget.saturating_sub(sigterm.elapsed());
    let status = server.wait_exit(remaining).await;
    assert!(status.success(), "exit status {status:?}");
}
