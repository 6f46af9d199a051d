//! The query function's Lambda entry point: the store and reducers once, then the handler.

use event_store_domain::ReducerRegistry;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use query::Query;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let query = Query::new(
        function_support::store_from_env().await?,
        ReducerRegistry::with_examples(),
    );
    let query = &query;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(query.handle(event).await)
    }))
    .await
}
