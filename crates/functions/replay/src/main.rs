//! The replay function's Lambda entry point: store, checkpoints and bus once, then the handler.

use std::time::Duration;

use event_store_domain::ProjectorSettings;
use event_store_dynamodb::{EventBridgePublisher, FunctionInvoker};
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use replay::Replayer;
use serde_json::Value;

/// The bus replays publish to (infra/lib/function-environment.ts sets it).
const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// Hours a generation a rebuild replaced is kept before the sweep deletes it
/// (infra/lib/function-environment.ts sets it).
const REBUILD_GRACE_HOURS: &str = "REBUILD_GRACE_HOURS";

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
    let publisher = EventBridgePublisher::from_env(bus.clone()).await;
    let settings = ProjectorSettings::from_lookup(|name| std::env::var(name).ok())?;
    let grace_hours = function_support::whole_number_from_env(
        REBUILD_GRACE_HOURS,
        replay::DEFAULT_GRACE_HOURS as u64,
        "hours",
    )?;
    let grace = i64::try_from(grace_hours)
        .ok()
        .and_then(chrono::Duration::try_hours)
        .ok_or_else(|| format!("setting {REBUILD_GRACE_HOURS} is {grace_hours} hours, too long"))?;
    let mut replayer = Replayer::new(store, read_models, publisher, bus)
        .with_settings(&settings)
        .with_grace(grace);
    // Lambda names the function it runs; a replay asked to run until done invokes it again.
    if let Ok(itself) = std::env::var("AWS_LAMBDA_FUNCTION_NAME") {
        replayer = replayer
            .continuing_through(FunctionInvoker::from_env(itself, Duration::from_secs(10)).await);
    }
    let replayer = &replayer;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(replayer.handle(event).await)
    }))
    .await
}
