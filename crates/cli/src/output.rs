//! Human-readable tables of events and states, and JSON lines for scripts (`--json`).

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

/// Prints events of several streams: stream, version, type, event time, data.
pub fn print_events_across(events: &[RecordedEvent]) {
    let mut printer = EventPrinter::new(false);
    for event in events {
        printer.print(event);
    }
    if events.is_empty() {
        println!("no events");
    }
}

/// Prints each value as one JSON line.
pub fn print_json_lines<T: serde::Serialize>(values: &[T]) {
    for value in values {
        println!("{}", serde_json::to_string(value).unwrap_or_default());
    }
}

/// Prints events one at a time as they come (a header first), or as JSON lines.
pub struct EventPrinter {
    json: bool,
    printed: usize,
}

impl EventPrinter {
    /// A printer of tables, or of JSON lines when `json`.
    pub fn new(json: bool) -> Self {
        Self { json, printed: 0 }
    }

    /// How many events it printed.
    pub fn printed(&self) -> usize {
        self.printed
    }

    /// Prints one event (and the header before the first).
    pub fn print(&mut self, event: &RecordedEvent) {
        if self.json {
            println!("{}", serde_json::to_string(event).unwrap_or_default());
        } else {
            if self.printed == 0 {
                println!(
                    "{:<36}  {:>7}  {:<24}  {:<24}  DATA",
                    "STREAM", "VERSION", "EVENT TYPE", "EVENT TIME"
                );
            }
            println!(
                "{:<36}  {:>7}  {:<24}  {:<24}  {}",
                event.stream_id.as_str(),
                event.version.get(),
                event.event_type.as_str(),
                format_time(&event.event_time),
                event.data
            );
        }
        self.printed += 1;
        use std::io::Write;
        let _ = std::io::stdout().flush();
    }
}
