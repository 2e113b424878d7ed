//! The catalog overlay on a real server: files change the way a mounted
//! ConfigMap does (kubelet's `..data` symlink swap), and every wait is on
//! the store's published reload status, never on time.

use std::{
    net::SocketAddr,
    os::unix::fs::symlink,
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::Duration,
};

use serde_json::json;
use tokio::sync::watch;
use tonic::transport::Channel;
use tonic_types::RpcStatusExt;
use vehicle_error_interpreter::{
    Application, Catalog, ServerConfig,
    grpc::Catalogs,
    pb::{
        BatchInterpretRequest, InterpretRequest, InterpretResponse, InterpretationView,
        batch_interpret_result::Result as ItemResult,
        interpreter_service_client::InterpreterServiceClient,
    },
    reload::{CatalogSource, CatalogStore, ReloadOutcome, ReloadStatus},
    startup::BuildError,
};

use crate::helpers::{BinaryServer, TestServer, connect, structured};

/// A FULL-view request for `code`: these tests read the catalog entry and
/// the other messages, which BASIC leaves out.
fn full_structured(code: &str) -> InterpretRequest {
    InterpretRequest {
        view: InterpretationView::Full as i32,
        ..structured(code)
    }
}

const KEY: &str = "catalog-overlay.json";

/// A directory laid out and updated as kubelet does for a ConfigMap
/// volume: each version in its own hidden directory, `..data` pointing at
/// the current one, and `catalog-overlay.json -> ..data/catalog-overlay.json`.
struct ConfigMapDir {
    dir: tempfile::TempDir,
    version: u32,
}

impl ConfigMapDir {
    /// A mounted ConfigMap that does not (yet) have the overlay key.
    fn new() -> Self {
        let mut map = Self {
            dir: tempfile::tempdir().unwrap(),
            version: 0,
        };
        map.swap(None);
        map
    }

    /// The overlay file's path, as `--catalog-overlay` takes it.
    fn path(&self) -> PathBuf {
        self.dir.path().join(KEY)
    }

    fn write(&mut self, overlay: &serde_json::Value) {
        self.swap(Some(&overlay.to_string()));
    }

    fn write_raw(&mut self, text: &str) {
        self.swap(Some(text));
    }

    fn remove(&mut self) {
        self.swap(None);
    }

    /// kubelet's AtomicWriter: write the new version into a fresh
    /// directory, rename a new `..data` symlink over the old one (the one
    /// atomic step), fix the key's symlink, delete the old version.
    fn swap(&mut self, content: Option<&str>) {
        let root = self.dir.path();
        let old = format!("..v{}", self.version);
        self.version += 1;
        let new = format!("..v{}", self.version);
        std::fs::create_dir(root.join(&new)).unwrap();
        if let Some(content) = content {
            std::fs::write(root.join(&new).join(KEY), content).unwrap();
        }
        symlink(&new, root.join("..data_tmp")).unwrap();
        std::fs::rename(root.join("..data_tmp"), root.join("..data")).unwrap();
        let key = root.join(KEY);
        let key_exists = key.symlink_metadata().is_ok();
        match (content.is_some(), key_exists) {
            (true, false) => symlink(format!("..data/{KEY}"), &key).unwrap(),
            (false, true) => std::fs::remove_file(&key).unwrap(),
            _ => {}
        }
        if self.version > 1 {
            std::fs::remove_dir_all(root.join(old)).unwrap();
        }
    }
}

fn store() -> Arc<Catalogs> {
    CatalogStore::new(Arc::new(Catalog::embedded().unwrap()), "the app")
}

fn config_for(map: &ConfigMapDir) -> ServerConfig {
    ServerConfig {
        catalog_overlay: Some(map.path()),
        ..ServerConfig::default()
    }
}

/// Waits (bounded) for the first status after generation `after` and
/// returns it.
async fn next_status(rx: &mut watch::Receiver<ReloadStatus>, after: u64) -> ReloadStatus {
    tokio::time::timeout(
        Duration::from_secs(10),
        rx.wait_for(|s| s.generation > after),
    )
    .await
    .expect("no reload outcome within 10 s")
    .unwrap()
    .clone()
}

