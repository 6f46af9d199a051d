//! Publishing to an EventBridge bus: what the projector emits (follow-ups, metering events,
//! change notices) and replays re-publish. Each entry is fitted to EventBridge's limit first (a
//! claim check for one that would not fit), then entries go in PutEvents requests of at most 10
//! entries and 256 KB; entries EventBridge refuses for a passing reason are sent again (with
//! backoff), and if they still fail the whole call fails, so the caller's record is retried:
//! nothing is dropped silently.

use aws_sdk_eventbridge::types::{PutEventsRequestEntry, PutEventsResultEntry};
use event_store_domain::{chunk_by_size, Error, Publication};

use crate::retry_policy;
use crate::sdk_error::{failure, from_sdk, kind_of_code};

/// How often entries EventBridge refused for a passing reason are sent before the call fails.
const MAX_TRIES: usize = 4;

/// Publishes to one bus.
#[derive(Debug, Clone)]
pub struct EventBridgePublisher {
    client: aws_sdk_eventbridge::Client,
    bus: String,
}

impl EventBridgePublisher {
    /// A publisher to `bus` (a name or an ARN) with a client from the standard AWS
    /// configuration chain, built once at cold start.
    pub async fn from_env(bus: impl Into<String>) -> Self {
        let config = crate::sdk_config().await;
        EventBridgePublisher::new(aws_sdk_eventbridge::Client::new(&config), bus)
    }

    /// A publisher to `bus` (a name or an ARN).
    pub fn new(client: aws_sdk_eventbridge::Client, bus: impl Into<String>) -> Self {
        EventBridgePublisher {
            client,
            bus: bus.into(),
        }
    }

    /// Publishes every entry, in order within each request, each fitted to EventBridge's entry
    /// limit first (a claim check for a copy of a stored event that would not fit; `TooLarge`,
    /// before anything is sent, for anything else); fails if any entry is still refused after
    /// the retries (those that went through are not sent twice by this call).
    pub async fn publish(&self, publications: &[Publication]) -> Result<(), Error> {
        let publications: Vec<Publication> = publications
            .iter()
            .cloned()
            .map(Publication::fitted)
            .collect::<Result<_, _>>()?;
        let details: Vec<String> = publications.iter().map(|p| p.detail.to_string()).collect();
        let sizes: Vec<usize> = publications.iter().map(Publication::size).collect();
        for chunk in chunk_by_size(&sizes) {
            let entries: Vec<PutEventsRequestEntry> = chunk
                .clone()
                .map(|i| {
                    let publication = &publications[i];
                    PutEventsRequestEntry::builder()
                        .event_bus_name(&self.bus)
                        .source(&publication.source)
                        .detail_type(&publication.detail_type)
                        .detail(&details[i])
                        .set_resources(Some(publication.resources.clone()))
                        .build()
                })
                .collect();
            self.send_with_retries(entries).await?;
        }
        Ok(())
    }

    async fn send_with_retries(
        &self,
        mut pending: Vec<PutEventsRequestEntry>,
    ) -> Result<(), Error> {
        let mut waits = retry_policy::waits(MAX_TRIES);
        loop {
            let output = self
                .client
                .put_events()
                .set_entries(Some(pending.clone()))
                .send()
                .await
                .map_err(|e| from_sdk("PutEvents", e))?;
            if output.failed_entry_count() == 0 {
                return Ok(());
            }
            let refused = refused_entries(pending, output.entries());
            let codes: Vec<&str> = refused.iter().map(|(_, code)| code.as_str()).collect();
            // An entry refused for what it is (too large, malformed) is refused again: only
            // passing causes (throttling, an internal failure, no answer) are worth a retry.
            let kinds: Vec<_> = codes.iter().map(|code| refusal_kind(code)).collect();
            let lasting = kinds.iter().copied().find(|kind| !kind.is_transient());
            let wait = match lasting {
                Some(_) => None,
                None => waits.next(),
            };
            let Some(wait) = wait else {
                return Err(failure(
                    lasting.unwrap_or(kinds[0]),
                    "PutEvents",
                    format!("{} entries refused: {}", refused.len(), codes.join(", ")),
                ));
            };
            pending = refused.into_iter().map(|(entry, _)| entry).collect();
            tokio::time::sleep(wait).await;
        }
    }
}

/// What a PutEvents entry's error code means: an entry left without an answer counts as an
/// internal failure.
fn refusal_kind(code: &str) -> event_store_domain::FailureKind {
    match code {
        "Unknown" | "InternalFailure" | "InternalException" => {
            event_store_domain::FailureKind::ServerError
        }
        "MalformedDetail" | "InvalidArgument" | "ValidationException" => {
            event_store_domain::FailureKind::InvalidRequest
        }
        other => kind_of_code(Some(other), 400),
    }
}

/// The entries EventBridge refused, with their error codes: those whose result has an error code
/// or no event id (results come back in request order; a missing result counts as refused).
fn refused_entries(
    pending: Vec<PutEventsRequestEntry>,
    results: &[PutEventsResultEntry],
) -> Vec<(PutEventsRequestEntry, String)> {
    pending
        .into_iter()
        .zip(results.iter().map(Some).chain(std::iter::repeat(None)))
        .filter_map(|(entry, result)| {
            let code = result.and_then(|r| r.error_code()).map(str::to_owned);
            match (result.and_then(|r| r.event_id()), code) {
                (Some(_), None) => None,
                (_, code) => Some((entry, code.unwrap_or_else(|| "Unknown".into()))),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(detail: &str) -> PutEventsRequestEntry {
        PutEventsRequestEntry::builder().detail(detail).build()
    }

    #[test]
    fn only_refused_or_unanswered_entries_are_sent_again() {
        let accepted = PutEventsResultEntry::builder().event_id("e-1").build();
        let throttled = PutEventsResultEntry::builder()
            .error_code("ThrottlingException")
            .build();
        let refused = refused_entries(
            vec![entry("a"), entry("b"), entry("c")],
            &[accepted, throttled],
        );
        let details: Vec<(&str, &str)> = refused
            .iter()
            .map(|(e, code)| (e.detail().unwrap(), code.as_str()))
            .collect();
        assert_eq!(details, [("b", "ThrottlingException"), ("c", "Unknown")]);
    }
}
