//! The query function's Lambda entry point: the store and reducers once, then the handler.

use event_store_domain::ReducerRegistry;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use query::Query;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let store = function_support::store_from_env().await?;
    let mut query = Query::new(store.clone(), ReducerRegistry::with_examples());
    if let Some(read_models) = function_support::read_models_from_env(&store) {
        query = query.with_read_models(read_models);
    }
    let query = &query;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(query.handle(event).await)
    }))
    .await
}
