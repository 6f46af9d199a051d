//! The query function's handler: one operation per invocation, answered as JSON.

use std::time::Instant;

use event_store_domain::{
    parse_time, read_model_catalog, Error, EventIndex, EventQuery, ProjectorSettings,
    ReadModelDefinition, ReducerRegistry, SettingsError, StateAt,
};
use event_store_dynamodb::{
    transaction_key, DynamoEventStore, DynamoReadModels, TRANSACTIONS_MODEL,
};
use function_support::{error_payload, validation_payload, Metrics};
use lambda_runtime::LambdaEvent;
use serde_json::{json, Value};

use crate::QueryRequest;

/// The query function: the store and the reducers by aggregate type.
pub struct Query {
    store: DynamoEventStore,
    reducers: ReducerRegistry,
    read_models: Option<DynamoReadModels>,
    /// The settings' read models, or why the settings do not load (only `listReadModels` needs
    /// them: a bad settings document never stops reads).
    declared_models: Result<Vec<ReadModelDefinition>, String>,
}

impl Query {
    /// Built once at cold start.
    pub fn new(store: DynamoEventStore, reducers: ReducerRegistry) -> Self {
        Query {
            store,
            reducers,
            read_models: None,
            declared_models: Ok(Vec::new()),
        }
    }

    /// Reads what the environment names: the store, read models in `PROJECTIONS_TABLE` and the
    /// models the projector's settings declare (`PROJECTOR_SETTINGS` or
    /// `PROJECTOR_SETTINGS_FILE`), which `listReadModels` lists. The error names the variable
    /// of the store's settings; settings that do not load are logged and make `listReadModels`
    /// a `Validation` error naming them, while every other read goes on.
    pub async fn from_env() -> Result<Self, SettingsError> {
        let store = function_support::store_from_env().await?;
        let mut query = Query::new(store.clone(), ReducerRegistry::with_examples()).with_settings(
            ProjectorSettings::from_lookup(|name| std::env::var(name).ok()),
        );
        if let Some(read_models) = function_support::read_models_from_env(&store) {
            query = query.with_read_models(read_models);
        }
        Ok(query)
    }

    /// The store this reader reads.
    pub fn store(&self) -> &DynamoEventStore {
        &self.store
    }

    /// The same function, listing the read models of `settings`; settings that did not load are
    /// logged, and `listReadModels` answers a `Validation` error naming them.
    pub fn with_settings(mut self, settings: Result<ProjectorSettings, SettingsError>) -> Self {
        match settings {
            Ok(settings) => self.with_declared_models(settings.read_models),
            Err(invalid) => {
                tracing::error!(error = %invalid, "the projector settings do not load: listReadModels will say so");
                self.declared_models = Err(invalid.to_string());
                self
            }
        }
    }

    /// The same function, listing `declared` (the projector's settings' read models) among the
    /// read models.
    pub fn with_declared_models(mut self, declared: Vec<ReadModelDefinition>) -> Self {
        self.declared_models = Ok(declared);
        self
    }

    /// The same function, also serving read models and transactions from `read_models`.
    pub fn with_read_models(mut self, read_models: DynamoReadModels) -> Self {
        self.read_models = Some(read_models);
        self
    }

    /// Handles one invocation. Every outcome is a payload: the answer, or `{"error": ...}`.
    pub async fn handle(&self, event: LambdaEvent<Value>) -> Value {
        let started = Instant::now();
        let mut metrics = Metrics::new("query");
        let answer = match QueryRequest::parse(event.payload) {
            Err(invalid) => validation_payload(invalid),
            Ok(request) => match self.answer(request).await {
                Ok(answer) => answer,
                Err(error) => {
                    tracing::warn!(error_type = error.kind(), reason = %error, "query failed");
                    metrics.count("Failures", 1);
                    error_payload(&error)
                }
            },
        };
        metrics.milliseconds("Latency", started.elapsed().as_secs_f64() * 1000.0);
        metrics.flush();
        answer
    }

    /// Answers one parsed query (the api function serves its read routes through this), its
    /// personal values opened: the plaintext, or `[erased]` for a forgotten subject.
    pub async fn answer(&self, request: QueryRequest) -> Result<Value, Error> {
        let mut answer = self.answer_as_stored(request).await?;
        self.store.reveal(&mut [&mut answer]).await?;
        Ok(answer)
    }

