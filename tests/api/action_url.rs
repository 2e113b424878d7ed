//! `action_url` through the real server (design 3b, corrected): the
//! body's `resolution.url`, from v2 and v3 bodies, answered in BASIC and
//! FULL and as the first `Help` link of the propagation status; anything
//! but an `https` URL of at most 2 KiB is dropped with an
//! `ACTION_URL_INVALID` warning.

use tonic_types::RpcStatusExt;
use vehicle_error_interpreter::pb::{
    InterpretRequest, InterpretResponse, InterpretationView, interpret_request::Input,
};

use crate::helpers::TestServer;

const REAUTH: &str = "https://connect.example/oauth/reauthenticate?vehicle=v-1";
const VIRTUAL_KEY: &str = "https://www.carmaker.example/_ak/connect.example";

fn body(body: &str, status: u32, view: InterpretationView) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        http_status: status,
        view: view as i32,
        ..Default::default()
    }
}

/// A v2 body of AUTHENTICATION_FAILED with `resolution` as given.
fn v2(resolution: &str) -> InterpretRequest {
    body(
        &format!(
            r#"{{"type":"CONNECTED_SERVICES_ACCOUNT","code":"AUTHENTICATION_FAILED","statusCode":400,"resolution":{resolution}}}"#
        ),
        400,
        InterpretationView::Basic,
    )
}

/// The URLs of the propagation status' `Help` links, in order.
fn help_urls(r: &InterpretResponse) -> Vec<String> {
    let details = r.propagation_status.as_ref().unwrap().get_error_details();
    details
        .help()
        .map(|h| h.links.iter().map(|l| l.url.clone()).collect())
        .unwrap_or_default()
}

/// The warnings as (reason, field, metadata `reason`).
fn warnings(r: &InterpretResponse) -> Vec<(String, String, Option<String>)> {
    r.warnings
        .iter()
        .map(|w| {
            (
                w.reason.clone(),
                w.field.clone(),
                w.metadata.get("reason").cloned(),
            )
        })
        .collect()
}

/// A valid URL is answered as `action_url` and as the first `Help` link,
/// before a documentation link (the body's `docURL`, or a catalog entry's
/// pre-encoded one), from v2 and from the answered error of a v3 body, in
/// BASIC and FULL, with no warning.
#[tokio::test]
async fn a_valid_url_is_answered_and_linked() {
    let reauth = format!(r#"{{"type":"REAUTHENTICATE","url":"{REAUTH}"}}"#);
    let v2_doc = body(
        &format!(
            r#"{{"type":"CONNECTED_SERVICES_ACCOUNT","code":"AUTHENTICATION_FAILED","docURL":"https://docs.example/csa","resolution":{reauth}}}"#
        ),
        400,
        InterpretationView::Full,
    );
    let v3 = body(
        &format!(
            r#"{{"errors":[{{"status":"429","type":"RATE_LIMIT","code":"VEHICLE","resolution":{{"type":"RETRY_LATER","url":"https://other.example/"}}}},
            {{"status":"400","type":"CONNECTED_SERVICES_ACCOUNT","code":"VIRTUAL_KEY_REQUIRED","resolution":{{"type":"ACTION_REQUIRED","url":"{VIRTUAL_KEY}"}}}}]}}"#
        ),
        400,
        InterpretationView::Basic,
    );
    let door_open = body(
        &format!(
            r#"{{"type":"VEHICLE_STATE","code":"DOOR_OPEN","resolution":{{"type":null,"url":"{VIRTUAL_KEY}"}}}}"#
        ),
        409,
        InterpretationView::Basic,
    );
    let mut server = TestServer::spawn().await;
    let r = server.ask("v2 REAUTHENTICATE", v2(&reauth)).await;
    assert_eq!(r.action_url, REAUTH);
    assert_eq!(r.reason, "CONNECTED_SERVICES_ACCOUNT_AUTHENTICATION_FAILED");
    assert_eq!(help_urls(&r), [REAUTH]);
    assert_eq!(warnings(&r), []);

    let r = server.ask("v2 with docURL, FULL", v2_doc).await;
    assert_eq!(r.action_url, REAUTH);
    assert!(r.messages.is_some(), "FULL");
    assert_eq!(help_urls(&r), [REAUTH, "https://docs.example/csa"]);

    let r = server.ask("v3", v3).await;
    assert_eq!(
        (r.reason.as_str(), r.action_url.as_str()),
        (
            "CONNECTED_SERVICES_ACCOUNT_VIRTUAL_KEY_REQUIRED",
            VIRTUAL_KEY
        ),
        "the answered error's url, not another's"
    );
    assert_eq!(help_urls(&r), [VIRTUAL_KEY]);
    let only_other = warnings(&r);
    assert_eq!(only_other.len(), 1);
    assert_eq!(only_other[0].0, "OTHER_ERRORS_IGNORED");

    let r = server.ask("DOOR_OPEN with a url", door_open).await;
    assert_eq!(r.action_url, VIRTUAL_KEY);
    let urls = help_urls(&r);
    assert_eq!(urls.len(), 2, "{urls:?}");
    assert_eq!(urls[0], VIRTUAL_KEY);
    assert!(
        urls[1].starts_with("https://"),
        "the entry's doc link: {urls:?}"
    );
    server.stop().await;
}

