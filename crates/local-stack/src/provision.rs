//! Builds the store's pipeline on the local endpoint from the files infra/ deploys from: the
//! three tables (`tables.json`), the KMS key wrapping subjects' keys, the bus, the ingest rule with its default pattern, the ingest queue
//! with its redrive to the dead-letter queue, the rule's undelivered queue and the projector's
//! failure queue (`pipeline.json`). Idempotent: what exists is kept, so a second `make dev`
//! after a crash works. Local only: a `published` queue subscribed to everything the store
//! publishes (sources `event-store.*`), to watch follow-ups, metering events and change notices.

use std::collections::HashMap;

use aws_sdk_sqs::types::QueueAttributeName;
use event_store_dynamodb::{
    create_events_table, create_keys_table, create_projections_table, ensure_personal_data_key,
};

use crate::stream_reader::table_stream_arn;
use crate::{LocalStackError, PipelineDefinition};

/// What the local subscription queue receives: everything the store itself publishes.
pub const PUBLISHED_PATTERN: &str = r#"{"source": [{"prefix": "event-store."}]}"#;

/// The clients provisioning needs, all from one SDK configuration.
pub struct Clients {
    /// DynamoDB.
    pub dynamodb: aws_sdk_dynamodb::Client,
    /// EventBridge.
    pub events: aws_sdk_eventbridge::Client,
    /// KMS (the key wrapping data subjects' keys).
    pub kms: aws_sdk_kms::Client,
    /// SQS.
    pub sqs: aws_sdk_sqs::Client,
    /// DynamoDB Streams.
    pub streams: aws_sdk_dynamodbstreams::Client,
}

/// Queue URLs and ARNs, the bus and the events table's stream, as provisioned.
#[derive(Debug, Clone)]
pub struct Provisioned {
    /// The definition it was built from.
    pub pipeline: PipelineDefinition,
    /// The events table's stream ARN.
    pub stream_arn: String,
    /// The bus ARN.
    pub bus_arn: String,
    /// Queue URL and ARN, by queue name.
    pub queues: HashMap<String, (String, String)>,
    /// The local queue subscribed to what the store publishes.
    pub published_queue: String,
}

impl Clients {
    /// Clients from the standard AWS configuration chain (`AWS_ENDPOINT_URL` for the local
    /// endpoint). Every attempt is bounded: a mapping that polls forever must never wait forever
    /// on one answer (it retries instead).
    pub async fn from_env() -> Self {
        let config = event_store_dynamodb::sdk_config()
            .await
            .into_builder()
            .timeout_config(
                aws_smithy_types::timeout::TimeoutConfig::builder()
                    .connect_timeout(std::time::Duration::from_secs(3))
                    .operation_attempt_timeout(std::time::Duration::from_secs(10))
                    .build(),
            )
            .build();
        Self {
            dynamodb: aws_sdk_dynamodb::Client::new(&config),
            events: aws_sdk_eventbridge::Client::new(&config),
            kms: aws_sdk_kms::Client::new(&config),
            sqs: aws_sdk_sqs::Client::new(&config),
            streams: aws_sdk_dynamodbstreams::Client::new(&config),
        }
    }
}

impl Provisioned {
    /// URL of the queue named `name`.
    pub fn queue_url(&self, name: &str) -> &str {
        &self.queues[name].0
    }

    /// ARN of the queue named `name`.
    pub fn queue_arn(&self, name: &str) -> &str {
        &self.queues[name].1
    }
}