    /// The answer with personal values still sealed, as the store holds them.
    async fn answer_as_stored(&self, request: QueryRequest) -> Result<Value, Error> {
        let store = &self.store;
        Ok(match request {
            QueryRequest::ReadStream { stream_id, read } => {
                page_json(store.read_stream(&stream_id, &read).await?)
            }
            QueryRequest::GetEvent { stream_id, version } => {
                json!({ "event": store.get_event(&stream_id, version).await? })
            }
            QueryRequest::GetEventById { event_id } => {
                json!({ "event": store.get_event_by_id(&event_id).await? })
            }
            QueryRequest::EventsByAggregateType {
                aggregate_type,
                window,
            } => {
                let query = window.query(EventIndex::AggregateType, &aggregate_type)?;
                page_json(store.query_events(&query, &window.page).await?)
            }
            QueryRequest::EventsByType { event_type, window } => {
                let query = window.query(EventIndex::EventType, &event_type)?;
                page_json(store.query_events(&query, &window.page).await?)
            }
            QueryRequest::EventsByCorrelation {
                correlation_id,
                window,
            } => {
                let query = window.query(EventIndex::Correlation, &correlation_id)?;
                page_json(store.query_events(&query, &window.page).await?)
            }
            QueryRequest::EventsByUser { user_id, window } => {
                let query = window.query(EventIndex::User, &user_id)?;
                page_json(store.query_events(&query, &window.page).await?)
            }
            QueryRequest::ReadAll { window } => {
                let query = window.query(EventIndex::Time, EventQuery::ALL)?;
                page_json(store.query_events(&query, &window.page).await?)
            }
            QueryRequest::LoadState {
                stream_id,
                aggregate_type,
                at_version,
                at_time,
            } => {
                let at_time = at_time
                    .as_deref()
                    .map(|t| parse_time("atTime", t))
                    .transpose()?;
                let at = StateAt::from_request(at_version, at_time)?;
                let state = store
                    .load_state_at(&stream_id, &self.reducers, aggregate_type.as_deref(), at)
                    .await?;
                json!({ "state": state })
            }
            QueryRequest::GetSnapshot { stream_id } => {
                json!({ "snapshot": store.latest_snapshot(&stream_id).await? })
            }
            QueryRequest::ListSnapshots { stream_id, page } => {
                let page = store.list_snapshots(&stream_id, &page).await?;
                with_token(json!({ "snapshots": page.items }), page.next_page_token)
            }
            QueryRequest::ListReadModels => self.list_read_models().await?,
            QueryRequest::GetReadModel { model, key } => {
                let read_models = self.read_models()?;
                let live = read_models.live_name(&model).await?;
                let document = read_models.get(&live, &key).await?;
                json!({ "document": document.and_then(|d| d.document) })
            }
            QueryRequest::ListReadModel { model, page } => {
                let read_models = self.read_models()?;
                let live = read_models.live_name(&model).await?;
                let page = read_models.list(&live, &page).await?;
                let documents: Vec<Value> = page
                    .items
                    .into_iter()
                    .map(|d| json!({"key": d.key, "document": d.document}))
                    .collect();
                with_token(json!({ "documents": documents }), page.next_page_token)
            }
            QueryRequest::Transaction {
                entity,
                cycle,
                started,
            } => {
                let key = transaction_key(&entity, &parse_time("started", &started)?, &cycle);
                let read_models = self.read_models()?;
                let live = read_models.live_name(TRANSACTIONS_MODEL).await?;
                let document = read_models.get(&live, &key).await?;
                json!({ "transaction": document.and_then(|d| d.document) })
            }
            QueryRequest::TransactionsForEntity { entity, page } => {
                let prefix = format!("{entity}#");
                let found = self
                    .read_models()?
                    .list_prefixed(
                        &self.read_models()?.live_name(TRANSACTIONS_MODEL).await?,
                        Some(&prefix),
                        true,
                        &page,
                    )
                    .await?;
                let transactions: Vec<Value> =
                    found.items.into_iter().filter_map(|d| d.document).collect();
                with_token(
                    json!({ "transactions": transactions }),
                    found.next_page_token,
                )
            }
        })
    }

    /// Every read model with its live generation and the rebuild building the next, if any (one
    /// query of the generation pointers).
    async fn list_read_models(&self) -> Result<Value, Error> {
        let declared = self.declared_models.as_ref().map_err(|reason| {
            Error::validation(ProjectorSettings::PROJECTOR_SETTINGS, reason.clone())
        })?;
        let pointers = self.read_models()?.all_generations().await?;
        let models: Vec<Value> = read_model_catalog(declared)
            .into_iter()
            .map(|entry| {
                let pointer = pointers.get(&entry.name);
                let mut model = json!(entry);
                model["generation"] = json!(pointer.map_or(0, |p| p.live));
                if let Some(building) = pointer.and_then(|p| p.building.as_ref()) {
                    model["rebuilding"] = json!(building.rebuild_id);
                }
                model
            })
            .collect();
        Ok(json!({ "models": models }))
    }

    fn read_models(&self) -> Result<&DynamoReadModels, Error> {
        self.read_models.as_ref().ok_or_else(|| {
            Error::validation(
                "op",
                "this query function has no projections table (PROJECTIONS_TABLE is not set)",
            )
        })
    }
}

fn page_json(page: event_store_domain::Page<event_store_domain::RecordedEvent>) -> Value {
    with_token(json!({ "events": page.items }), page.next_page_token)
}

fn with_token(mut answer: Value, token: Option<String>) -> Value {
    if let Some(token) = token {
        answer["nextPageToken"] = json!(token);
    }
    answer
}
