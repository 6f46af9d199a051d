//! The api's routes, as one table: each a method, a path template, the operation it runs, its
//! parameters and the statuses it answers. The router matches requests against it and the
//! OpenAPI document is made from it.

/// What a route does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// Append events (an append command, or seed 003's or seed 004's single event).
    AppendEvents,
    /// A page of a stream.
    ReadStream,
    /// A stream's state, folded by its reducer.
    StreamState,
    /// A page of a stream's snapshots, newest first.
    ListSnapshots,
    /// One event by its id.
    EventById,
    /// Events by aggregate type, event type, correlation id or user (or all, by time).
    FindEvents,
    /// Every read model, with its live generation.
    ListReadModels,
    /// A page of a read model's documents.
    ListReadModel,
    /// One read-model document.
    ReadModelDocument,
    /// An entity's transactions (seed 000's cycles), newest first.
    Transactions,
    /// Start a replay (republish or rebuild) that runs until done.
    StartReplay,
    /// A replay's progress.
    ReplayProgress,
    /// Carry on a replay whose chain stopped (it stays in progress until resumed).
    ResumeReplay,
    /// Forget a data subject: their personal values read as `[erased]` from then on.
    ForgetSubject,
    /// This API's OpenAPI document.
    OpenApi,
}

/// Where a parameter is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum In {
    /// A `{name}` segment of the path.
    Path,
    /// A query parameter.
    Query,
    /// A request header.
    Header,
}

/// One parameter of a route.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name, as in the path template or the query string.
    pub name: &'static str,
    /// Path or query.
    pub location: In,
    /// `string` or `integer`.
    pub kind: &'static str,
    /// What it means.
    pub description: &'static str,
}

/// One route.
#[derive(Debug, Clone, Copy)]
pub struct RouteSpec {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path, `{name}` for a path parameter.
    pub path: &'static str,
    /// What it runs.
    pub operation: Operation,
    /// The OpenAPI operation id.
    pub operation_id: &'static str,
    /// One line on what it does.
    pub summary: &'static str,
    /// Its parameters.
    pub params: &'static [Param],
    /// The schema of its JSON body (a name under `components/schemas`), if it takes one.
    pub body: Option<&'static str>,
    /// The statuses it answers with, and what each means.
    pub statuses: &'static [(u16, &'static str)],
    /// Seed 003's name for the same route (kept so its commands work as written): not in the
    /// OpenAPI document's paths twice, but named in its description.
    pub alias_of: Option<&'static str>,
}

const fn path(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: In::Path,
        kind: "string",
        description,
    }
}

const fn query(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: In::Query,
        kind: "string",
        description,
    }
}

const fn number(name: &'static str, description: &'static str) -> Param {
    Param {
        name,
        location: In::Query,
        kind: "integer",
        description,
    }
}

/// The header that makes a request safe to send again: see `idempotency_key.rs`.
const IDEMPOTENCY_KEY: Param = Param {
    name: "Idempotency-Key",
    location: In::Header,
    kind: "string",
    description: "sent again with the same key, the request does what it did once: events without an eventId get ids derived from it, a replay the id derived from it (1 to 255 visible ASCII characters)",
};

const LIMIT: Param = number("limit", "at most this many items (100 when absent)");
const PAGE_TOKEN: Param = query("pageToken", "the nextPageToken of the previous page");
const DIRECTION: Param = query(
    "direction",
    "forward (oldest first, the default) or backward",
);
const FROM: Param = query("from", "the earliest event time (RFC 3339)");
const TO: Param = query("to", "the latest event time (RFC 3339)");

const READ_ERRORS: &[(u16, &str)] = &[
    (200, "found"),
    (400, "Validation: a parameter is wrong (the field is named)"),
    (503, "Unavailable: try again after Retry-After seconds"),
];

const APPEND_STATUSES: &[(u16, &str)] = &[
    (201, "stored: the versions, in request order"),
    (200, "already stored (a retry): the versions it has"),
    (400, "Validation: the body is wrong (the field is named)"),
    (403, "NotWriteRegion: appends go to the write region only"),
    (
        409,
        "Conflict: the stream is not at the expected version (expected, actual)",
    ),
    (
        413,
        "TooLarge: an event exceeds the item limit (bytes, limit)",
    ),
    (
        422,
        "IdReused: the event id is stored with other content or elsewhere (storedIn)",
    ),
    (503, "Unavailable: try again after Retry-After seconds"),
];

