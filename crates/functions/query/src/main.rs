//! The query function's Lambda entry point: the store and reducers once, then the handler.

use event_store_domain::ReducerRegistry;
use event_store_dynamodb::DynamoReadModels;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use query::Query;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let store = function_support::store_from_env().await?;
    let mut query = Query::new(store.clone(), ReducerRegistry::with_examples());
    // PROJECTIONS_TABLE: set by infra/ (and the local stack) where the projector runs.
    if let Some(table) = std::env::var("PROJECTIONS_TABLE")
        .ok()
        .filter(|t| !t.is_empty())
    {
        query = query.with_read_models(DynamoReadModels::new(store.client().clone(), table));
    }
    let query = &query;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(query.handle(event).await)
    }))
    .await
}
