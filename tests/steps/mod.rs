//! The world the feature steps share, and the steps, one module per feature file.

mod appending;
mod event_types;
mod exactly_once;
mod invoking;
mod personal_data;
mod pipeline;
mod projecting;
mod reading;
mod replaying;

use event_store_domain::{
    AppendOutcome, AppendRequest, Error, ExpectedVersion, NewEvent, RecordedEvent, State, StreamId,
};
use event_store_tests::invoke::FreshIds;
use event_store_tests::{event, fresh_stream, local_store, LocalStore};
use serde_json::{json, Value};

/// What a scenario has done so far.
#[derive(Debug, cucumber::World)]
#[world(init = Self::new)]
pub struct StoreWorld {
    local: LocalStore,
    stream: StreamId,
    appended: Option<Result<AppendOutcome, Error>>,
    rejection: Option<String>,
    pages: Vec<Vec<u64>>,
    found: Vec<RecordedEvent>,
    state: Option<State>,
    lambda: Option<aws_sdk_lambda::Client>,
    ids: FreshIds,
    answer: Value,
    read_models: Option<event_store_dynamodb::DynamoReadModels>,
    subscription: Option<event_store_tests::bus::Subscription>,
    /// What the subscription's queue delivered, as last received.
    arrived: Vec<Value>,
    /// Replaces `{run}` in the end-to-end scenarios' ids, fresh per scenario.
    run: String,
}

impl StoreWorld {
    async fn new() -> Self {
        StoreWorld {
            local: local_store().await,
            stream: fresh_stream("feature"),
            appended: None,
            rejection: None,
            pages: Vec::new(),
            found: Vec::new(),
            state: None,
            lambda: None,
            ids: FreshIds::new(),
            answer: Value::Null,
            read_models: None,
            subscription: None,
            arrived: Vec::new(),
            run: uuid::Uuid::new_v4().simple().to_string()[..10].to_owned(),
        }
    }

    /// `text` with every `{run}` replaced by this scenario's own suffix.
    fn fresh(&self, text: &str) -> String {
        text.replace("{run}", &self.run)
    }

    /// The Lambda client, on first use (only the scenarios that invoke functions need it).
    async fn lambda(&mut self) -> aws_sdk_lambda::Client {
        if self.lambda.is_none() {
            self.lambda = Some(event_store_tests::invoke::functions().await);
        }
        self.lambda.clone().expect("set above")
    }

    async fn append(&mut self, expected: ExpectedVersion, events: Vec<NewEvent>) {
        let request =
            AppendRequest::new(self.stream.clone(), expected, events).expect("valid append");
        self.local.meter.reset();
        self.appended = Some(self.local.store.append(&request).await);
    }

    async fn fill(&mut self, count: u64) {
        let events = (1..=count)
            .map(|n| event("Counted", json!({"n": n})))
            .collect();
        self.append(ExpectedVersion::NoStream, events).await;
        self.appended.take().expect("appended").expect("filled");
    }

    async fn stream_events(&self) -> Vec<RecordedEvent> {
        self.local.all_events(&self.stream).await
    }
}
