//! The query function's Lambda entry point: the reader the environment configures, once, then
//! the handler.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use query::Query;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let query = &Query::from_env().await?;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(query.handle(event).await)
    }))
    .await
}
