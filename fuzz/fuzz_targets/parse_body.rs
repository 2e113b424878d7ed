//! Any text as an error body: `interpret` returns an interpretation or a
//! typed body error, and never panics, overflows the stack or hangs.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vehicle_error_interpreter::{
    Catalog,
    interpret::{Context, Input, interpret},
};

fuzz_target!(|data: &[u8]| {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let catalog = CATALOG.get_or_init(|| Catalog::embedded().expect("embedded catalog"));
    // The wire gives the service UTF-8 (prost checks `string` fields).
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    match interpret(catalog, Input::Body(body), &Context::default()) {
        Ok(mut interpretation) => {
            let _ = interpretation.messages("Fuzz App");
        }
        Err(err) => assert_eq!(err.field(), "body", "{err:?}"),
    }
});
