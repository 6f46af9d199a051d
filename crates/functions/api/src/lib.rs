//! The api function: the store's REST interface. API Gateway (or `api-local` under `make dev`)
//! hands it a method, a path, query parameters and a body; it answers JSON with the status that
//! fits. Appends, reads and read models are served in process by the same code as the persister
//! and query functions; replays are started and followed through the replay function. The
//! routes are one table (`routes`), which the router matches and the OpenAPI document is made
//! from, so the two never differ.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod api_request;
mod cold_start;
pub mod console_assets;
mod handler;
mod http_status;
mod idempotency_key;
pub mod local_server;
mod openapi;
mod path_match;
mod routes;
mod serving;

pub use api_request::{ApiRequest, ApiResponse};
pub use cold_start::build_from_env;
pub use handler::Api;
pub use http_status::status_of;
pub use idempotency_key::{IdempotencyKey, HEADER as IDEMPOTENCY_KEY_HEADER};
pub use openapi::openapi_document;
pub use routes::{Operation, RouteSpec, ROUTES};
pub use serving::is_console_request;
