//! `vehicle-error-interpreter check-overlay <path>`: the real binary checks
//! an overlay file as start-up would, prints what it overrides, and exits
//! 0 or 1 without serving.

use std::{
    net::TcpListener,
    process::{Command, Output},
};

use serde_json::json;

/// Runs the binary with `args`, to the end.
fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vehicle-error-interpreter"))
        .args(args)
        .output()
        .expect("run the binary")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// `json` written to `name` in a fresh directory.
fn overlay_file(name: &str, json: &serde_json::Value) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, json.to_string()).unwrap();
    (dir, path.to_str().unwrap().to_owned())
}

/// A valid overlay: exit 0, and stdout names each entry and reason it
/// overrides with the fields it sets, every locale it adds and its default
/// app name; nothing on stderr.
#[test]
fn a_valid_overlay_is_summarised() {
    let (_dir, path) = overlay_file(
        "catalog-overlay.json",
        &json!({
            "defaultAppName": "Fleet Manager",
            "entries": {
                "DOOR_OPEN": {
                    "retry": { "delaySeconds": 60, "delayReason": "Our sensors report within a minute." },
                    "locales": {
                        "fr-CA": {
                            "userMessage": { "text": "<app name> n’a pas pu barrer l’auto." },
                            "suggestedUserMessage": "Fermez les portières."
                        }
                    }
                }
            },
            "reasons": {
                "RATE_LIMIT_VEHICLE": {
                    "userMessage": "<app name> is waiting for your car.",
                    "locales": { "de": { "userMessage": "<app name> wartet auf dein Auto." } }
                }
            }
        }),
    );
    let output = run(&["check-overlay", &path]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(output.stderr.is_empty(), "{}", text(&output.stderr));
    let expected = [
        format!("catalog overlay {path} is valid (digest "),
        "entries overridden: 1\n".to_owned(),
        "  DOOR_OPEN: retry.delaySeconds, retry.delayReason; locales fr-CA\n".to_owned(),
        "reasons overridden: 1\n".to_owned(),
        "  RATE_LIMIT_VEHICLE: userMessage; locales de\n".to_owned(),
        "locales added: fr-CA, de\n".to_owned(),
        "default app name: Fleet Manager\n".to_owned(),
    ];
    for line in expected {
        assert!(stdout.contains(&line), "no {line:?} in:\n{stdout}");
    }
}

/// An invalid overlay: exit 1, nothing on stdout, and stderr gives the
/// reason in the words a server started on the same file logs before it
/// exits 1.
#[test]
fn an_invalid_overlay_fails_with_the_start_up_reason() {
    let (_dir, path) = overlay_file(
        "catalog-overlay.json",
        &json!({ "entries": { "DOOR_OPENED": { "description": "Doors." } } }),
    );
    let output = run(&["check-overlay", &path]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    let reason = format!(
        "catalog overlay {path}: overlay field entries.DOOR_OPENED: no catalog entry has this code"
    );
    let stderr = text(&output.stderr);
    assert!(stderr.starts_with(&reason), "{stderr}");

    let served = run(&[
        "--listen-addr",
        "127.0.0.1:0",
        "--metrics-addr",
        "127.0.0.1:0",
        "--catalog-overlay",
        &path,
    ]);
    assert_eq!(served.status.code(), Some(1), "{served:?}");
    assert!(
        text(&served.stderr).contains(stderr.trim_end()),
        "{served:?}"
    );
}

/// A missing file fails the check (start-up would quietly serve the
/// embedded catalog, which is not what a CI job checking a ConfigMap
/// means), naming the path; so does a file that is not an overlay.
#[test]
fn a_missing_or_malformed_file_fails() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("catalog-overlay.json");
    let missing = missing.to_str().unwrap();
    let output = run(&["check-overlay", missing]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = text(&output.stderr);
    assert!(
        stderr.starts_with(&format!("catalog overlay {missing}: no such file")),
        "{stderr}"
    );

    // YAML where JSON belongs: the ConfigMap's text, not its value.
    let yaml = dir.path().join("catalog-overlay.yaml");
    std::fs::write(&yaml, "defaultAppName: Fleet Manager\n").unwrap();
    let output = run(&["check-overlay", yaml.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        text(&output.stderr).contains("overlay JSON is malformed"),
        "{output:?}"
    );
}

/// The check binds nothing: given addresses this test already holds for
/// gRPC and metrics, which a server would fail to bind, it still answers
/// and exits 0, and never says "serving".
#[test]
fn the_check_binds_no_port() {
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = held.local_addr().unwrap().to_string();
    let (_dir, path) = overlay_file("catalog-overlay.json", &json!({}));
    let output = run(&[
        "--listen-addr",
        &addr,
        "--metrics-addr",
        &addr,
        "check-overlay",
        &path,
    ]);
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let all = text(&output.stdout) + &text(&output.stderr);
    assert!(all.contains("entries overridden: 0"), "{all}");
    assert!(
        !all.contains("serving") && !all.contains("binding"),
        "{all}"
    );
}

/// docs/catalog-overlay.md shows what the check prints for the page's
/// first example; this is that output, byte for byte.
#[test]
fn the_documented_output_is_the_real_one() {
    const DOC: &str = include_str!("../../docs/catalog-overlay.md");
    let example = DOC.split("```json\n").nth(1).unwrap().split("```").next();
    let section = DOC.split("## Checking a file").nth(1).unwrap();
    let shown = section
        .split("```text\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("catalog-overlay.json"), example.unwrap()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_vehicle-error-interpreter"))
        .args(["check-overlay", "./catalog-overlay.json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(text(&output.stdout), shown.unwrap());
}
