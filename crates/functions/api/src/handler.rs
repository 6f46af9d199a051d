//! The api's handler: finds the route, turns the request into the operation the store's
//! functions already take (an append command, a query `{"op"}`, a replay request), runs it and
//! answers with the status its outcome calls for.

use std::time::Instant;

use event_store_domain::{to_append_command, AppendCommand, Error, ValidationError};
use event_store_dynamodb::{DynamoEventStore, FunctionInvoker, InvokeOutcome};
use function_support::{error_payload, validation_payload, Metrics};
use query::{Query, QueryRequest};
use serde_json::{json, Map, Value};

use crate::api_request::{ApiRequest, ApiResponse};
use crate::http_status::{error_status, RETRY_AFTER_SECONDS};
use crate::idempotency_key::IdempotencyKey;
use crate::openapi::openapi_document;
use crate::path_match::{find, Matched};
use crate::routes::{In, Operation, RouteSpec};

/// The api function's dependencies, built once per cold start.
pub struct Api {
    store: DynamoEventStore,
    query: Query,
    replay: Option<FunctionInvoker>,
}

/// The indexes `GET /events` queries, by parameter, and the query operation of each.
const INDEXES: [(&str, &str); 4] = [
    ("aggregateType", "eventsByAggregateType"),
    ("eventType", "eventsByType"),
    ("correlationId", "eventsByCorrelation"),
    ("userId", "eventsByUser"),
];

impl Api {
    /// An api over `store`, reading through `query` (with its read models), starting replays
    /// through the replay function `replay` (`None`: the replay routes answer that none is set).
    pub fn new(store: DynamoEventStore, query: Query, replay: Option<FunctionInvoker>) -> Self {
        Api {
            store,
            query,
            replay,
        }
    }

    /// Answers one request.
    pub async fn respond(&self, request: ApiRequest) -> ApiResponse {
        let started = Instant::now();
        let mut metrics = Metrics::new("api");
        let response = match find(&request.method, &request.path) {
            Matched::NoRoute => not_found(format!(
                "no route {} {}: GET /openapi.json lists them",
                request.method, request.path
            )),
            Matched::WrongMethod(methods) => ApiResponse::json(
                405,
                json!({"error": {"type": "MethodNotAllowed", "message": format!("{} takes {}", request.path, methods.join(", ")), "retryable": false}}),
            )
            .with_header("allow", methods.join(", ")),
            Matched::Route(spec, captures) => {
                let response = self.run(spec, &captures, &request).await;
                if response.status >= 500 {
                    metrics.count("Failures", 1);
                }
                response
            }
        };
        metrics.milliseconds("Latency", started.elapsed().as_secs_f64() * 1000.0);
        metrics.flush();
        response
    }

