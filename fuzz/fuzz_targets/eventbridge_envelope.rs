//! Any payload the persister is invoked with: classified (SQS batch, EventBridge event, append
//! command) and, for an EventBridge event, mapped to its append. Errors are fine; panics are not.
#![no_main]

use event_store_domain::BusMapping;
use libfuzzer_sys::fuzz_target;
use persister::{append_request_of, PersisterInput};

fuzz_target!(|data: &[u8]| {
    let Ok(payload) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    if let Ok(PersisterInput::BusEvent(event)) = PersisterInput::classify(payload) {
        let mapping = BusMapping::from_lookup(|_| None).expect("the default mapping");
        let _ = append_request_of(&mapping, &event);
    }
});
