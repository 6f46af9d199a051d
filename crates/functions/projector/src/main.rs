//! The projector's Lambda entry point: settings and clients once, then the handler per batch.

use aws_lambda_events::event::dynamodb::Event;
use event_store_domain::{ProjectorSettings, ReducerRegistry};
use event_store_dynamodb::EventBridgePublisher;
use lambda_runtime::{run, service_fn, Error, LambdaEvent};
use projector::Projector;

/// The bus follow-ups and change notices are published to.
const EVENT_BUS_NAME: &str = "EVENT_BUS_NAME";

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
    let mut projector = Projector::new(
        events,
        read_models,
        settings,
        ReducerRegistry::with_examples(),
    );
    match bus {
        Some(bus) => {
            let config = event_store_dynamodb::sdk_config().await;
            let client = aws_sdk_eventbridge::Client::new(&config);
            projector = projector.with_publisher(EventBridgePublisher::new(client, bus));
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
    run(service_fn(move |event: LambdaEvent<Event>| async move {
        Ok::<_, Error>(projector.handle(event.payload).await)
    }))
    .await
}
