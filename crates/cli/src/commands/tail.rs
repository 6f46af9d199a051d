//! `esctl tail [STREAM]`: events as they arrive, from one stream (polling it after its last
//! version) or from the whole store (reading the events table's DynamoDB stream), until Ctrl-C or
//! `--count` events.

use std::collections::HashMap;
use std::time::Duration;

use event_store_domain::{
    Direction, Error, FailureKind, PageRequest, StreamId, StreamRead, Version,
};
use event_store_dynamodb::sdk_error::from_sdk;
use event_store_dynamodb::{event_item, DynamoEventStore, ItemKind};
use event_store_local_stack::{shard_iterator, stream_shards, table_stream_arn, LocalStackError};

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
        let page = store.read_stream(stream, &read).await?;
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
    let config = event_store_dynamodb::sdk_config().await;
    let streams = aws_sdk_dynamodbstreams::Client::new(&config);
    let arn = table_stream_arn(store.client(), store.table())
        .await
        .map_err(unavailable)?;
    let mut positions: HashMap<String, String> = HashMap::new();
    if !args.from_start {
        // Skip what is stored already: read every shard to its end without printing.
        while read_pass(&streams, &arn, &mut positions, |_| Ok(())).await? > 0 {}
    }
    while printer.printed() < limit {
        let read = read_pass(&streams, &arn, &mut positions, |record| {
            let Some(change) = record.dynamodb() else {
                return Ok(());
            };
            let image: serde_dynamo::Item = change.new_image().cloned().unwrap_or_default().into();
            let image: HashMap<String, aws_sdk_dynamodb::types::AttributeValue> = image.into();
            if !image.is_empty()
                && ItemKind::of(&image) == ItemKind::Event
                && printer.printed() < limit
            {
                printer.print(&event_item::from_item(image)?);
            }
            Ok(())
        })
        .await?;
        if read == 0 {
            tokio::time::sleep(interval).await;
        }
    }
    Ok(())
}

/// Reads one page of every shard after its position, hands each record to `each`, and moves the
/// positions on; returns how many records it read.
async fn read_pass(
    streams: &aws_sdk_dynamodbstreams::Client,
    arn: &str,
    positions: &mut HashMap<String, String>,
    mut each: impl FnMut(&aws_sdk_dynamodbstreams::types::Record) -> Result<(), Error>,
) -> Result<usize, Error> {
    let mut read = 0;
    for shard in stream_shards(streams, arn).await.map_err(unavailable)? {
        let after = positions.get(&shard).cloned();
        let Some(iterator) = shard_iterator(streams, arn, &shard, after.as_deref())
            .await
            .map_err(unavailable)?
        else {
            continue;
        };
        let output = streams
            .get_records()
            .shard_iterator(iterator)
            .limit(100)
            .send()
            .await
            .map_err(|e| from_sdk("GetRecords", e))?;
        for record in output.records() {
            read += 1;
            if let Some(sequence) = record.dynamodb().and_then(|c| c.sequence_number()) {
                positions.insert(shard.clone(), sequence.to_owned());
            }
            each(record)?;
        }
    }
    Ok(read)
}

fn unavailable(error: LocalStackError) -> Error {
    crate::failure::failed(FailureKind::Connection, "DynamoDB Streams", error)
}
