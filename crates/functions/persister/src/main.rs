//! The persister's Lambda entry point: settings and clients once, then the handler per event.

use event_store_domain::BusMapping;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use persister::Persister;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let mapping = BusMapping::from_lookup(|name| std::env::var(name).ok())?;
    let persister = Persister::new(function_support::store_from_env().await?, mapping);
    let persister = &persister;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        persister.handle(event).await.map_err(Error::from)
    }))
    .await
}
