//! Bytes on the wire per `Interpret` answer (the serialized
//! `InterpretResponse`, as docs/design.md §7 counts them), for every
//! catalog entry's documented body, in the BASIC and FULL views: min,
//! median and max, and DOOR_OPEN's.
//!
//! ```text
//! cargo run --release --example answer_sizes
//! ```

use std::sync::Arc;

use prost::Message as _;
use tonic::Request;
use vehicle_error_interpreter::{
    Catalog,
    catalog::seed_bodies,
    grpc::{Interpreter, ServiceSettings},
    pb::server::{
        InterpretRequest, InterpretationView, interpret_request::Input,
        interpreter_service_server::InterpreterService as _,
    },
    reload::CatalogStore,
};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let catalog = Arc::new(Catalog::embedded().expect("embedded catalog"));
    let service = Interpreter::new(
        CatalogStore::new(catalog, "the app"),
        ServiceSettings::default(),
    );
    let seeds = seed_bodies();
    for (name, view) in [
        ("BASIC", InterpretationView::Unspecified),
        ("FULL", InterpretationView::Full),
    ] {
        let mut sizes = Vec::new();
        let mut door = 0;
        for (code, body) in &seeds {
            let request = InterpretRequest {
                input: Some(Input::Body(body.clone())),
                app_name: "My App".into(),
                view: view as i32,
                ..Default::default()
            };
            let answer = service
                .interpret(Request::new(request))
                .await
                .expect("answer")
                .into_inner();
            let len = answer.encoded_len();
            if code == "DOOR_OPEN" {
                door = len;
            }
            sizes.push(len);
        }
        sizes.sort_unstable();
        println!(
            "{name:<5} min {} median {} max {} bytes; DOOR_OPEN {door} bytes",
            sizes[0],
            sizes[sizes.len() / 2],
            sizes[sizes.len() - 1]
        );
    }
}
