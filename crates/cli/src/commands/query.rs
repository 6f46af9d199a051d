//! `esctl query`: events across streams by aggregate type, event type, correlation id or user
//! id, in a time range, through the store's sharded indexes.

use event_store_domain::{
    parse_time, Direction, Error, EventIndex, EventQuery, PageRequest, RecordedEvent, TimeRange,
};
use event_store_dynamodb::DynamoEventStore;

use crate::output::{print_events_across, print_json_lines};

/// Arguments of `esctl query`: exactly one of the four keys (the group names only them, so the
/// range, direction and limit combine with any).
#[derive(clap::Args)]
#[command(group(
    clap::ArgGroup::new("key")
        .required(true)
        .multiple(false)
        .args(["aggregate_type", "event_type", "correlation_id", "user_id"])
))]
pub struct Args {
    /// Events of this aggregate type.
    #[arg(long)]
    pub aggregate_type: Option<String>,
    /// Events of this type.
    #[arg(long)]
    pub event_type: Option<String>,
    /// Events with this correlation id.
    #[arg(long)]
    pub correlation_id: Option<String>,
    /// Events of this user.
    #[arg(long)]
    pub user_id: Option<String>,
    /// From this event time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this event time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// Newest first.
    #[arg(long)]
    pub backward: bool,
    /// At most this many events.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

/// Prints the events found.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let mut events = query(store, &args).await?;
    store.reveal_events(&mut events).await?;
    if json {
        print_json_lines(&events);
    } else {
        print_events_across(&events);
    }
    Ok(())
}

/// The events `args` select, following page tokens up to the limit.
pub async fn query(store: &DynamoEventStore, args: &Args) -> Result<Vec<RecordedEvent>, Error> {
    let (index, key) = match (
        &args.aggregate_type,
        &args.event_type,
        &args.correlation_id,
        &args.user_id,
    ) {
        (Some(key), ..) => (EventIndex::AggregateType, key),
        (_, Some(key), ..) => (EventIndex::EventType, key),
        (_, _, Some(key), _) => (EventIndex::Correlation, key),
        (.., Some(key)) => (EventIndex::User, key),
        _ => {
            return Err(Error::validation(
                "query",
                "give one of --aggregate-type, --event-type, --correlation-id, --user-id",
            ))
        }
    };
    let range = TimeRange {
        from: args
            .from
            .as_deref()
            .map(|t| parse_time("from", t))
            .transpose()?,
        to: args
            .to
            .as_deref()
            .map(|t| parse_time("to", t))
            .transpose()?,
    };
    let direction = if args.backward {
        Direction::Backward
    } else {
        Direction::Forward
    };
    let query = EventQuery::new(index, key.as_str(), range, direction)?;
    if args.limit == 0 {
        return Err(Error::validation("limit", "is 0, it must be 1 or more"));
    }
    let mut page = PageRequest::first(args.limit.min(event_store_dynamodb::MAX_INDEX_PAGE_SIZE));
    let mut events = Vec::new();
    loop {
        let found = store.query_events(&query, &page).await?;
        events.extend(found.items);
        match found.next_page_token {
            Some(token) if events.len() < args.limit => page.page_token = Some(token),
            _ => break,
        }
    }
    events.truncate(args.limit);
    Ok(events)
}
