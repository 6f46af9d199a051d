//! Opening the store's connection before the first request needs it: one eventually consistent
//! `GetItem` of a key no event has (version 0 of a stream no writer can name), so the TCP
//! connection, the TLS handshake and the credential lookup happen during a function's init and
//! the first invocation finds a pooled connection (README: Cold starts). It is one attempt, bounded
//! by [`WARM_UP_LIMIT`]: an endpoint that never answers costs init that long, not Lambda's 10 s
//! init limit.

use std::time::Duration;

use aws_sdk_dynamodb::config::{retry::RetryConfig, timeout::TimeoutConfig};
use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::Error;

use crate::sdk_error::from_sdk;
use crate::{attributes, DynamoEventStore};

/// The longest the warm-up waits for its answer; it is not retried.
pub const WARM_UP_LIMIT: Duration = Duration::from_secs(2);

/// The stream id of the key read: `$` starts no stream id a writer may use.
const WARM_UP_STREAM: &str = "$connection-warm-up";

impl DynamoEventStore {
    /// Opens (and pools) a connection to the events table's endpoint: one `GetItem` that finds
    /// nothing, 0.5 RRU, one attempt of at most [`WARM_UP_LIMIT`]. An error says the table
    /// could not be reached with these credentials in that time; the caller decides whether that
    /// stops it.
    pub async fn open_connection(&self) -> Result<(), Error> {
        self.client
            .get_item()
            .table_name(self.table())
            .key(
                attributes::STREAM_ID,
                AttributeValue::S(WARM_UP_STREAM.into()),
            )
            .key(attributes::VERSION, AttributeValue::N("0".into()))
            .projection_expression("#s")
            .expression_attribute_names("#s", attributes::STREAM_ID)
            .customize()
            .config_override(
                aws_sdk_dynamodb::config::Builder::default()
                    .retry_config(RetryConfig::disabled())
                    .timeout_config(
                        TimeoutConfig::builder()
                            .operation_timeout(WARM_UP_LIMIT)
                            .build(),
                    ),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| from_sdk("GetItem", e))
    }
}
