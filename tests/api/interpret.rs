//! `Interpret` and `BatchInterpret` over the wire.

use tonic::Code;
use tonic_types::{RpcStatusExt, pb::Status as RpcStatus};
use vehicle_error_interpreter::pb::{
    BatchInterpretRequest, BatchInterpretResult, Category, DecisionSource, Identification,
    InterpretRequest, InterpretResponse, InterpretationView, RetryStrategy, StructuredError,
    batch_interpret_result::Result as ItemResult, interpret_request::Input,
};

use crate::helpers::{TestServer, seed_bodies};

fn body(body: &str) -> InterpretRequest {
    InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        ..Default::default()
    }
}

fn full(request: InterpretRequest) -> InterpretRequest {
    InterpretRequest {
        view: InterpretationView::Full as i32,
        ..request
    }
}

/// A batch item's answer, or `None` when the item failed.
fn answer(result: &BatchInterpretResult) -> Option<&InterpretResponse> {
    match result.result.as_ref()? {
        ItemResult::Response(r) => Some(r),
        ItemResult::Error(_) => None,
    }
}

/// A batch item's error status, or `None` when it was answered.
fn item_error(result: &BatchInterpretResult) -> Option<&RpcStatus> {
    match result.result.as_ref()? {
        ItemResult::Error(status) => Some(status),
        ItemResult::Response(_) => None,
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
            ..full(body(&seed))
        };
        let r = server.client.interpret(request).await.unwrap().into_inner();
        let entry = r.vehicle_state_error.as_ref().unwrap();
        assert_eq!(r.identification(), Identification::ExactCode, "{code}");
        assert_eq!(r.catalog_code, code);
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
        assert_eq!(advice.action, policy.action, "{code}");
        assert_eq!(r.request_id, "5dea93a1-3f79-4246-90c5-89610a20471b");
        assert_eq!((r.http_status, r.warnings.len()), (409, 0));

        let messages = r.messages.as_ref().unwrap();
        assert!(!r.user_message.contains("<app name>"), "{code}");
        let templated = entry
            .user_message_template
            .as_ref()
            .unwrap()
            .text
            .contains("<app name>");
        assert_eq!(
            r.user_message.contains("Fleet Manager"),
            templated,
            "{code}"
        );
        assert_eq!(
            messages.suggested_user_message,
            entry.suggested_user_message
        );
        assert_eq!(messages.description, entry.description);

        // Vehicle-state waits and actions alike: FAILED_PRECONDITION, which
        // no retry layer retries at once (docs/design.md §5.1).
        assert_eq!(
            r.propagation_code,
            Code::FailedPrecondition as i32,
            "{code}"
        );
        let status: &RpcStatus = r.propagation_status.as_ref().unwrap();
        assert_eq!(status.code, r.propagation_code);
        let details = status.get_error_details();
        let info = details.error_info().unwrap();
        assert_eq!(info.reason, format!("VEHICLE_STATE_{code}"));
        assert_eq!(info.metadata["code"], code);
        assert_eq!(
            details.retry_info().is_some(),
            advice.strategy() == RetryStrategy::RetryLater,
            "{code}"
        );
        assert_eq!(details.localized_message().unwrap().message, r.user_message);
        assert_eq!(details.help().unwrap().links[0].url, entry.doc_url);
    }
    server.stop().await;
}

/// Each identification kind over the wire: exact, legacy code, unknown code
/// (with the code echoed) and another error type.
#[tokio::test]
async fn reports_each_identification_kind() {
    let mut server = TestServer::spawn().await;
    let cases = [
        (
            structured("vehicle_state", "hood_open"),
            Identification::ExactCode,
            "HOOD_OPEN",
            Category::Closure,
        ),
        (
            body(r#"{"error":"vehicle_state_error","message":"m","code":"VS_002"}"#),
            Identification::LegacyCode,
            "TRUNK_OPEN",
            Category::Closure,
        ),
        (
            body(r#"{"type":"VEHICLE_STATE","code":"WINDOW_OPEN"}"#),
            Identification::UnknownCode,
            "UNKNOWN",
            Category::Unknown,
        ),
        (
            body(
                r#"{"errors":[{"status":"409","type":"VEHICLE_STATE","code":"IN_MOTION","title":"t","detail":"d"}]}"#,
            ),
            Identification::ExactCode,
            "IN_MOTION",
            Category::VehicleInUse,
        ),
    ];
    for (request, kind, code, category) in cases {
        let r = server.client.interpret(request).await.unwrap().into_inner();
        assert_eq!(r.identification(), kind, "{code}");
        assert_eq!(r.category(), category);
        assert_eq!(r.catalog_code, code);
        assert!(r.vehicle_state_error.is_none(), "BASIC holds no entry");
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
    let r = server
        .client
        .interpret(full(other))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.identification(), Identification::ExactCode);
    assert_eq!(r.decided_by(), DecisionSource::Resolution);
    assert_eq!(r.reason, "AUTHENTICATION");
    assert!(r.vehicle_state_error.is_none());
    assert_eq!(r.category(), Category::Access);
    assert_eq!(
        r.retry_advice.unwrap().strategy(),
        RetryStrategy::RetryAfterAction
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
    assert!(
        r.user_message.starts_with("The app was unable"),
        "{}",
        r.user_message
    );
    let advice = r.retry_advice.unwrap();
    assert_eq!(advice.suggested_delay.unwrap().seconds, 90);
    assert_eq!(r.request_id, "hdr-7");
    assert_eq!(r.http_status, 503);
    let v3 = body(
        r#"{"errors":[{"type":"VEHICLE_STATE","code":"FULLY_CHARGED"},{"type":"VEHICLE_STATE","code":"ASLEEP","status":"409"},{"type":"VEHICLE_STATE","code":"CHARGING_IN_PROGRESS"}]}"#,
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
    assert_eq!((r.other_error_count, r.http_status), (2, 409));
    let warnings: Vec<_> = r.warnings.iter().map(|w| w.reason.as_str()).collect();
    assert!(warnings.contains(&"HTTP_STATUS_MISMATCH"), "{warnings:?}");
    assert!(warnings.contains(&"OTHER_ERRORS_IGNORED"), "{warnings:?}");
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
        .map(|x| item_error(x).map_or(0, |s| s.code))
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
    assert_eq!(answer(&r.results[0]).unwrap().catalog_code, "DOOR_OPEN");
    assert_eq!(answer(&r.results[3]).unwrap().catalog_code, "ASLEEP");
    assert!(answer(&r.results[1]).is_none());
    let details = item_error(&r.results[1]).unwrap().get_error_details();
    assert_eq!(
        details.bad_request().unwrap().field_violations[0].field,
        "requests[1].body"
    );
    assert_eq!(details.error_info().unwrap().reason, "BODY_NOT_JSON");
    let details = item_error(&r.results[2]).unwrap().get_error_details();
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
                    assert_eq!(answer(result), Some(&singles[i % seeds.len()]), "item {i}");
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
    use vehicle_error_interpreter::{
        Catalog, ServerConfig, reload::CatalogStore, server::ServeConfig,
    };

    let config = ServerConfig::default();
    // Any app name: both servers render with this store's.
    let catalogs = CatalogStore::new(Arc::new(Catalog::embedded().unwrap()), "the app");
    let coalesced = TestServer::spawn_with_store(config.clone(), Arc::clone(&catalogs)).await;
    let direct = TestServer::spawn_with_store(
        ServerConfig {
            serve: ServeConfig {
                coalesce_writes: false,
                ..config.serve.clone()
            },
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
