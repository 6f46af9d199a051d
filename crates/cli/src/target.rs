//! Which store a command talks to: the table name, and the AWS configuration from the standard
//! chain (`AWS_PROFILE`, `AWS_REGION`, `AWS_ENDPOINT_URL` for the local stack).

use event_store_domain::Settings;
use event_store_dynamodb::{store_from_settings, DynamoEventStore};

/// The store's location, from flags or the same variables the functions read.
#[derive(clap::Args)]
pub struct Target {
    /// The events table.
    #[arg(long, env = Settings::EVENTS_TABLE, default_value = "event-store-local-events", global = true)]
    events_table: String,
}

impl Target {
    /// The store, with a client built from the standard AWS configuration chain.
    pub async fn store(&self) -> DynamoEventStore {
        let settings = Settings::from_lookup(|name| match name {
            Settings::EVENTS_TABLE => Some(self.events_table.clone()),
            other => std::env::var(other).ok(),
        })
        .unwrap_or_else(|error| {
            eprintln!("esctl: {error}");
            std::process::exit(2)
        });
        store_from_settings(&settings)
            .await
            .unwrap_or_else(|error| {
                eprintln!("esctl: {error}");
                std::process::exit(2)
            })
    }
}
