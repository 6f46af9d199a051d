//! `esctl read STREAM`: a stream's events, one page or all of them.

use event_store_domain::{
    Direction, Error, PageRequest, RecordedEvent, StreamId, StreamRead, Version,
};
use event_store_dynamodb::DynamoEventStore;

use crate::output::print_events;

/// Arguments of `esctl read`.
#[derive(clap::Args)]
pub struct Args {
    /// The stream.
    pub stream: String,
    /// Newest first.
    #[arg(long)]
    pub backward: bool,
    /// The first version to read.
    #[arg(long)]
    pub from: Option<u64>,
    /// The last version to read.
    #[arg(long)]
    pub to: Option<u64>,
    /// At most this many events (all when absent).
    #[arg(long)]
    pub limit: Option<usize>,
}

/// Prints the events.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let mut events = read(store, &args).await?;
    store.reveal_events(&mut events).await?;
    if json {
        for event in &events {
            println!("{}", serde_json::to_string(event).unwrap_or_default());
        }
    } else {
        print_events(&events);
    }
    Ok(())
}

/// Reads the events `args` select, following page tokens.
pub async fn read(store: &DynamoEventStore, args: &Args) -> Result<Vec<RecordedEvent>, Error> {
    let stream = StreamId::new(args.stream.as_str())?;
    let mut read = StreamRead {
        from_version: args.from.map(Version::new),
        to_version: args.to.map(Version::new),
        direction: if args.backward {
            Direction::Backward
        } else {
            Direction::Forward
        },
        page: PageRequest::first(args.limit.unwrap_or(usize::MAX).min(1000)),
    };
    let mut events = Vec::new();
    loop {
        let page = store.read_stream(&stream, &read).await?;
        events.extend(page.items);
        let wanted_more = args.limit.is_none_or(|limit| events.len() < limit);
        match page.next_page_token {
            Some(token) if wanted_more => read.page.page_token = Some(token),
            _ => break,
        }
    }
    if let Some(limit) = args.limit {
        events.truncate(limit);
    }
    Ok(events)
}
