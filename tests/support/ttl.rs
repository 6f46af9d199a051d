//! What DynamoDB's TTL does, done by hand: moto never expires items, so tests that depend on
//! expiry remove exactly the items whose TTL attribute (`expiresAt`, epoch seconds) is before a
//! given instant, as DynamoDB's background deletion eventually would, through the real API.

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use event_store_dynamodb::attributes;

/// Deletes every item of `table` whose `expiresAt` is before `now` (epoch seconds); returns how
/// many it deleted. Items without the attribute never expire, as with DynamoDB.
pub async fn expire_items(client: &Client, table: &str, now: i64) -> usize {
    let mut deleted = 0;
    let mut start = None;
    loop {
        let page = client
            .scan()
            .table_name(table)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan for expired items");
        for item in page.items() {
            let expired = item
                .get(attributes::EXPIRES_AT)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<i64>().ok())
                .is_some_and(|at| at < now);
            if expired {
                let key = [attributes::STREAM_ID, attributes::VERSION]
                    .iter()
                    .map(|name| (name.to_string(), item[*name].clone()))
                    .collect::<std::collections::HashMap<String, AttributeValue>>();
                client
                    .delete_item()
                    .table_name(table)
                    .set_key(Some(key))
                    .send()
                    .await
                    .expect("delete an expired item");
                deleted += 1;
            }
        }
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return deleted;
        }
    }
}
