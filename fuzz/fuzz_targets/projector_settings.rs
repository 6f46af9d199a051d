//! Any projector settings document (PROJECTOR_SETTINGS).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = event_store_domain::ProjectorSettings::from_json(text);
});