/// Builds (or finds) every resource of `pipeline` on the endpoint the clients point at.
pub async fn provision(
    clients: &Clients,
    pipeline: &PipelineDefinition,
) -> Result<Provisioned, LocalStackError> {
    create_events_table(&clients.dynamodb, &pipeline.tables.events).await?;
    create_projections_table(&clients.dynamodb, &pipeline.tables.projections).await?;
    create_keys_table(&clients.dynamodb, &pipeline.tables.keys).await?;
    ensure_personal_data_key(&clients.kms, &pipeline.personal_data_key).await?;
    let stream_arn = table_stream_arn(&clients.dynamodb, &pipeline.tables.events).await?;

    let bus_arn = ensure_bus(&clients.events, &pipeline.bus).await?;

    let ingest = &pipeline.ingest;
    let mut queues = HashMap::new();
    let published_queue = format!("{}-published", pipeline.bus);
    for name in [
        &ingest.dead_letter_queue,
        &ingest.undelivered_queue,
        &pipeline.projection.failure_queue,
        &published_queue,
    ] {
        queues.insert(
            name.clone(),
            ensure_queue(&clients.sqs, name, HashMap::new()).await?,
        );
    }
    let redrive = serde_json::json!({
        "deadLetterTargetArn": queues[&ingest.dead_letter_queue].1,
        "maxReceiveCount": ingest.max_receive_count,
    });
    let ingest_attributes = HashMap::from([
        (QueueAttributeName::RedrivePolicy, redrive.to_string()),
        (
            QueueAttributeName::VisibilityTimeout,
            ingest.visibility_timeout_seconds.to_string(),
        ),
    ]);
    queues.insert(
        ingest.queue.clone(),
        ensure_queue(&clients.sqs, &ingest.queue, ingest_attributes).await?,
    );

    route(
        &clients.events,
        &pipeline.bus,
        &ingest.rule,
        &ingest.default_pattern.to_string(),
        &queues[&ingest.queue].1,
        Some(&queues[&ingest.undelivered_queue].1),
    )
    .await?;
    route(
        &clients.events,
        &pipeline.bus,
        &published_queue,
        PUBLISHED_PATTERN,
        &queues[&published_queue].1,
        None,
    )
    .await?;

    Ok(Provisioned {
        pipeline: pipeline.clone(),
        stream_arn,
        bus_arn,
        queues,
        published_queue,
    })
}

async fn ensure_bus(
    events: &aws_sdk_eventbridge::Client,
    name: &str,
) -> Result<String, LocalStackError> {
    if let Ok(found) = events.describe_event_bus().name(name).send().await {
        if let Some(arn) = found.arn() {
            return Ok(arn.to_owned());
        }
    }
    let created = events
        .create_event_bus()
        .name(name)
        .send()
        .await
        .map_err(|e| LocalStackError::aws("CreateEventBus", e))?;
    Ok(created.event_bus_arn().unwrap_or_default().to_owned())
}

/// Creates the queue (or finds it: CreateQueue with the same attributes is idempotent) and sets
/// its attributes; returns its URL and ARN.
async fn ensure_queue(
    sqs: &aws_sdk_sqs::Client,
    name: &str,
    attributes: HashMap<QueueAttributeName, String>,
) -> Result<(String, String), LocalStackError> {
    let created = sqs
        .create_queue()
        .queue_name(name)
        .send()
        .await
        .map_err(|e| LocalStackError::aws("CreateQueue", e))?;
    let url = created.queue_url().unwrap_or_default().to_owned();
    if !attributes.is_empty() {
        sqs.set_queue_attributes()
            .queue_url(&url)
            .set_attributes(Some(attributes))
            .send()
            .await
            .map_err(|e| LocalStackError::aws("SetQueueAttributes", e))?;
    }
    let found = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::QueueArn)
        .send()
        .await
        .map_err(|e| LocalStackError::aws("GetQueueAttributes", e))?;
    let arn = found
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::QueueArn))
        .cloned()
        .unwrap_or_default();
    Ok((url, arn))
}

/// A rule on `bus` sending what matches `pattern` to the queue `target_arn`.
async fn route(
    events: &aws_sdk_eventbridge::Client,
    bus: &str,
    rule: &str,
    pattern: &str,
    target_arn: &str,
    dead_letter_arn: Option<&str>,
) -> Result<(), LocalStackError> {
    events
        .put_rule()
        .name(rule)
        .event_bus_name(bus)
        .event_pattern(pattern)
        .send()
        .await
        .map_err(|e| LocalStackError::aws("PutRule", e))?;
    let target = aws_sdk_eventbridge::types::Target::builder()
        .id("queue")
        .arn(target_arn)
        .set_dead_letter_config(dead_letter_arn.map(|arn| {
            aws_sdk_eventbridge::types::DeadLetterConfig::builder()
                .arn(arn)
                .build()
        }))
        .build()
        .map_err(|e| LocalStackError::aws("PutTargets", e))?;
    events
        .put_targets()
        .rule(rule)
        .event_bus_name(bus)
        .targets(target)
        .send()
        .await
        .map_err(|e| LocalStackError::aws("PutTargets", e))?;
    Ok(())
}