async fn interpret(
    client: &mut InterpreterServiceClient<Channel>,
    request: InterpretRequest,
) -> InterpretResponse {
    client.interpret(request).await.unwrap().into_inner()
}

fn user_message(r: &InterpretResponse) -> &str {
    &r.user_message
}

fn delay_secs(r: &InterpretResponse) -> i64 {
    r.retry_advice
        .as_ref()
        .unwrap()
        .suggested_delay
        .as_ref()
        .unwrap()
        .seconds
}

/// An overlay labelled `label`: DOOR_OPEN and HOOD_OPEN texts, DOOR_OPEN's
/// delay and the default app name all say which overlay they came from.
fn labelled(label: &str, delay: u64) -> serde_json::Value {
    json!({
        "defaultAppName": format!("App {label}"),
        "entries": {
            "DOOR_OPEN": {
                "userMessage": { "text": format!("{label}: close the doors, then reopen <app name>.") },
                "suggestedUserMessage": format!("{label}: doors open."),
                "retry": { "delaySeconds": delay, "delayReason": format!("{label}'s delay.") }
            },
            "HOOD_OPEN": {
                "userMessage": { "text": format!("{label}: close the hood, then reopen <app name>.") }
            }
        }
    })
}

/// An overlay present at start-up serves from the first call; a later
/// ConfigMap update is validated and swapped in.
#[tokio::test]
async fn valid_change_is_picked_up() {
    let mut map = ConfigMapDir::new();
    map.write(&labelled("A", 40));
    let catalogs = store();
    let mut status = catalogs.subscribe();
    let mut server = TestServer::spawn_with_store(config_for(&map), Arc::clone(&catalogs)).await;
    assert_eq!(catalogs.status().applied, 1);

    let r = interpret(&mut server.client, full_structured("DOOR_OPEN")).await;
    assert_eq!(user_message(&r), "A: close the doors, then reopen App A.");
    assert_eq!(delay_secs(&r), 40);

    let seen = catalogs.status().generation;
    map.write(&labelled("B", 50));
    let after = next_status(&mut status, seen).await;
    assert_eq!(after.last, ReloadOutcome::Applied);
    assert_eq!(after.applied, 2);
    assert!(matches!(after.source, CatalogSource::Overlay { .. }));

    let r = interpret(&mut server.client, full_structured("DOOR_OPEN")).await;
    assert_eq!(user_message(&r), "B: close the doors, then reopen App B.");
    assert_eq!(
        r.messages.as_ref().unwrap().suggested_user_message,
        "B: doors open."
    );
    assert_eq!(delay_secs(&r), 50);
    // GetVehicleStateError answers from the same snapshot.
    let entry = server
        .client
        .get_vehicle_state_error(vehicle_error_interpreter::pb::GetVehicleStateErrorRequest {
            code: "DOOR_OPEN".into(),
        })
        .await
        .unwrap()
        .into_inner()
        .vehicle_state_error
        .unwrap();
    assert_eq!(entry.suggested_user_message, "B: doors open.");
    server.stop().await;
}

/// An invalid update is rejected with a reason naming the field, the last
/// good catalog keeps serving, and a fixed update is applied again.
#[tokio::test]
async fn invalid_change_keeps_last_good_catalog_and_is_reported() {
    let mut map = ConfigMapDir::new();
    map.write(&labelled("A", 40));
    let catalogs = store();
    let mut status = catalogs.subscribe();
    let mut server = TestServer::spawn_with_store(config_for(&map), Arc::clone(&catalogs)).await;

    let bad_updates = [
        json!({ "entries": { "DOOR_OPENED": { "description": "typo in the code" } } }),
        json!({ "entries": { "DOOR_OPEN": { "userMessage": { "text": "Hi <user name>" } } } }),
        json!({ "entries": { "IN_MOTION": { "retry": { "delaySeconds": 0, "delayReason": "no" } } } }),
    ];
    for (i, bad) in bad_updates.iter().enumerate() {
        let seen = catalogs.status().generation;
        map.write(bad);
        let after = next_status(&mut status, seen).await;
        assert!(
            matches!(&after.last, ReloadOutcome::Rejected { reason } if reason.contains("entries.")),
            "{after:?}"
        );
        assert!(!after.last_ok());
        assert_eq!((after.rejected, after.applied), (i as u64 + 1, 1));
        let r = interpret(&mut server.client, full_structured("DOOR_OPEN")).await;
        assert_eq!(user_message(&r), "A: close the doors, then reopen App A.");
    }

    let seen = catalogs.status().generation;
    map.write_raw("{ not json");
    let after = next_status(&mut status, seen).await;
    assert!(matches!(after.last, ReloadOutcome::Rejected { .. }));

    let seen = catalogs.status().generation;
    map.write(&labelled("B", 50));
    let after = next_status(&mut status, seen).await;
    assert_eq!(after.last, ReloadOutcome::Applied);
    assert!(after.last_ok());
    let r = interpret(&mut server.client, full_structured("DOOR_OPEN")).await;
    assert_eq!(user_message(&r), "B: close the doors, then reopen App B.");
    server.stop().await;
}

