//! `esctl create-tables`: the store's tables, from the same definitions infra uses.

use event_store_domain::Error;
use event_store_dynamodb::{create_events_table, DynamoEventStore};

/// Creates the events table if it is missing.
pub async fn run(store: &DynamoEventStore) -> Result<(), Error> {
    let created = create_events_table(store.client(), store.table()).await?;
    let verb = if created { "created" } else { "exists" };
    println!("events table {}: {verb}", store.table());
    Ok(())
}
