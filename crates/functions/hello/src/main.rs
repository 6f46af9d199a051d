//! A hello-world Lambda function: no settings, no clients, the event back as the answer. It is
//! never deployed; `make init-duration` times it beside the real functions, with the same
//! release profile, as the floor their init is compared with.

use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