/// Removing the overlay key serves the embedded catalog and the configured
/// default app name again; adding it back applies it.
#[tokio::test]
async fn removed_file_falls_back_to_embedded_catalog() {
    let mut map = ConfigMapDir::new();
    map.write(&labelled("A", 40));
    let catalogs = store();
    let mut status = catalogs.subscribe();
    let mut server = TestServer::spawn_with_store(config_for(&map), Arc::clone(&catalogs)).await;
    let embedded = Catalog::embedded().unwrap();
    let embedded_asleep = embedded
        .get("ASLEEP")
        .unwrap()
        .0
        .entry
        .user_message
        .render("the app");

    let seen = catalogs.status().generation;
    map.remove();
    let after = next_status(&mut status, seen).await;
    assert_eq!(after.last, ReloadOutcome::Removed);
    assert_eq!(after.source, CatalogSource::Embedded);

    let r = interpret(&mut server.client, full_structured("DOOR_OPEN")).await;
    let door = embedded.get("DOOR_OPEN").unwrap().0.entry;
    assert_eq!(user_message(&r), door.user_message.render("the app"));
    assert_eq!(delay_secs(&r), 30);
    let r = interpret(&mut server.client, full_structured("ASLEEP")).await;
    assert_eq!(user_message(&r), embedded_asleep);

    let seen = catalogs.status().generation;
    map.write(&labelled("B", 50));
    assert_eq!(
        next_status(&mut status, seen).await.last,
        ReloadOutcome::Applied
    );
    let r = interpret(&mut server.client, full_structured("DOOR_OPEN")).await;
    assert_eq!(user_message(&r), "B: close the doors, then reopen App B.");
    server.stop().await;
}

/// The requested locale picks the exact tag, else the base language, else
/// English; `messages.locale` and the status's LocalizedMessage agree.
#[tokio::test]
async fn locale_falls_back_exact_then_base_language_then_english() {
    let mut map = ConfigMapDir::new();
    map.write(&json!({ "entries": { "DOOR_OPEN": { "locales": {
        "fr": {
            "userMessage": { "text": "<app name> n’a pas pu verrouiller la voiture. Fermez toutes les portes." },
            "suggestedUserMessage": "Fermez toutes les portes."
        },
        "fr-CA": {
            "userMessage": { "text": "<app name> n’a pas pu barrer l’auto. Fermez toutes les portières." },
            "suggestedUserMessage": "Fermez toutes les portières."
        }
    } } } }));
    let mut server = TestServer::spawn_with_store(config_for(&map), store()).await;
    let english = Catalog::embedded()
        .unwrap()
        .get("DOOR_OPEN")
        .unwrap()
        .0
        .entry
        .user_message
        .render("Fleet");

    let cases = [
        (
            "fr-CA",
            "fr-CA",
            "Fleet n’a pas pu barrer l’auto. Fermez toutes les portières.",
        ),
        (
            "fr_ca",
            "fr-CA",
            "Fleet n’a pas pu barrer l’auto. Fermez toutes les portières.",
        ),
        (
            "fr-BE",
            "fr",
            "Fleet n’a pas pu verrouiller la voiture. Fermez toutes les portes.",
        ),
        (
            "fr",
            "fr",
            "Fleet n’a pas pu verrouiller la voiture. Fermez toutes les portes.",
        ),
        ("de-DE", "en", english.as_str()),
        ("", "en", english.as_str()),
    ];
    for (asked, used, text) in cases {
        let request = InterpretRequest {
            app_name: "Fleet".into(),
            locale: asked.into(),
            ..full_structured("DOOR_OPEN")
        };
        let r = interpret(&mut server.client, request).await;
        assert_eq!(r.user_message, text, "{asked}");
        let details = r.propagation_status.as_ref().unwrap().get_error_details();
        let localized = details.localized_message().unwrap();
        assert_eq!(
            (localized.locale.as_str(), localized.message.as_str()),
            (used, text),
            "{asked}"
        );
    }
    // An entry without variants answers in English.
    let request = InterpretRequest {
        locale: "fr".into(),
        ..full_structured("ASLEEP")
    };
    let r = interpret(&mut server.client, request).await;
    assert_eq!(r.messages.unwrap().locale, "en");
    server.stop().await;
}

