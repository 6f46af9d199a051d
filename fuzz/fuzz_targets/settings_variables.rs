//! Any value of the settings read from the environment: the bus mapping's path lists (then used
//! to map seed 004's event) and the store's settings.
#![no_main]

use event_store_domain::{BusEvent, BusMapping, Settings};
use libfuzzer_sys::fuzz_target;

const SEED_004: &str = include_str!("../../fixtures/events/seed-004-account-created.json");

fuzz_target!(|text: &str| {
    let _ = Settings::from_lookup(|_| Some(text.to_owned()));
    let Ok(mapping) = BusMapping::from_lookup(|_| Some(text.to_owned())) else {
        return;
    };
    let event: serde_json::Value = serde_json::from_str(SEED_004).expect("the fixture");
    let view = BusEvent {
        id: "0d4f4f1e-1b7a-4d39-9a55-6f2a3c1e0001",
        detail_type: "AccountCreated",
        source: "bank.accounts",
        time: None,
        account: None,
        region: None,
        resources: &[],
        detail: &event["detail"],
    };
    let _ = mapping.map(&view);
});
