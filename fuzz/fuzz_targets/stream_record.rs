//! Any DynamoDB stream batch: each record's new image read back as an event, as the projector
//! does before projecting it.
#![no_main]

use aws_lambda_events::event::dynamodb::Event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(batch) = serde_json::from_slice::<Event>(data) else {
        return;
    };
    for record in batch.records {
        let _ = projector::event_of_record(record);
    }
});
