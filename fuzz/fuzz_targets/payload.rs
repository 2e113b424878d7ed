//! Any text as a payload, with and without `used_signals`:
//! `interpret_payload` answers (unrecognised input included) or refuses
//! only an empty body, and never panics, overflows the stack or hangs.
#![no_main]

use std::{sync::OnceLock, time::SystemTime};

use libfuzzer_sys::fuzz_target;
use vehicle_error_interpreter::{
    Catalog,
    payload::{Limits, PayloadRequest, interpret_payload},
};

fuzz_target!(|data: &[u8]| {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    let catalog = CATALOG.get_or_init(|| Catalog::embedded().expect("embedded catalog"));
    // The wire gives the service UTF-8 (prost checks `string` fields).
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    // Small limits, so the cut paths run too.
    let limits = Limits {
        max_items: 4,
        max_signals: 8,
    };
    for used in [&[][..], &["closure-islocked", "Charge.Voltage"][..]] {
        let request = PayloadRequest {
            body,
            used_signals: used,
            limits,
            now: SystemTime::now(),
            operation: None,
        };
        match interpret_payload(catalog, &request) {
            Ok(answer) => {
                assert!(answer.items.len() <= limits.max_items);
                if let Some(i) = answer.verdict.deciding_item {
                    assert!(answer.items[i].relevant);
                }
            }
            Err(err) => assert_eq!(err.reason(), "EMPTY_BODY", "{err:?}"),
        }
    }
});
