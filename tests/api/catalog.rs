//! `GetVehicleStateError` and `ListVehicleStateErrors` over the wire.

use tonic::Code;
use tonic_types::StatusExt;
use vehicle_error_interpreter::pb::{
    Category, GetVehicleStateErrorRequest, ListVehicleStateErrorsRequest, RetryStrategy, Scope,
};

use crate::helpers::{TestServer, seed_bodies};

fn get(code: &str) -> GetVehicleStateErrorRequest {
    GetVehicleStateErrorRequest { code: code.into() }
}

/// Every code is found, in any case and by legacy code, with its
/// documentation text and its scope (design 3c: closures and charging
/// block the operation, every other state the vehicle).
#[tokio::test]
async fn gets_every_entry_by_code_and_legacy_code() {
    let mut server = TestServer::spawn().await;
    for (code, _) in seed_bodies() {
        let entry = server
            .client
            .get_vehicle_state_error(get(&code.to_lowercase()))
            .await
            .unwrap()
            .into_inner();
        let entry = entry.vehicle_state_error.unwrap();
        assert_eq!(entry.code, code);
        assert!(!entry.description.is_empty());
        let operation = code.ends_with("_OPEN") || code.contains("CHARG");
        let want = if operation {
            Scope::Operation
        } else {
            Scope::Vehicle
        };
        assert_eq!(entry.retry_policy.unwrap().scope(), want, "{code}");
    }
    let door = server
        .client
        .get_vehicle_state_error(get("VS_001"))
        .await
        .unwrap()
        .into_inner();
    assert_eq!(door.vehicle_state_error.unwrap().code, "DOOR_OPEN");
    server.stop().await;
}

/// An unknown code is NOT_FOUND with ErrorInfo naming the code.
#[tokio::test]
async fn unknown_code_is_not_found_with_error_info() {
    let mut server = TestServer::spawn().await;
    let err = server
        .client
        .get_vehicle_state_error(get("WINDOW_OPEN"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), Code::NotFound);
    let info = err.get_details_error_info().unwrap();
    assert_eq!(info.reason, "UNKNOWN_CODE");
    assert_eq!(info.domain, "vehicle-error-interpreter");
    assert_eq!(info.metadata["code"], "WINDOW_OPEN");
    server.stop().await;
}

/// The list is the documentation's order; filters and pages work.
#[tokio::test]
async fn lists_in_documentation_order_with_filters_and_pages() {
    let mut server = TestServer::spawn().await;
    let all = server
        .client
        .list_vehicle_state_errors(ListVehicleStateErrorsRequest::default())
        .await
        .unwrap()
        .into_inner();
    let codes: Vec<String> = all
        .vehicle_state_errors
        .iter()
        .map(|e| e.code.clone())
        .collect();
    let documented: Vec<String> = seed_bodies().into_iter().map(|(c, _)| c).collect();
    assert_eq!(codes, documented);
    assert!(all.next_page_token.is_empty());

    let charging = ListVehicleStateErrorsRequest {
        category: Category::Charging as i32,
        ..Default::default()
    };
    let r = server
        .client
        .list_vehicle_state_errors(charging)
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.vehicle_state_errors.len(), 6);
    assert!(
        r.vehicle_state_errors
            .iter()
            .all(|e| e.category() == Category::Charging)
    );

    let later = ListVehicleStateErrorsRequest {
        category: Category::Connectivity as i32,
        strategy: RetryStrategy::RetryLater as i32,
        ..Default::default()
    };
    let r = server
        .client
        .list_vehicle_state_errors(later)
        .await
        .unwrap()
        .into_inner();
    let codes: Vec<&str> = r
        .vehicle_state_errors
        .iter()
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(codes, ["UNREACHABLE", "VEHICLE_OFFLINE_FOR_SERVICE"]);

    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let request = ListVehicleStateErrorsRequest {
            page_size: 5,
            page_token: token,
            ..Default::default()
        };
        let page = server
            .client
            .list_vehicle_state_errors(request)
            .await
            .unwrap()
            .into_inner();
        pages.push(page.vehicle_state_errors.len());
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    assert_eq!(pages, [5, 5, 5, 2]);
    server.stop().await;
}

/// Page tokens are opaque and bound to the filters and page size they were
/// issued for: reused with others, or made up, they are INVALID_ARGUMENT
/// with a BadRequest naming `page_token`.
#[tokio::test]
async fn page_tokens_are_bound_to_their_query() {
    let mut server = TestServer::spawn().await;
    let first = ListVehicleStateErrorsRequest {
        page_size: 2,
        ..Default::default()
    };
    let token = server
        .client
        .list_vehicle_state_errors(first.clone())
        .await
        .unwrap()
        .into_inner()
        .next_page_token;
    assert!(!token.is_empty() && !token.contains("offset"), "{token}");
    let misuses = [
        ListVehicleStateErrorsRequest {
            page_token: token.clone(),
            category: Category::Closure as i32,
            ..first.clone()
        },
        ListVehicleStateErrorsRequest {
            page_token: token.clone(),
            page_size: 3,
            ..first.clone()
        },
        ListVehicleStateErrorsRequest {
            page_token: "offset:2".into(),
            ..first.clone()
        },
    ];
    for request in misuses {
        let err = server
            .client
            .list_vehicle_state_errors(request)
            .await
            .unwrap_err();
        assert_eq!(err.code(), Code::InvalidArgument);
        let details = err.get_error_details();
        assert_eq!(
            details.bad_request().unwrap().field_violations[0].field,
            "page_token"
        );
    }
    server.stop().await;
}
