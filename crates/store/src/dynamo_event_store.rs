//! The DynamoDB event store: its configuration and the stream-head read the other operations
//! share. Appends, reads, index queries and snapshots live in their own modules.

use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use event_store_domain::{
    AggregateCategories, AggregateType, EnabledIndexes, Error, EventCatalog, RecordedEvent,
    ReducerRegistry, Settings, StreamId, Version,
};

use crate::event_item::Item;
use crate::{attributes, event_item};

/// The event store over one DynamoDB events table.
#[derive(Debug, Clone)]
pub struct DynamoEventStore {
    pub(crate) client: Client,
    pub(crate) settings: Settings,
    categories: AggregateCategories,
    indexes: EnabledIndexes,
    catalog: EventCatalog,
    pub(crate) subject_keys: Option<crate::SubjectKeys>,
}

impl DynamoEventStore {
    /// A store over `settings.events_table`, using `client` (built once, at cold start). Stream
    /// categories stand for the aggregates shipped with the store (seed 004's `Account`) unless
    /// `AGGREGATE_TYPE_FROM_CATEGORY` is off; [`DynamoEventStore::with_registry`] names others.
    pub fn new(client: Client, settings: &Settings) -> Self {
        DynamoEventStore {
            client,
            settings: settings.clone(),
            categories: AggregateCategories::off(),
            indexes: settings
                .indexes
                .unwrap_or_else(|| crate::TableDefinitions::shipped().events.default_indexes()),
            catalog: EventCatalog::empty(),
            subject_keys: None,
        }
        .with_registry(&ReducerRegistry::with_examples())
    }

    /// The same store, with stream categories standing for `registry`'s aggregates (when the
    /// setting is on): what the aggregate-type index and state loads use for events that name
    /// no aggregate type.
    pub fn with_registry(mut self, registry: &ReducerRegistry) -> Self {
        self.categories = if self.settings.aggregate_type_from_category {
            registry.categories()
        } else {
            AggregateCategories::off()
        };
        self
    }

    /// The same store, checking appends against `catalog`'s schemas and bringing every event it
    /// reads to its type's newest shape by `catalog`'s upcasts.
    pub fn with_catalog(mut self, catalog: EventCatalog) -> Self {
        self.catalog = catalog;
        self
    }

    /// The event types' schemas and upcasts.
    pub fn catalog(&self) -> &EventCatalog {
        &self.catalog
    }

    /// `event` (as stored, e.g. from a DynamoDB stream record) in its type's newest shape.
    pub fn upcast(&self, event: RecordedEvent) -> RecordedEvent {
        self.catalog.upcasters().apply(event)
    }

    /// The event stored in `item`, as readers get it: upcast.
    pub(crate) fn event_from_item(&self, item: Item) -> Result<RecordedEvent, Error> {
        event_item::from_item(item).map(|event| self.upcast(event))
    }

    /// What stream categories stand for.
    pub fn categories(&self) -> &AggregateCategories {
        &self.categories
    }

    /// The aggregate type `stream`'s category stands for, if any.
    pub(crate) fn category_type(&self, stream: &StreamId) -> Option<&AggregateType> {
        self.categories.resolve(stream)
    }

    /// The events table's name.
    pub fn table(&self) -> &str {
        &self.settings.events_table
    }

    /// The DynamoDB client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The secondary indexes this store writes and queries: its `INDEXES`, else
    /// `schema/tables.json`'s `defaultIndexes`.
    pub fn indexes(&self) -> EnabledIndexes {
        self.indexes
    }

    /// The settings the store was built with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A strongly consistent query of `stream`'s partition, with `#s = :s` bound for the key
    /// condition; the caller narrows it.
    pub(crate) fn partition_query(&self, stream: &StreamId) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(self.table())
            .expression_attribute_names("#s", attributes::STREAM_ID)
            .expression_attribute_values(":s", AttributeValue::S(stream.to_string()))
            .consistent_read(true)
    }

    /// The stream's current version (0 when it has no events): one strongly consistent
    /// `GetItem` of its head, which keeps the version even when every event has expired.
    pub async fn head(&self, stream: &StreamId) -> Result<Version, Error> {
        Ok(self
            .read_head(stream)
            .await?
            .map_or(Version::NONE, |head| head.version))
    }
}