/// Which overlay a response to `code` came from; `None` when its fields
/// disagree (a mixed answer): the rendered messages, the app name, the
/// matched entry and, for DOOR_OPEN, the delay must all carry one label.
fn label_of(code: &str, r: &InterpretResponse) -> Option<char> {
    let message = user_message(r);
    let label = message.chars().next()?;
    let entry = r.vehicle_state_error.as_ref()?;
    let template = &entry.user_message_template.as_ref()?.text;
    let mut consistent = entry.code == code
        && message.ends_with(&format!("App {label}."))
        && template.starts_with(label);
    if code == "DOOR_OPEN" {
        let short = &r.messages.as_ref()?.suggested_user_message;
        let delay = if label == 'A' { 40 } else { 50 };
        let policy_delay = entry
            .retry_policy
            .as_ref()?
            .suggested_delay
            .as_ref()?
            .seconds;
        consistent &= short.starts_with(label)
            && entry.suggested_user_message == *short
            && delay_secs(r) == delay
            && policy_delay == delay;
    }
    consistent.then_some(label)
}

/// Concurrent Interpret and BatchInterpret calls while the overlay swaps
/// back and forth many times: no call fails, and every answer (every batch
/// as a whole) comes from exactly one of the two overlays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swap_under_load_never_fails_a_call_or_mixes_catalogs() {
    const LOADERS: usize = 6;
    const SWAPS: u64 = 100;
    let mut map = ConfigMapDir::new();
    map.write(&labelled("A", 40));
    let catalogs = store();
    let mut status = catalogs.subscribe();
    let mut server = TestServer::spawn_with_store(config_for(&map), Arc::clone(&catalogs)).await;

    let stop = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicU64::new(0));
    let started = Arc::new(tokio::sync::Barrier::new(LOADERS + 1));
    let mut loaders = Vec::new();
    for n in 0..LOADERS {
        let mut client = server.client.clone();
        let (stop, calls, started) = (Arc::clone(&stop), Arc::clone(&calls), Arc::clone(&started));
        loaders.push(tokio::spawn(async move {
            let (mut failed, mut mixed) = (0_u64, 0_u64);
            // Bounded, though `stop` ends it long before.
            for i in 0..200_000_u64 {
                if i == 1 {
                    started.wait().await;
                }
                if i > 1 && stop.load(Ordering::Relaxed) {
                    break;
                }
                if (i + n as u64).is_multiple_of(2) {
                    match client.interpret(full_structured("DOOR_OPEN")).await {
                        Ok(r) => mixed += u64::from(label_of("DOOR_OPEN", r.get_ref()).is_none()),
                        Err(_) => failed += 1,
                    }
                } else {
                    let batch = BatchInterpretRequest {
                        requests: vec![full_structured("DOOR_OPEN"), full_structured("HOOD_OPEN")],
                    };
                    match client.batch_interpret(batch).await {
                        Ok(r) => {
                            let labels: Vec<Option<char>> = r
                                .get_ref()
                                .results
                                .iter()
                                .zip(["DOOR_OPEN", "HOOD_OPEN"])
                                .map(|(item, code)| match &item.result {
                                    Some(ItemResult::Response(r)) => label_of(code, r),
                                    _ => None,
                                })
                                .collect();
                            let one = labels[0].is_some() && labels.iter().all(|l| *l == labels[0]);
                            mixed += u64::from(!one);
                        }
                        Err(_) => failed += 1,
                    }
                }
                calls.fetch_add(1, Ordering::Relaxed);
            }
            (failed, mixed)
        }));
    }
    // Every loader has answered once before the first swap, and keeps
    // calling until the last swap is done.
    started.wait().await;

    for swap in 1..=SWAPS {
        let (label, delay) = if swap % 2 == 1 { ("B", 50) } else { ("A", 40) };
        let seen = catalogs.status().generation;
        map.write(&labelled(label, delay));
        let after = next_status(&mut status, seen).await;
        assert_eq!(after.last, ReloadOutcome::Applied, "swap {swap}");
        // Right after the swap, a new call sees the new overlay.
        let r = interpret(&mut server.client, full_structured("DOOR_OPEN")).await;
        assert_eq!(
            label_of("DOOR_OPEN", &r),
            label.chars().next(),
            "swap {swap}"
        );
    }
    stop.store(true, Ordering::Relaxed);

    let (mut failed, mut mixed) = (0, 0);
    for loader in loaders {
        let (f, m) = loader.await.unwrap();
        failed += f;
        mixed += m;
    }
    let total = calls.load(Ordering::Relaxed);
    eprintln!("{total} calls across {SWAPS} swaps");
    assert_eq!((failed, mixed), (0, 0), "of {total} calls");
    assert!(total >= 2 * LOADERS as u64);
    assert_eq!(catalogs.status().applied, 1 + SWAPS);
    server.stop().await;
}