const FOUND_OR_NOT: &[(u16, &str)] = &[
    (200, "found"),
    (400, "Validation: a parameter is wrong (the field is named)"),
    (404, "NotFound: there is none"),
    (503, "Unavailable: try again after Retry-After seconds"),
];

const REPLAY_STATUSES: &[(u16, &str)] = &[
    (202, "started: the replay id, and where to follow it"),
    (200, "a dry run: what it would cover; or a start sent again with its Idempotency-Key (alreadyStarted)"),
    (400, "Validation: the body is wrong (the field is named)"),
    (501, "NotImplemented: this deployment has no replay function (a replica region)"),
    (503, "Unavailable: try again after Retry-After seconds; the error names the replayId, which may have begun"),
];

const APPEND: RouteSpec = RouteSpec {
    method: "POST",
    path: "/events",
    operation: Operation::AppendEvents,
    operation_id: "appendEvents",
    summary: "Append events: {streamId, expectedVersion?, events: [...]}, or seed 003's {streamId, type, data}",
    params: &[IDEMPOTENCY_KEY],
    body: Some("AppendCommand"),
    statuses: APPEND_STATUSES,
    alias_of: None,
};

const LIST_READ_MODEL: RouteSpec = RouteSpec {
    method: "GET",
    path: "/read-models/{model}",
    operation: Operation::ListReadModel,
    operation_id: "listReadModel",
    summary: "A page of a read model's documents, by key",
    params: &[
        path("model", "the read model (testItems, $streams, ...)"),
        LIMIT,
        PAGE_TOKEN,
    ],
    body: None,
    statuses: READ_ERRORS,
    alias_of: None,
};

const START_REPLAY: RouteSpec = RouteSpec {
    method: "POST",
    path: "/replays",
    operation: Operation::StartReplay,
    operation_id: "startReplay",
    summary:
        "Start a replay that runs until done: {op: republish, filter?} or {op: rebuild, models?}",
    params: &[IDEMPOTENCY_KEY],
    body: Some("ReplayRequest"),
    statuses: REPLAY_STATUSES,
    alias_of: None,
};

