//! The projector's Lambda entry point: settings and clients once, then the handler per batch.

use event_store_domain::{ProjectorSettings, ReducerRegistry};
use event_store_dynamodb::EventBridgePublisher;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use projector::Projector;
use serde_json::Value;

/// The bus follow-ups and change notices are published to.
const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";
/// Stop projecting this long before the invocation's deadline, to checkpoint and answer in time.
const DEADLINE_MARGIN: std::time::Duration = std::time::Duration::from_secs(5);
/// Events one invocation applies at most, gap fills included (`DEFAULT_EVENT_BUDGET` unset).
const PROJECTOR_EVENT_BUDGET: &str = "PROJECTOR_EVENT_BUDGET";

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let settings = ProjectorSettings::from_lookup(|name| std::env::var(name).ok())?;
    let events = function_support::store_from_env().await?;
    let read_models = function_support::read_models_from_env(&events).ok_or_else(|| {
        format!(
            "setting {} is required: the name of the projections table",
            function_support::PROJECTIONS_TABLE
        )
    })?;
    let publishes = !settings.follow_ups.is_empty() || settings.change_notices.is_some();
    let bus = std::env::var(EVENT_BUS_NAME).ok().filter(|b| !b.is_empty());
    let budget = function_support::whole_number_from_env(
        PROJECTOR_EVENT_BUDGET,
        projector::DEFAULT_EVENT_BUDGET as u64,
        "events",
    )?;
    let mut projector = Projector::new(
        events,
        read_models,
        settings,
        ReducerRegistry::with_examples(),
    )
    .with_event_budget(usize::try_from(budget).unwrap_or(usize::MAX));
    match bus {
        Some(bus) => {
            projector = projector.with_publisher(EventBridgePublisher::from_env(bus).await)
        }
        None if publishes => {
            return Err(format!(
                "setting {EVENT_BUS_NAME} is required: follow-ups or change notices are configured"
            )
            .into())
        }
        None => {}
    }
    let projector = &projector;
    run(service_fn(move |event: LambdaEvent<Value>| async move {
        let stop = function_support::stop_before_deadline(&event.context, DEADLINE_MARGIN);
        projector
            .handle_input(event.payload, stop)
            .await
            .map_err(Error::from)
    }))
    .await
}