/// An invalid overlay at start-up stops the server before it serves, so a
/// bad ConfigMap keeps a new pod unready instead of serving wrong text.
#[tokio::test]
async fn invalid_overlay_at_start_up_fails_start_up() {
    let mut map = ConfigMapDir::new();
    map.write(&json!({ "entries": { "NOPE": {} } }));
    let config = ServerConfig {
        listen_addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        metrics_addr: None,
        ..config_for(&map)
    };
    let result = tokio::time::timeout(
        Duration::from_secs(10),
        Application::build_with_store(config, store()),
    )
    .await
    .expect("start-up did not fail within 10 s");
    assert!(matches!(result, Err(BuildError::Overlay(_))), "{result:?}");
}

/// The binary's start-up failure names the overlay's problem once: each
/// error's message already embeds its cause, so printing the cause chain
/// too said every reason twice. And it never claims that a previous
/// catalog keeps serving: at start-up none does.
#[test]
fn binary_start_up_failure_says_the_reason_once() {
    let mut map = ConfigMapDir::new();
    map.write(&json!({ "entries": { "NOPE": {} } }));
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_vehicle-error-interpreter"))
        .args([
            "--listen-addr",
            "127.0.0.1:0",
            "--metrics-addr",
            "127.0.0.1:0",
        ])
        .args(["--log-format", "json", "--catalog-overlay"])
        .arg(map.path())
        .output()
        .expect("run the binary");
    assert!(!output.status.success());
    let logs = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    let path = map.path().display().to_string();
    let line = logs
        .lines()
        .find(|l| l.contains(&path) && l.contains("NOPE"))
        .unwrap_or_else(|| panic!("no line names the file and the bad entry:\n{logs}"));
    assert_eq!(line.matches("NOPE").count(), 1, "{line}");
    assert!(!logs.contains("keeps serving"), "{logs}");
}

/// The binary reads `--catalog-overlay` and serves the overlay's default
/// app name.
#[tokio::test]
async fn binary_serves_the_overlay_named_by_the_flag() {
    let mut map = ConfigMapDir::new();
    map.write(&json!({ "defaultAppName": "Fleet Manager" }));
    let path = map.path();
    let server = BinaryServer::start(&["--catalog-overlay", path.to_str().unwrap()]);
    let channel = connect(server.addr).await;
    let mut client = InterpreterServiceClient::new(channel);
    let r = interpret(&mut client, full_structured("ASLEEP")).await;
    assert!(
        user_message(&r).contains("Fleet Manager"),
        "{}",
        user_message(&r)
    );
}
