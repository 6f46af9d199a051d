//! Reading items by key in `BatchGetItem`s: up to 100 keys per request, the keys DynamoDB left
//! unprocessed asked for again after the store's retry waits, and `Throttled` when some are
//! still unprocessed after the last try. Every batched read of the store (index pages, an
//! event's projection documents, subjects' keys) goes through here.

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use aws_sdk_dynamodb::Client;
use event_store_domain::{Error, FailureKind};

use crate::event_item::Item;
use crate::retry_policy;
use crate::sdk_error::{failure, from_sdk};

/// Keys one `BatchGetItem` asks for at most (DynamoDB's limit).
pub(crate) const MAX_BATCH_KEYS: usize = 100;

/// How often the unprocessed rest of a batch is asked for before the read fails.
const MAX_BATCH_TRIES: usize = 8;

/// How a batch is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Consistency {
    Strong,
    Eventual,
}

/// The items of `table` at `keys` that exist, in no particular order: one request per 100 keys,
/// plus one per retry of what DynamoDB left unprocessed.
pub(crate) async fn batch_get_items(
    client: &Client,
    table: &str,
    keys: Vec<std::collections::HashMap<String, AttributeValue>>,
    consistency: Consistency,
) -> Result<Vec<Item>, Error> {
    let mut items = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(MAX_BATCH_KEYS) {
        let mut request = KeysAndAttributes::builder()
            .set_keys(Some(chunk.to_vec()))
            .consistent_read(consistency == Consistency::Strong)
            .build()
            .map_err(|e| failure(FailureKind::InvalidRequest, "BatchGetItem", e.to_string()))?;
        let mut waits = retry_policy::waits(MAX_BATCH_TRIES);
        loop {
            let output = client
                .batch_get_item()
                .request_items(table, request)
                .send()
                .await
                .map_err(|e| from_sdk("BatchGetItem", e))?;
            items.extend(
                output
                    .responses
                    .unwrap_or_default()
                    .remove(table)
                    .unwrap_or_default(),
            );
            match output
                .unprocessed_keys
                .and_then(|mut unprocessed| unprocessed.remove(table))
            {
                Some(rest) if !rest.keys().is_empty() => match waits.next() {
                    Some(wait) => {
                        request = rest;
                        tokio::time::sleep(wait).await;
                    }
                    None => {
                        return Err(failure(
                            FailureKind::Throttled,
                            "BatchGetItem",
                            format!(
                            "{} keys of {table} still unprocessed after {MAX_BATCH_TRIES} tries",
                            rest.keys().len()
                        ),
                        ))
                    }
                },
                _ => break,
            }
        }
    }
    Ok(items)
}
