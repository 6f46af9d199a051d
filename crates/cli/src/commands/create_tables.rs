//! `esctl create-tables`: the store's tables (events and projections), from the same definitions
//! infra uses.

use event_store_domain::Error;
use event_store_dynamodb::{
    create_events_table, create_keys_table, create_projections_table, DynamoEventStore,
};

/// Arguments of `esctl create-tables`.
#[derive(clap::Args)]
pub struct Args {
    /// The projections table (read models, cycles, checkpoints).
    #[arg(
        long,
        env = "PROJECTIONS_TABLE",
        default_value = "event-store-local-projections"
    )]
    pub projections_table: String,
}

/// Creates each table that is missing.
pub async fn run(store: &DynamoEventStore, args: Args) -> Result<(), Error> {
    let verb = |created: bool| if created { "created" } else { "exists" };
    let created = create_events_table(store.client(), store.table()).await?;
    println!("events table {}: {}", store.table(), verb(created));
    let created = create_projections_table(store.client(), &args.projections_table).await?;
    println!(
        "projections table {}: {}",
        args.projections_table,
        verb(created)
    );
    if let Some(keys) = store.subject_keys() {
        let created = create_keys_table(store.client(), keys.table()).await?;
        println!("keys table {}: {}", keys.table(), verb(created));
    }
    Ok(())
}
