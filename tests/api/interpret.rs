//! `Interpret` and `BatchInterpret` over the wire.

use tonic::Code;
use tonic_types::{RpcStatusExt, pb::Status as RpcStatus};
use vehicle_error_interpreter::pb::{
    BatchInterpretRequest, Category, InterpretRequest, MatchKind, RetryStrategy, StructuredError,
    interpret_request::Input,
};

use crate::helpers::{TestServer, seed_bodies};

fn body(body: &str) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        ..Default::default()
    }
}

fn structured(error_type: &str, code: &str) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Structured(StructuredError {
            r#type: error_type.into(),
            code: code.into(),
        })),
        ..Default::default()
    }
}

/// Every catalog code, sent as its documented body, comes back as an exact
/// match with its own entry, its classification, its rendered messages
/// and a ready status with the details callers need.
#[tokio::test]
async fn every_catalog_code_interprets_from_its_seed_body() {
    let mut server = TestServer::spawn().await;
    for (code, seed) in seed_bodies() {
        let request = InterpretRequest {
            app_name: "Fleet Manager".into(),
            ..body(&seed)
        };
        let r = server.client.interpret(request).await.unwrap().into_inner();
        let entry = r.vehicle_state_error.as_ref().unwrap();
        assert_eq!(r.r#match(), MatchKind::Exact, "{code}");
        assert_eq!(entry.code, code);
        assert_eq!(
            (r.error_type.as_str(), r.error_code.as_str()),
            ("VEHICLE_STATE", code.as_str())
        );
        assert_eq!(r.category, entry.category, "{code}");
        let advice = r.retry_advice.as_ref().unwrap();
        let policy = entry.retry_policy.as_ref().unwrap();
        assert_eq!(advice.strategy, policy.strategy, "{code}");
        assert_eq!(advice.suggested_delay, policy.suggested_delay, "{code}");
        assert_eq!(
            advice.retryable,
            advice.strategy() == RetryStrategy::RetryLater
        );
        assert_eq!(
            advice.user_action_required,
            advice.strategy() == RetryStrategy::RetryAfterUserAction
        );
        assert_eq!(r.request_id, "5dea93a1-3f79-4246-90c5-89610a20471b");
        assert_eq!((r.http_status, r.http_status_mismatch), (409, false));

        let messages = r.messages.as_ref().unwrap();
        assert!(!messages.user_message.contains("<app name>"), "{code}");
        let templated = entry
            .user_message_template
            .as_ref()
            .unwrap()
            .text
            .contains("<app name>");
        assert_eq!(
            messages.user_message.contains("Fleet Manager"),
            templated,
            "{code}"
        );
        assert_eq!(
            messages.suggested_user_message,
            entry.suggested_user_message
        );
        assert_eq!(messages.description, entry.description);

        let expected_code = if advice.strategy() == RetryStrategy::RetryLater {
            Code::Unavailable
        } else {
            Code::FailedPrecondition
        };
        assert_eq!(r.propagation_code, expected_code as i32, "{code}");
        let status: &RpcStatus = r.status.as_ref().unwrap();
        assert_eq!(status.code, r.propagation_code);
        let details = status.get_error_details();
        let info = details.error_info().unwrap();
        assert_eq!(info.reason, format!("VEHICLE_STATE_{code}"));
        assert_eq!(info.metadata["code"], code);
        assert_eq!(details.retry_info().is_some(), advice.retryable, "{code}");
        assert_eq!(
            details.localized_message().unwrap().message,
            messages.user_message
        );
        assert_eq!(details.help().unwrap().links[0].url, entry.doc_url);
    }
    server.stop().await;
}

/// Each match kind over the wire: exact, legacy code, fallback (with the
/// code echoed) and another error type.
#[tokio::test]
async fn reports_each_match_kind() {
    let mut server = TestServer::spawn().await;
    let cases = [
        (
            structured("vehicle_state", "hood_open"),
            MatchKind::Exact,
            "HOOD_OPEN",
            Category::Closure,
        ),
        (
            body(r#"{"error":"vehicle_state_error","message":"m","code":"VS_002"}"#),
            MatchKind::LegacyCode,
            "TRUNK_OPEN",
            Category::Closure,
        ),
        (
            body(r#"{"type":"VEHICLE_STATE","code":"WINDOW_OPEN"}"#),
            MatchKind::Fallback,
            "UNKNOWN",
            Category::Unknown,
        ),
        (
            body(
                r#"{"errors":[{"status":"409","type":"VEHICLE_STATE","code":"IN_MOTION","title":"t","detail":"d"}]}"#,
            ),
            MatchKind::Exact,
            "IN_MOTION",
            Category::VehicleInUse,
        ),
    ];
    for (request, kind, code, category) in cases {
        let r = server.client.interpret(request).await.unwrap().into_inner();
        assert_eq!(r.r#match(), kind, "{code}");
        assert_eq!(r.category(), category);
        assert_eq!(r.vehicle_state_error.unwrap().code, code);
    }
    let fallback = server
        .client
        .interpret(body(r#"{"type":"VEHICLE_STATE","code":"window_open"}"#))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(fallback.error_code, "WINDOW_OPEN");

    let other = body(
        r#"{"type":"AUTHENTICATION","code":null,"description":"Expired","resolution":{"type":"REAUTHENTICATE"},"statusCode":401}"#,
    );
    let r = server.client.interpret(other).await.unwrap().into_inner();
    assert_eq!(r.r#match(), MatchKind::NotVehicleState);
    assert!(r.vehicle_state_error.is_none());
    assert_eq!(r.category(), Category::Other);
    assert_eq!(
        r.retry_advice.unwrap().strategy(),
        RetryStrategy::RetryAfterUserAction
    );
    assert_eq!(r.messages.unwrap().description, "Expired");
    assert_eq!(r.propagation_code, Code::FailedPrecondition as i32);
    server.stop().await;
}

/// The default app name fills the placeholder when the request names none;
/// context fields (Retry-After, request id, HTTP status) shape the answer.
#[tokio::test]
async fn default_app_name_and_context() {
    let mut server = TestServer::spawn().await;
    let request = InterpretRequest {
        http_status: 503,
        retry_after: "90".into(),
        request_id: "hdr-7".into(),
        ..structured("VEHICLE_STATE", "LOW_BATTERY")
    };
    let r = server.client.interpret(request).await.unwrap().into_inner();
    let messages = r.messages.unwrap();
    assert!(
        messages.user_message.starts_with("The app was unable"),
        "{}",
        messages.user_message
    );
    let advice = r.retry_advice.unwrap();
    assert_eq!(advice.suggested_delay.unwrap().seconds, 90);
    assert_eq!(r.request_id, "hdr-7");
    assert_eq!(r.http_status, 503);
    let v3 = body(
        r#"{"errors":[{"type":"A"},{"type":"VEHICLE_STATE","code":"ASLEEP","status":"409"},{"type":"B"}]}"#,
    );
    let r = server
        .client
        .interpret(InterpretRequest {
            http_status: 200,
            ..v3
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        (r.other_error_count, r.http_status, r.http_status_mismatch),
        (2, 409, true)
    );
    server.stop().await;
}

/// A batch answers every item in order; bad items carry their own status
/// with a BadRequest naming the item, and do not fail the batch.
#[tokio::test]
async fn batch_answers_each_item_and_isolates_bad_ones() {
    let mut server = TestServer::spawn().await;
    let requests = vec![
        structured("VEHICLE_STATE", "DOOR_OPEN"),
        body("not json"),
        InterpretRequest::default(),
        body(r#"{"type":"VEHICLE_STATE","code":"ASLEEP"}"#),
    ];
    let r = server
        .client
        .batch_interpret(BatchInterpretRequest { requests })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.results.len(), 4);
    let codes: Vec<i32> = r
        .results
        .iter()
        .map(|x| x.status.as_ref().unwrap().code)
        .collect();
    assert_eq!(
        codes,
        [
            0,
            Code::InvalidArgument as i32,
            Code::InvalidArgument as i32,
            0
        ]
    );
    assert_eq!(
        r.results[0]
            .response
            .as_ref()
            .unwrap()
            .vehicle_state_error
            .as_ref()
            .unwrap()
            .code,
        "DOOR_OPEN"
    );
    assert_eq!(
        r.results[3]
            .response
            .as_ref()
            .unwrap()
            .vehicle_state_error
            .as_ref()
            .unwrap()
            .code,
        "ASLEEP"
    );
    assert!(r.results[1].response.is_none());
    let details = r.results[1].status.as_ref().unwrap().get_error_details();
    assert_eq!(
        details.bad_request().unwrap().field_violations[0].field,
        "requests[1].body"
    );
    assert_eq!(details.error_info().unwrap().reason, "BODY_NOT_JSON");
    let details = r.results[2].status.as_ref().unwrap().get_error_details();
    assert_eq!(details.error_info().unwrap().reason, "MISSING_INPUT");
    server.stop().await;
}

/// Large and small answers share one connection without loss or mix-up: a
/// full batch (about 220 KB, well past the connection's 16 KiB write
/// buffer, so it is taken in parts and written around the buffer) while
/// dozens of single calls complete on the same connection. Each batch item
/// must equal the answer the same request gets on its own.
#[tokio::test]
async fn full_batches_and_single_calls_share_a_connection_intact() {
    let server = TestServer::spawn().await;
    let seeds = seed_bodies();
    let requests: Vec<InterpretRequest> =
        (0..100).map(|i| body(&seeds[i % seeds.len()].1)).collect();
    let mut singles = Vec::new();
    for request in &requests[..seeds.len()] {
        let mut client = server.client.clone();
        singles.push(
            client
                .interpret(request.clone())
                .await
                .unwrap()
                .into_inner(),
        );
    }

    let mut calls = tokio::task::JoinSet::new();
    for round in 0..3 {
        let mut client = server.client.clone();
        let batch = requests.clone();
        calls.spawn(async move {
            let r = client
                .batch_interpret(BatchInterpretRequest { requests: batch })
                .await
                .unwrap()
                .into_inner();
            (round, Some(r), None)
        });
        for i in 0..20 {
            let mut client = server.client.clone();
            let request = requests[i % seeds.len()].clone();
            calls.spawn(async move {
                let r = client.interpret(request).await.unwrap().into_inner();
                (i, None, Some(r))
            });
        }
    }
    let (mut batches, mut single_calls) = (0, 0);
    while let Some(joined) = calls.join_next().await {
        match joined.unwrap() {
            (_, Some(batch), None) => {
                assert_eq!(batch.results.len(), 100);
                for (i, result) in batch.results.iter().enumerate() {
                    assert_eq!(result.status.as_ref().unwrap().code, 0, "item {i}");
                    assert_eq!(
                        result.response.as_ref(),
                        Some(&singles[i % seeds.len()]),
                        "item {i}"
                    );
                }
                batches += 1;
            }
            (i, None, Some(single)) => {
                assert_eq!(single, singles[i % seeds.len()], "call {i}");
                single_calls += 1;
            }
            other => unreachable!("{other:?}"),
        }
    }
    assert_eq!((batches, single_calls), (3, 60));
    server.stop().await;
}

/// `--coalesce-writes=false` leaves the wrapper out: the same requests,
/// small and past the write buffer, get the same answers as with it. Both
/// servers share one catalog, whose pre-encoded ErrorInfo metadata (a map)
/// has an order of its own per catalog.
#[tokio::test]
async fn answers_are_the_same_with_write_coalescing_off() {
    use std::sync::Arc;
    use vehicle_error_interpreter::{Catalog, ServerConfig, reload::CatalogStore};

    let config = ServerConfig::default();
    // Any app name: both servers render with this store's.
    let catalogs = CatalogStore::new(Arc::new(Catalog::embedded().unwrap()), "the app");
    let coalesced = TestServer::spawn_with_store(config.clone(), Arc::clone(&catalogs)).await;
    let direct = TestServer::spawn_with_store(
        ServerConfig {
            coalesce_writes: false,
            ..config
        },
        catalogs,
    )
    .await;
    let seeds = seed_bodies();
    let batch = BatchInterpretRequest {
        requests: (0..100).map(|i| body(&seeds[i % seeds.len()].1)).collect(),
    };
    let mut a = coalesced.client.clone();
    let mut b = direct.client.clone();
    assert_eq!(
        a.interpret(body(&seeds[0].1)).await.unwrap().into_inner(),
        b.interpret(body(&seeds[0].1)).await.unwrap().into_inner()
    );
    assert_eq!(
        a.batch_interpret(batch.clone()).await.unwrap().into_inner(),
        b.batch_interpret(batch).await.unwrap().into_inner()
    );
    coalesced.stop().await;
    direct.stop().await;
}
