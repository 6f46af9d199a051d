//! Any ingest message body: parsed as an EventBridge event and mapped to its append.
#![no_main]

use event_store_domain::BusMapping;
use libfuzzer_sys::fuzz_target;
use persister::{append_request_of, parse_body};

fuzz_target!(|body: &str| {
    if let Ok(event) = parse_body(body) {
        let mapping = BusMapping::from_lookup(|_| None).expect("the default mapping");
        let _ = append_request_of(&mapping, &event);
    }
});