    async fn run(
        &self,
        spec: &RouteSpec,
        captures: &[(&'static str, String)],
        request: &ApiRequest,
    ) -> ApiResponse {
        let captured = |name: &str| {
            captures
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.clone())
                .unwrap_or_default()
        };
        let key = match request
            .idempotency_key
            .as_deref()
            .map(IdempotencyKey::parse)
        {
            None => None,
            Some(Ok(key)) => Some(key),
            Some(Err(invalid)) => return answer(validation_payload(invalid), 200),
        };
        match spec.operation {
            Operation::OpenApi => ApiResponse::json(200, openapi_document()),
            Operation::AppendEvents => match body_of(request) {
                Ok(body) => self.append(body, key.as_ref()).await,
                Err(invalid) => answer(validation_payload(invalid), 200),
            },
            Operation::StartReplay => match body_of(request) {
                Ok(body) => self.start_replay(body, key.as_ref()).await,
                Err(invalid) => answer(validation_payload(invalid), 200),
            },
            Operation::ReplayProgress => self.replay_progress(&captured("replayId")).await,
            Operation::ResumeReplay => self.resume_replay(&captured("replayId")).await,
            Operation::ForgetSubject => match forget_route_taken(request) {
                // The IAM caller when API Gateway authorized one, else who the request names.
                Ok(()) => {
                    let by = request.caller.as_deref().or(request.param("by"));
                    self.forget(&captured("subjectId"), by).await
                }
                Err(refused) => refused,
            },
            Operation::FindEvents => match find_events(request) {
                Ok(op) => self.query(op, None).await,
                Err(invalid) => answer(validation_payload(invalid), 200),
            },
            operation => {
                let (op, found) = match operation {
                    Operation::ReadStream => ("readStream", None),
                    Operation::StreamState => ("loadState", None),
                    Operation::ListSnapshots => ("listSnapshots", None),
                    Operation::EventById => ("getEventById", Some("event")),
                    Operation::ListReadModels => ("listReadModels", None),
                    Operation::ListReadModel => ("listReadModel", None),
                    Operation::ReadModelDocument => ("getReadModel", Some("document")),
                    _ => ("transactionsForEntity", None),
                };
                let mut fields = match query_fields(spec, request) {
                    Ok(fields) => fields,
                    Err(invalid) => return answer(validation_payload(invalid), 200),
                };
                fields.insert("op".into(), json!(op));
                // The path parameters are named as the query function's fields.
                for (name, value) in captures {
                    fields.insert((*name).into(), json!(value));
                }
                self.query(Value::Object(fields), found).await
            }
        }
    }

    /// Appends the body's events: 201 with the versions, 200 when they were already stored.
    /// With an idempotency key, events without an `eventId` get the ids it derives, so the
    /// request sent again is answered as the duplicate it is.
    async fn append(&self, body: Value, key: Option<&IdempotencyKey>) -> ApiResponse {
        let mut command = to_append_command(&body).unwrap_or(body);
        if let Some(key) = key {
            key.name_events(&mut command);
        }
        let request = match AppendCommand::from_json(command) {
            Ok(request) => request,
            Err(invalid) => return answer(validation_payload(invalid), 200),
        };
        match self.store.append(&request).await {
            Ok(outcome) if outcome.duplicate => ApiResponse::json(200, json!(outcome)),
            Ok(outcome) => ApiResponse::json(201, json!(outcome)),
            Err(error) => failure(&error),
        }
    }

    /// Runs query `op` (a query function payload); with `found`, an answer whose `found` field
    /// is null is a 404.
    async fn query(&self, op: Value, found: Option<&str>) -> ApiResponse {
        let request = match QueryRequest::parse(op) {
            Ok(request) => request,
            Err(invalid) => return answer(validation_payload(invalid), 200),
        };
        match self.query.answer(request).await {
            Ok(result) => match found {
                Some(field) if result[field].is_null() => {
                    not_found(format!("there is no such {field}"))
                }
                _ => ApiResponse::json(200, result),
            },
            Err(error) => failure(&error),
        }
    }

    /// Starts a replay that runs until done: the replay function checkpoints it at once
    /// (`maxEvents: 0`) and answers its id, then carries it on invocation after invocation.
    /// The id is chosen here (derived from the idempotency key when there is one), so an
    /// invocation whose answer is lost still names its replay, and the same key sent again
    /// finds it rather than starting a second one.
    async fn start_replay(&self, mut body: Value, key: Option<&IdempotencyKey>) -> ApiResponse {
        let Some(replay) = &self.replay else {
            return no_replay_function();
        };
        let Some(fields) = body.as_object_mut() else {
            return answer(
                validation_payload(ValidationError::new("body", "must be a JSON object")),
                200,
            );
        };
        match fields.get("op").and_then(Value::as_str) {
            Some("republish" | "rebuild") => {}
            _ => {
                return answer(
                    validation_payload(ValidationError::new(
                        "op",
                        "must be republish or rebuild (GET /replays/{replayId} follows one)",
                    )),
                    200,
                )
            }
        }
        if fields.contains_key("replayId") {
            return answer(
                validation_payload(ValidationError::new(
                    "replayId",
                    "a replay started here runs until done by itself: GET /replays/{replayId} follows it",
                )),
                200,
            );
        }
        let dry_run = fields.get("dryRun").and_then(Value::as_bool) == Some(true);
        let replay_id = key.map_or_else(|| uuid::Uuid::new_v4().to_string(), |k| k.replay_id());
        if !dry_run {
            fields.insert("maxEvents".into(), json!(0));
            fields.insert("untilDone".into(), json!(true));
            fields.insert("newReplayId".into(), json!(replay_id));
        }
        match replay.invoke(&body).await {
            InvokeOutcome::Failed(reason) if dry_run => unavailable("Invoke", &reason),
            InvokeOutcome::Failed(reason) => {
                // The replay may have begun: the answer names it, so the caller can follow it
                // (or send the same Idempotency-Key again) rather than start another.
                let mut response = unavailable("Invoke", &reason);
                response.body["error"]["replayId"] = json!(replay_id);
                response.body["error"]["progress"] = json!(format!("/replays/{replay_id}"));
                response
            }
            InvokeOutcome::Answered(answered) if answered.get("error").is_some() => {
                answer(answered, 200)
            }
            InvokeOutcome::Answered(answered) if dry_run => ApiResponse::json(200, answered),
            InvokeOutcome::Answered(mut answered) => {
                let id = answered["replayId"].as_str().unwrap_or_default().to_owned();
                answered["progress"] = json!(format!("/replays/{id}"));
                // 200 for a start sent again (its replay runs since the first), 202 for a new one.
                let status = if answered["alreadyStarted"] == true {
                    200
                } else {
                    202
                };
                ApiResponse::json(status, answered)
                    .with_header("location", format!("/replays/{id}"))
            }
        }
    }

    /// Carries on replay `replay_id` from its checkpoint when it is still in progress (its
    /// chain stopped: not queued, or too many failures in a row). A resume beside a running
    /// chain costs nothing lost: the link that checkpoints second stops.
    async fn forget(&self, subject: &str, by: Option<&str>) -> ApiResponse {
        match self.store.forget(subject, by).await {
            Ok(forgotten) => ApiResponse::json(
                200,
                json!({
                    "subjectId": forgotten.subject_id,
                    "keysForgotten": forgotten.keys_forgotten,
                    "recorded": forgotten.recorded,
                }),
            ),
            Err(error) => answer(error_payload(&error), 200),
        }
    }

    async fn resume_replay(&self, replay_id: &str) -> ApiResponse {
        let progress = self.replay_progress(replay_id).await;
        if progress.status != 200 {
            return progress;
        }
        let op = match progress.body["kind"].as_str() {
            Some("rebuild") => "rebuild",
            _ => "republish",
        };
        if !matches!(
            progress.body["status"].as_str(),
            Some("inProgress" | "switching")
        ) {
            return progress;
        }
        let Some(replay) = &self.replay else {
            return no_replay_function();
        };
        let link = json!({"op": op, "replayId": replay_id, "untilDone": true, "maxEvents": 0});
        match replay.invoke(&link).await {
            InvokeOutcome::Failed(reason) => unavailable("Invoke", &reason),
            InvokeOutcome::Answered(answered) if answered.get("error").is_some() => {
                answer(answered, 200)
            }
            InvokeOutcome::Answered(mut answered) => {
                answered["progress"] = json!(format!("/replays/{replay_id}"));
                ApiResponse::json(202, answered)
                    .with_header("location", format!("/replays/{replay_id}"))
            }
        }
    }

    /// A replay's progress, from the replay function; an unknown id is a 404.
    async fn replay_progress(&self, replay_id: &str) -> ApiResponse {
        let Some(replay) = &self.replay else {
            return no_replay_function();
        };
        match replay
            .invoke(&json!({"op": "progress", "replayId": replay_id}))
            .await
        {
            InvokeOutcome::Failed(reason) => unavailable("Invoke", &reason),
            InvokeOutcome::Answered(answered)
                if answered["error"]["field"] == "replayId"
                    && answered["error"]["type"] == "Validation" =>
            {
                not_found(format!("there is no replay {replay_id}"))
            }
            InvokeOutcome::Answered(answered) => answer(answered, 200),
        }
    }
}

/// The body as JSON; an empty or unreadable one is named.
/// On AWS a forget is taken only through its own resource, which API Gateway authorizes by IAM
/// whatever the rest of the API takes: one that reached the function another way (the proxy
/// resource, which an API key opens) is refused.
fn forget_route_taken(request: &ApiRequest) -> Result<(), ApiResponse> {
    match request.resource.as_deref() {
        None | Some(FORGET_RESOURCE) => Ok(()),
        Some(other) => Err(answer(
            json!({"error": {
                "type": "Forbidden",
                "message": format!("a forget is taken only through {FORGET_RESOURCE}, authorized by IAM; this request came through {other}"),
                "retryable": false,
            }}),
            200,
        )),
    }
}

/// The forget route's API Gateway resource (infra/lib/forget-subjects-route.ts declares it).
const FORGET_RESOURCE: &str = "/subjects/{subjectId}/forget";

fn body_of(request: &ApiRequest) -> Result<Value, ValidationError> {
    if request.body.is_empty() {
        return Err(ValidationError::new("body", "is required: a JSON object"));
    }
    serde_json::from_slice(&request.body)
        .map_err(|e| ValidationError::new("body", format!("is not JSON: {e}")))
}

/// The route's query parameters as query-function fields, numbers as numbers; a parameter the
/// route does not take is named.
fn query_fields(
    spec: &RouteSpec,
    request: &ApiRequest,
) -> Result<Map<String, Value>, ValidationError> {
    let mut fields = Map::new();
    for (name, value) in &request.query {
        let Some(param) = spec
            .params
            .iter()
            .find(|p| p.location == In::Query && p.name == name)
        else {
            let known: Vec<&str> = spec
                .params
                .iter()
                .filter(|p| p.location == In::Query)
                .map(|p| p.name)
                .collect();
            return Err(ValidationError::new(
                name.clone(),
                if known.is_empty() {
                    format!("is not a parameter of {} {}", spec.method, spec.path)
                } else {
                    format!(
                        "is not a parameter of {} {}: it takes {}",
                        spec.method,
                        spec.path,
                        known.join(", ")
                    )
                },
            ));
        };
        let value = if param.kind == "integer" {
            json!(value
                .parse::<u64>()
                .map_err(|_| ValidationError::new(name.clone(), "must be a whole number"))?)
        } else {
            json!(value)
        };
        fields.insert(name.clone(), value);
    }
    Ok(fields)
}

/// `GET /events`: the one index named, or every event by time when none is.
fn find_events(request: &ApiRequest) -> Result<Value, ValidationError> {
    let spec = crate::routes::ROUTES
        .iter()
        .find(|spec| spec.operation == Operation::FindEvents)
        .expect("the route table has GET /events");
    let mut fields = query_fields(spec, request)?;
    let named: Vec<(&str, &str)> = INDEXES
        .into_iter()
        .filter(|(param, _)| fields.contains_key(*param))
        .collect();
    let op = match named.as_slice() {
        [] => "readAll",
        [(_, op)] => op,
        _ => {
            return Err(ValidationError::new(
                named[1].0,
                format!(
                    "give one index at a time: {}",
                    named
                        .iter()
                        .map(|(p, _)| *p)
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ))
        }
    };
    fields.insert("op".into(), json!(op));
    Ok(Value::Object(fields))
}

/// `payload` with the status its error type calls for, or `ok` when it is not an error.
fn answer(payload: Value, ok: u16) -> ApiResponse {
    match error_status(&payload) {
        Some(503) => ApiResponse::json(503, payload)
            .with_header("retry-after", RETRY_AFTER_SECONDS.to_string()),
        Some(status) => ApiResponse::json(status, payload),
        None => ApiResponse::json(ok, payload),
    }
}

fn failure(error: &Error) -> ApiResponse {
    tracing::warn!(error_type = error.kind(), reason = %error, "request failed");
    answer(error_payload(error), 200)
}

pub(crate) fn not_found(message: String) -> ApiResponse {
    ApiResponse::json(
        404,
        json!({"error": {"type": "NotFound", "message": message, "retryable": false}}),
    )
}

fn unavailable(operation: &str, reason: &str) -> ApiResponse {
    tracing::warn!(operation, reason, "the replay function did not answer");
    answer(
        json!({"error": {"type": "Unavailable", "message": "the replay function did not answer: try again", "retryable": true, "operation": operation}}),
        200,
    )
}

/// A deployment without a replay function (a replica region's, or REPLAY_FUNCTION_NAME unset):
/// `501`, which no client retries.
fn no_replay_function() -> ApiResponse {
    ApiResponse::json(
        501,
        json!({"error": {"type": "NotImplemented", "message": "this api has no replay function (a replica region's, or REPLAY_FUNCTION_NAME is not set): start replays in the write region", "retryable": false}}),
    )
}
