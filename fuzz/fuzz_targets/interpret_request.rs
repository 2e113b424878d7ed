//! Any bytes as an `InterpretRequest` message: what decodes goes through
//! the real handler, which answers OK or INVALID_ARGUMENT, never INTERNAL,
//! UNKNOWN or a panic.
#![no_main]

use std::sync::{Arc, OnceLock};

use libfuzzer_sys::fuzz_target;
use prost::Message;
use tonic::{Code, Request};
use vehicle_error_interpreter::{
    Catalog,
    grpc::{Interpreter, ServiceSettings},
    pb::server::{InterpretRequest, interpreter_service_server::InterpreterService},
    reload::CatalogStore,
};

fuzz_target!(|data: &[u8]| {
    static SERVICE: OnceLock<(Interpreter, tokio::runtime::Runtime)> = OnceLock::new();
    let (service, runtime) = SERVICE.get_or_init(|| {
        let catalog = Arc::new(Catalog::embedded().expect("embedded catalog"));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        (
            Interpreter::new(
                CatalogStore::new(catalog, "Fuzz App"),
                ServiceSettings::default(),
            ),
            runtime,
        )
    });
    let Ok(request) = InterpretRequest::decode(data) else {
        return;
    };
    if let Err(status) = runtime.block_on(service.interpret(Request::new(request))) {
        assert_eq!(status.code(), Code::InvalidArgument, "{status:?}");
    }
});
