//! `esctl tail [STREAM]`: events as they arrive, from one stream (polling it after its last
//! version) or from the whole store (reading the events table's DynamoDB stream), until Ctrl-C or
//! `--count` events.

use std::time::Duration;

use event_store_domain::{
    Direction, Error, FailureKind, PageRequest, StreamId, StreamRead, Version,
};
use event_store_dynamodb::stream_record::event_of_record;
use event_store_dynamodb::DynamoEventStore;
use event_store_local_stack::{dynamodb_event, Clients, LocalStackError, StreamFollower};

use crate::output::EventPrinter;

/// Arguments of `esctl tail`.
#[derive(clap::Args)]
pub struct Args {
    /// Follow this stream only (the whole store when absent).
    pub stream: Option<String>,
    /// Print what is already stored too, not only what arrives from now on.
    #[arg(long)]
    pub from_start: bool,
    /// Stop after this many events.
    #[arg(long)]
    pub count: Option<usize>,
    /// How often to look for new events, in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub interval_ms: u64,
}

/// Follows and prints.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let mut printer = EventPrinter::new(json);
    let limit = args.count.unwrap_or(usize::MAX);
    let interval = Duration::from_millis(args.interval_ms.max(50));
    let follow = async {
        match &args.stream {
            Some(stream) => {
                follow_stream(
                    store,
                    &StreamId::new(stream.as_str())?,
                    &args,
                    &mut printer,
                    limit,
                    interval,
                )
                .await
            }
            None => follow_store(store, &args, &mut printer, limit, interval).await,
        }
    };
    tokio::select! {
        result = follow => result,
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}

async fn follow_stream(
    store: &DynamoEventStore,
    stream: &StreamId,
    args: &Args,
    printer: &mut EventPrinter,
    limit: usize,
    interval: Duration,
) -> Result<(), Error> {
    let mut next = if args.from_start {
        1
    } else {
        let head = StreamRead {
            from_version: None,
            to_version: None,
            direction: Direction::Backward,
            page: PageRequest::first(1),
        };
        store
            .read_stream(stream, &head)
            .await?
            .items
            .first()
            .map_or(1, |e| e.version.get() + 1)
    };
    while printer.printed() < limit {
        let read = StreamRead {
            from_version: Some(Version::new(next)),
            to_version: None,
            direction: Direction::Forward,
            page: PageRequest::first(100),
        };
        let mut page = store.read_stream(stream, &read).await?;
        store.reveal_events(&mut page.items).await?;
        for event in page.items.iter().take(limit - printer.printed()) {
            printer.print(event);
            next = event.version.get() + 1;
        }
        if page.next_page_token.is_none() {
            tokio::time::sleep(interval).await;
        }
    }
    Ok(())
}

async fn follow_store(
    store: &DynamoEventStore,
    args: &Args,
    printer: &mut EventPrinter,
    limit: usize,
    interval: Duration,
) -> Result<(), Error> {
    let clients = Clients::from_env().await;
    let mut follower = StreamFollower::of_table(&clients, store.table())
        .await
        .map_err(unavailable)?;
    if !args.from_start {
        // Skip what is stored already: read every shard to its end without printing.
        follower.read_to_end().await.map_err(unavailable)?;
    }
    while printer.printed() < limit {
        let records = follower.next_records(100).await.map_err(unavailable)?;
        if records.is_empty() {
            tokio::time::sleep(interval).await;
        }
        for record in &dynamodb_event(&records).records {
            if let Some(event) = event_of_record(record)? {
                if printer.printed() < limit {
                    let mut event = [store.upcast(event)];
                    store.reveal_events(&mut event).await?;
                    printer.print(&event[0]);
                }
            }
        }
    }
    Ok(())
}

fn unavailable(error: LocalStackError) -> Error {
    crate::failure::failed(FailureKind::Connection, "DynamoDB Streams", error)
}
