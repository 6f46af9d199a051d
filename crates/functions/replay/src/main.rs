//! The replay function's Lambda entry point: store, checkpoints and bus once, then the handler.

use event_store_domain::ProjectorSettings;
use event_store_dynamodb::EventBridgePublisher;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use replay::Replayer;
use serde_json::Value;

/// The bus replays publish to (infra/lib/function-environment.ts sets it).
const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let store = function_support::store_from_env().await?;
    let read_models = function_support::read_models_from_env(&store).ok_or_else(|| {
        format!(
            "setting {} is required: replays checkpoint in the projections table",
            function_support::PROJECTIONS_TABLE
        )
    })?;
    let bus = std::env::var(EVENT_BUS_NAME)
        .ok()
        .filter(|b| !b.is_empty())
        .ok_or_else(|| {
            format!("setting {EVENT_BUS_NAME} is required: the bus replays publish to")
        })?;
    let config = event_store_dynamodb::sdk_config().await;
    let publisher =
        EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(&config), bus.clone());
    let settings = ProjectorSettings::from_lookup(|name| std::env::var(name).ok())?;
    let replayer = &Replayer::new(store, read_models, publisher, bus).with_settings(&settings);
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(replayer.handle(event).await)
    }))
    .await
}