/// An `http` URL and one over 2 KiB are dropped, with an
/// `ACTION_URL_INVALID` warning on `body` saying why and never repeating
/// the long value whole; the answer is otherwise unchanged and no `Help`
/// link carries them. The longest valid URL (2,048 bytes) passes.
#[tokio::test]
async fn an_invalid_url_is_dropped_with_a_warning() {
    let longest = format!("https://connect.example/{}", "a".repeat(2048 - 24));
    let too_long = format!("{longest}a");
    let mut server = TestServer::spawn().await;
    for (name, url, why) in [
        ("http", "http://connect.example/re", "NOT_HTTPS"),
        ("javascript", "javascript:alert(1)", "NOT_HTTPS"),
        ("over 2 KiB", too_long.as_str(), "TOO_LONG"),
        ("no host", "https:///re", "MALFORMED"),
        ("a space", "https://connect.example/a b", "MALFORMED"),
    ] {
        let r = server
            .ask(
                name,
                v2(&format!(r#"{{"type":"REAUTHENTICATE","url":"{url}"}}"#)),
            )
            .await;
        assert_eq!(r.action_url, "", "{name}");
        assert_eq!(
            r.reason, "CONNECTED_SERVICES_ACCOUNT_AUTHENTICATION_FAILED",
            "{name}"
        );
        assert_eq!(
            warnings(&r),
            [(
                "ACTION_URL_INVALID".to_owned(),
                "body".to_owned(),
                Some(why.to_owned())
            )],
            "{name}"
        );
        let value = &r.warnings[0].metadata["value"];
        assert!(value.chars().count() <= 65, "{name}: {} chars", value.len());
        assert!(url.starts_with(value.trim_end_matches('…')), "{name}");
        assert_eq!(help_urls(&r), Vec::<String>::new(), "{name}");
    }
    let r = server
        .ask(
            "exactly 2 KiB",
            v2(&format!(r#"{{"type":"REAUTHENTICATE","url":"{longest}"}}"#)),
        )
        .await;
    assert_eq!((r.action_url.len(), warnings(&r)), (2048, vec![]));
    server.stop().await;
}

/// No url, a null one, a string resolution and a v1 body answer an empty
/// `action_url`, no warning and no `Help` link.
#[tokio::test]
async fn no_url_is_empty_without_a_warning() {
    let mut server = TestServer::spawn().await;
    for (name, request) in [
        ("no url", v2(r#"{"type":"REAUTHENTICATE"}"#)),
        ("a null url", v2(r#"{"type":"REAUTHENTICATE","url":null}"#)),
        ("a string resolution", v2(r#""REAUTHENTICATE""#)),
        ("no resolution", v2("null")),
        (
            "v1",
            body(
                r#"{"error":"vehicle_owner_action_required","message":"m","code":"VOA_000"}"#,
                400,
                InterpretationView::Full,
            ),
        ),
    ] {
        let r = server.ask(name, request).await;
        assert_eq!(r.action_url, "", "{name}");
        assert_eq!(warnings(&r), [], "{name}");
        assert_eq!(help_urls(&r), Vec::<String>::new(), "{name}");
    }
    server.stop().await;
}
