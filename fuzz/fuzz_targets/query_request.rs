//! Any payload the query function is invoked with.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = query::QueryRequest::parse(payload);
    }
});
