//! The local stack is built from the definitions infra/ deploys from: what `esctl dev` creates on
//! the local endpoint is compared here with `tables.json` and `pipeline.json`, as infra/'s own
//! tests compare the synthesized templates with the same files. So local and cloud agree.

use aws_sdk_sqs::types::QueueAttributeName;
use event_store_dynamodb::TableDefinitions;
use event_store_local_stack::{provision, Clients, PipelineDefinition, PUBLISHED_PATTERN};
use serde_json::Value;

async fn provisioned_env() -> (Clients, PipelineDefinition) {
    event_store_tests::endpoint();
    let env = format!("agree-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let pipeline = PipelineDefinition::for_env(&env);
    let clients = Clients::from_env().await;
    provision(&clients, &pipeline).await.expect("provisioned");
    // A second run (make dev after a crash) finds everything in place.
    provision(&clients, &pipeline)
        .await
        .expect("provisioned again");
    (clients, pipeline)
}

#[tokio::test]
async fn the_local_tables_are_the_definitions_tables() {
    let (clients, pipeline) = provisioned_env().await;
    let definitions = TableDefinitions::shipped();
    for (name, definition) in [
        (&pipeline.tables.events, &definitions.events),
        (&pipeline.tables.projections, &definitions.projections),
    ] {
        let table = clients
            .dynamodb
            .describe_table()
            .table_name(name)
            .send()
            .await
            .unwrap();
        let table = table.table().unwrap();
        let keys: Vec<(String, String)> = table
            .key_schema()
            .iter()
            .map(|k| {
                (
                    k.attribute_name().to_owned(),
                    k.key_type().as_str().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            vec![
                (definition.partition_key.name.clone(), "HASH".to_owned()),
                (definition.sort_key.name.clone(), "RANGE".to_owned())
            ]
        );
        let mut indexes: Vec<(String, String, String, String)> = table
            .global_secondary_indexes()
            .iter()
            .map(|index| {
                let keys = index.key_schema();
                (
                    index.index_name().unwrap().to_owned(),
                    keys[0].attribute_name().to_owned(),
                    keys[1].attribute_name().to_owned(),
                    index
                        .projection()
                        .unwrap()
                        .projection_type()
                        .unwrap()
                        .as_str()
                        .to_owned(),
                )
            })
            .collect();
        indexes.sort();
        let mut expected: Vec<(String, String, String, String)> = definition
            .indexes
            .iter()
            .map(|i| {
                (
                    i.name.clone(),
                    i.partition_key.name.clone(),
                    i.sort_key.name.clone(),
                    i.projection.clone(),
                )
            })
            .collect();
        expected.sort();
        assert_eq!(indexes, expected, "indexes of {name}");
        let stream_view = table
            .stream_specification()
            .filter(|s| s.stream_enabled())
            .and_then(|s| s.stream_view_type())
            .map(|v| v.as_str().to_owned());
        assert_eq!(stream_view, definition.stream_view, "stream view of {name}");
    }
    let ttl = clients
        .dynamodb
        .describe_time_to_live()
        .table_name(&pipeline.tables.events)
        .send()
        .await
        .unwrap();
    assert_eq!(
        ttl.time_to_live_description()
            .and_then(|d| d.attribute_name()),
        definitions.events.ttl_attribute.as_deref()
    );
}

#[tokio::test]
async fn the_local_queues_and_rule_are_the_pipelines() {
    let (clients, pipeline) = provisioned_env().await;
    let ingest = &pipeline.ingest;
    let url = |name: &str| {
        let sqs = clients.sqs.clone();
        let name = name.to_owned();
        async move {
            sqs.get_queue_url()
                .queue_name(name)
                .send()
                .await
                .unwrap()
                .queue_url
                .unwrap()
        }
    };
    let attributes = clients
        .sqs
        .get_queue_attributes()
        .queue_url(url(&ingest.queue).await)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap();
    let attributes = attributes.attributes().unwrap();
    assert_eq!(
        attributes[&QueueAttributeName::VisibilityTimeout],
        ingest.visibility_timeout_seconds.to_string()
    );
    let redrive: Value =
        serde_json::from_str(&attributes[&QueueAttributeName::RedrivePolicy]).unwrap();
    assert_eq!(
        redrive["maxReceiveCount"].to_string(),
        ingest.max_receive_count.to_string()
    );
    assert!(redrive["deadLetterTargetArn"]
        .as_str()
        .unwrap()
        .ends_with(&format!(":{}", ingest.dead_letter_queue)));
    for queue in [
        &ingest.undelivered_queue,
        &pipeline.projection.failure_queue,
    ] {
        url(queue).await;
    }

    let rule = clients
        .events
        .describe_rule()
        .name(&ingest.rule)
        .event_bus_name(&pipeline.bus)
        .send()
        .await
        .unwrap();
    let pattern: Value = serde_json::from_str(rule.event_pattern().unwrap()).unwrap();
    assert_eq!(pattern, ingest.default_pattern);
    let targets = clients
        .events
        .list_targets_by_rule()
        .rule(&ingest.rule)
        .event_bus_name(&pipeline.bus)
        .send()
        .await
        .unwrap();
    let target = &targets.targets()[0];
    assert!(
        target.arn().ends_with(&format!(":{}", ingest.queue)),
        "{target:?}"
    );
    assert!(target
        .dead_letter_config()
        .and_then(|d| d.arn())
        .unwrap()
        .ends_with(&format!(":{}", ingest.undelivered_queue)));

    let published = clients
        .events
        .describe_rule()
        .name(format!("{}-published", pipeline.bus))
        .event_bus_name(&pipeline.bus)
        .send()
        .await
        .unwrap();
    let pattern: Value = serde_json::from_str(published.event_pattern().unwrap()).unwrap();
    assert_eq!(
        pattern,
        serde_json::from_str::<Value>(PUBLISHED_PATTERN).unwrap()
    );
}
