//! Human-readable tables of events and states.

use event_store_domain::{format_time, RecordedEvent};

/// Prints events as aligned columns: version, type, event time, data.
pub fn print_events(events: &[RecordedEvent]) {
    let type_width = events
        .iter()
        .map(|e| e.event_type.as_str().len())
        .chain([10])
        .max()
        .unwrap_or(10);
    println!(
        "{:>7}  {:<type_width$}  {:<24}  DATA",
        "VERSION", "EVENT TYPE", "EVENT TIME"
    );
    for event in events {
        println!(
            "{:>7}  {:<type_width$}  {:<24}  {}",
            event.version.get(),
            event.event_type.as_str(),
            format_time(&event.event_time),
            event.data
        );
    }
}
