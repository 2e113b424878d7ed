//! Handler tests: the trait methods called directly, no network
//! (tonic-health's tier).

use std::sync::Arc;

use prost::Message as _;
use tonic::Request;

use super::pb::server::{
    InterpretRequest, InterpretationView, interpret_request::Input,
    interpreter_service_server::InterpreterService as _,
};
use super::*;
use crate::catalog::{Catalog, EMBEDDED_JSON};

fn interpreter() -> Interpreter {
    let catalog = Arc::new(Catalog::embedded().unwrap());
    Interpreter::new(
        CatalogStore::new(catalog, "the app"),
        ServiceSettings::default(),
    )
}

/// Each catalog entry's documented body, as the API sends it.
fn seed_bodies() -> Vec<(String, String)> {
    let raw: serde_json::Value = serde_json::from_str(EMBEDDED_JSON).unwrap();
    raw["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_owned(),
                e["body"].to_string(),
            )
        })
        .collect()
}

async fn size(service: &Interpreter, body: &str, view: InterpretationView) -> usize {
    let request = InterpretRequest {
        input: Some(Input::Body(body.to_owned())),
        app_name: "My App".into(),
        view: view as i32,
        ..Default::default()
    };
    let response = service.interpret(Request::new(request)).await.unwrap();
    response.into_inner().encoded_len()
}

/// The default view's DOOR_OPEN answer fits in 1 KiB (docs/design.md §7),
/// counted as the serialized `InterpretResponse`; FULL is larger.
#[tokio::test]
async fn basic_door_open_answer_fits_in_a_kibibyte() {
    let service = interpreter();
    let seeds = seed_bodies();
    let door = &seeds.iter().find(|(c, _)| c == "DOOR_OPEN").unwrap().1;
    let basic = size(&service, door, InterpretationView::Unspecified).await;
    let full = size(&service, door, InterpretationView::Full).await;
    eprintln!("DOOR_OPEN: BASIC {basic} bytes, FULL {full} bytes");
    assert!(basic <= 1024, "{basic}");
    assert!(full > basic);
}
