//! `esctl event ID`: one stored event by its id alone, through its idempotency guard (the
//! store-wide dedupe scope, the default).

use event_store_domain::{Error, EventId};
use event_store_dynamodb::DynamoEventStore;

use crate::output::{print_events_across, print_json_lines};

/// Arguments of `esctl event`.
#[derive(clap::Args)]
pub struct Args {
    /// The event's id.
    pub event_id: String,
}

/// Prints the event, or fails naming the id when no event has it.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let event_id = EventId::new(args.event_id)?;
    let Some(event) = store.get_event_by_id(&event_id).await? else {
        return Err(Error::validation(
            "eventId",
            format!("no stored event has the id {event_id}"),
        ));
    };
    let mut events = [event];
    store.reveal_events(&mut events).await?;
    if json {
        print_json_lines(&events);
    } else {
        print_events_across(&events);
    }
    Ok(())
}