/// Every route, in the order the OpenAPI document lists them.
pub const ROUTES: &[RouteSpec] = &[
    APPEND,
    RouteSpec {
        method: "GET",
        path: "/streams/{streamId}",
        operation: Operation::ReadStream,
        operation_id: "readStream",
        summary: "A page of a stream's events",
        params: &[
            path("streamId", "the stream"),
            number("fromVersion", "the lowest version (1 when absent)"),
            number("toVersion", "the highest version (the stream's end when absent)"),
            DIRECTION,
            LIMIT,
            PAGE_TOKEN,
        ],
        body: None,
        statuses: READ_ERRORS,
        alias_of: None,
    },
    RouteSpec {
        method: "GET",
        path: "/streams/{streamId}/state",
        operation: Operation::StreamState,
        operation_id: "streamState",
        summary: "A stream's state: its newest snapshot and the events after it, folded",
        params: &[
            path("streamId", "the stream"),
            query("aggregateType", "whose reducer folds it (the stream's own by default)"),
            number("atVersion", "the state after this version (the latest when absent)"),
            query(
                "atTime",
                "the state as the store held it at this RFC 3339 time (by recorded time); not with atVersion",
            ),
        ],
        body: None,
        statuses: READ_ERRORS,
        alias_of: None,
    },
    RouteSpec {
        method: "GET",
        path: "/streams/{streamId}/snapshots",
        operation: Operation::ListSnapshots,
        operation_id: "listSnapshots",
        summary: "A page of a stream's snapshots, newest first (a page reads the events between them too, at most 4 MB, so it may come back short with a token)",
        params: &[path("streamId", "the stream"), LIMIT, PAGE_TOKEN],
        body: None,
        statuses: READ_ERRORS,
        alias_of: None,
    },
    RouteSpec {
        method: "GET",
        path: "/events/{eventId}",
        operation: Operation::EventById,
        operation_id: "eventById",
        summary: "One event by its id",
        params: &[path("eventId", "the event's id")],
        body: None,
        statuses: FOUND_OR_NOT,
        alias_of: None,
    },
    RouteSpec {
        method: "GET",
        path: "/events",
        operation: Operation::FindEvents,
        operation_id: "findEvents",
        summary: "Events by one index (aggregateType, eventType, correlationId or userId), or every event by time",
        params: &[
            query("aggregateType", "events of this aggregate type"),
            query("eventType", "events of this type"),
            query("correlationId", "events with this correlation id"),
            query("userId", "events caused by this user"),
            FROM,
            TO,
            DIRECTION,
            LIMIT,
            PAGE_TOKEN,
        ],
        body: None,
        statuses: READ_ERRORS,
        alias_of: None,
    },
    RouteSpec {
        method: "GET",
        path: "/read-models",
        operation: Operation::ListReadModels,
        operation_id: "listReadModels",
        summary: "Every read model: those the projector's settings declare, those kept in code, the store's own; each with its live generation and a rebuild under way",
        params: &[],
        body: None,
        statuses: READ_ERRORS,
        alias_of: None,
    },
    LIST_READ_MODEL,
    RouteSpec {
        method: "GET",
        path: "/read-models/{model}/{key}",
        operation: Operation::ReadModelDocument,
        operation_id: "readModelDocument",
        summary: "One read-model document",
        params: &[path("model", "the read model"), path("key", "the document's key")],
        body: None,
        statuses: FOUND_OR_NOT,
        alias_of: None,
    },
    RouteSpec {
        method: "GET",
        path: "/transactions/{entity}",
        operation: Operation::Transactions,
        operation_id: "transactions",
        summary: "An entity's transactions (cycle instances), newest first",
        params: &[path("entity", "the stream or correlation id"), LIMIT, PAGE_TOKEN],
        body: None,
        statuses: READ_ERRORS,
        alias_of: None,
    },
    START_REPLAY,
    RouteSpec {
        method: "GET",
        path: "/replays/{replayId}",
        operation: Operation::ReplayProgress,
        operation_id: "replayProgress",
        summary: "How far a replay has got",
        params: &[path("replayId", "the replay")],
        body: None,
        statuses: FOUND_OR_NOT,
        alias_of: None,
    },
    RouteSpec {
        method: "POST",
        path: "/subjects/{subjectId}/forget",
        operation: Operation::ForgetSubject,
        operation_id: "forgetSubject",
        summary: "Erase a data subject's personal data by deleting their keys (crypto-shredding): every value sealed under them reads as [erased] on every path from then on; recorded as a SubjectForgotten event in stream erasure-{subjectId}. On AWS this route needs IAM authorization of its own",
        params: &[
            path("subjectId", "the data subject, as the event types file names it"),
            query("by", "who asks, recorded as the forget's metadata.userId (on AWS the IAM caller's ARN is recorded instead)"),
        ],
        body: None,
        statuses: &[
            (200, "forgotten: how many keys were deleted now (0 for a subject already forgotten) and where the forget is recorded"),
            (400, "Validation: the subject id, or a store without personal data keys"),
            (503, "Unavailable: try again after Retry-After seconds"),
        ],
        alias_of: None,
    },
    RouteSpec {
        method: "POST",
        path: "/replays/{replayId}/resume",
        operation: Operation::ResumeReplay,
        operation_id: "resumeReplay",
        summary: "Carry on a replay in progress whose chain stopped (continued: false, or failures in a row): it goes on from its checkpoint",
        params: &[path("replayId", "the replay")],
        body: None,
        statuses: &[
            (202, "resumed: it runs until done again"),
            (200, "nothing to resume: the replay is complete or abandoned (its progress)"),
            (404, "NotFound: there is no such replay"),
            (503, "Unavailable: try again after Retry-After seconds"),
        ],
        alias_of: None,
    },
    RouteSpec {
        method: "GET",
        path: "/openapi.json",
        operation: Operation::OpenApi,
        operation_id: "openApi",
        summary: "This document",
        params: &[],
        body: None,
        statuses: &[(200, "the OpenAPI 3 document")],
        alias_of: None,
    },
    // Seed 003's three endpoints, as its users call them.
    RouteSpec {
        path: "/addEvent",
        alias_of: Some("/events"),
        ..APPEND
    },
    RouteSpec {
        path: "/listTestItems",
        params: &[LIMIT, PAGE_TOKEN],
        alias_of: Some("/read-models/testItems"),
        ..LIST_READ_MODEL
    },
    RouteSpec {
        path: "/replay",
        alias_of: Some("/replays"),
        ..START_REPLAY
    },
];
