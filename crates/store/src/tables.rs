//! Creating the store's tables from `schema/tables.json`: used by the local stack and the tests
//! (in AWS, `infra/` creates them from the same file). Idempotent: an existing table is kept.

use aws_sdk_dynamodb::operation::create_table::CreateTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, StreamSpecification, StreamViewType,
    TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use event_store_domain::{Error, FailureKind};

use crate::sdk_error::{failure, from_sdk};
use crate::table_definition::{KeyAttribute, TableDefinition};
use crate::TableDefinitions;

/// Creates the events table named `events_table` if it does not exist, with its stream, indexes
/// and TTL. Returns true when it created it.
pub async fn create_events_table(client: &Client, events_table: &str) -> Result<bool, Error> {
    let definition = &TableDefinitions::shipped().events;
    let created = create_table(client, events_table, definition).await?;
    if created {
        if let Some(ttl) = &definition.ttl_attribute {
            client
                .update_time_to_live()
                .table_name(events_table)
                .time_to_live_specification(
                    TimeToLiveSpecification::builder()
                        .attribute_name(ttl)
                        .enabled(true)
                        .build()
                        .map_err(|e| {
                            failure(
                                FailureKind::InvalidRequest,
                                "UpdateTimeToLive",
                                e.to_string(),
                            )
                        })?,
                )
                .send()
                .await
                .map_err(|e| from_sdk("UpdateTimeToLive", e))?;
        }
    }
    Ok(created)
}

/// Creates the keys table named `keys_table` (data subjects' keys) if it does not exist.
/// Returns true when it created it.
pub async fn create_keys_table(client: &Client, keys_table: &str) -> Result<bool, Error> {
    create_table(client, keys_table, &TableDefinitions::shipped().keys).await
}

/// Creates the projections table named `projections_table` if it does not exist. Returns true
/// when it created it.
pub async fn create_projections_table(
    client: &Client,
    projections_table: &str,
) -> Result<bool, Error> {
    create_table(
        client,
        projections_table,
        &TableDefinitions::shipped().projections,
    )
    .await
}

async fn create_table(
    client: &Client,
    name: &str,
    definition: &TableDefinition,
) -> Result<bool, Error> {
    let build_error = |e: aws_sdk_dynamodb::error::BuildError| {
        failure(FailureKind::InvalidRequest, "CreateTable", e.to_string())
    };
    let mut attributes = vec![
        definition.partition_key.clone(),
        definition.sort_key.clone(),
    ];
    for index in &definition.indexes {
        for key in [&index.partition_key, &index.sort_key] {
            if !attributes.contains(key) {
                attributes.push(key.clone());
            }
        }
    }
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key(&definition.partition_key, KeyType::Hash).map_err(build_error)?)
        .key_schema(key(&definition.sort_key, KeyType::Range).map_err(build_error)?);
    for attribute in &attributes {
        request = request.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(&attribute.name)
                .attribute_type(ScalarAttributeType::from(attribute.kind.as_str()))
                .build()
                .map_err(build_error)?,
        );
    }
    for index in &definition.indexes {
        request = request.global_secondary_indexes(
            GlobalSecondaryIndex::builder()
                .index_name(&index.name)
                .key_schema(key(&index.partition_key, KeyType::Hash).map_err(build_error)?)
                .key_schema(key(&index.sort_key, KeyType::Range).map_err(build_error)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::from(index.projection.as_str()))
                        .build(),
                )
                .build()
                .map_err(build_error)?,
        );
    }
    if let Some(view) = &definition.stream_view {
        request = request.stream_specification(
            StreamSpecification::builder()
                .stream_enabled(true)
                .stream_view_type(StreamViewType::from(view.as_str()))
                .build()
                .map_err(build_error)?,
        );
    }
    match request.send().await {
        Ok(_) => Ok(true),
        Err(error) => match error.as_service_error() {
            Some(CreateTableError::ResourceInUseException(_)) => Ok(false),
            _ => Err(from_sdk("CreateTable", error)),
        },
    }
}

fn key(
    attribute: &KeyAttribute,
    kind: KeyType,
) -> Result<KeySchemaElement, aws_sdk_dynamodb::error::BuildError> {
    KeySchemaElement::builder()
        .attribute_name(&attribute.name)
        .key_type(kind)
        .build()
}
