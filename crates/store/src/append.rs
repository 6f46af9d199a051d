//! Appends with optimistic concurrency by conditional writes.
//!
//! - Expected version known (`NoStream` or `Exact(e)`): **one request, no read**. Each event is a
//!   `Put` at `e + i` conditioned on `attribute_not_exists(version)`; when `e ≥ 1` a
//!   `ConditionCheck` that version `e` exists rides in the same transaction, so a writer can
//!   never leave a gap by expecting a version the stream has not reached. A single event at
//!   `NoStream` is a plain conditional `PutItem`.
//! - Expected version unknown (`Any`, `StreamExists`): one consistent read of the head, then one
//!   transaction that also writes an idempotency guard per event id; a lost race re-reads the
//!   head and tries again.
//! - `ReturnValuesOnConditionCheckFailure = ALL_OLD` tells a retry (same event ids already where
//!   they were going: success, nothing written) from a conflict, without a second read.

use std::time::Duration;

use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, ConditionCheck, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem,
};
use chrono::Utc;
use event_store_domain::{
    AppendOutcome, AppendRequest, Error, EventId, RecordedEvent, StreamId, Version,
};

use crate::event_item::{self, Item};
use crate::item_size::{item_size, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES};
use crate::sdk_error::{from_sdk, unavailable};
use crate::{attributes, guard_item, DynamoEventStore};

/// DynamoDB's limit of actions in one `TransactWriteItems`.
pub const MAX_TRANSACTION_ACTIONS: usize = 100;
/// How often an append without an expected version re-reads the head after losing a race.
const MAX_RACE_ATTEMPTS: u32 = 64;
/// How often a transaction cancelled by a transient cause (a concurrent transaction on the same
/// item, throttling) is sent again before the append reports `Unavailable`.
const MAX_TRANSIENT_ATTEMPTS: u32 = 5;

/// An append's items, built once: the versions are set when they are written.
struct Prepared {
    items: Vec<(EventId, Item)>,
    expires_at: Option<i64>,
}

/// What one write attempt found.
enum Written {
    /// Stored now, or found already stored (a retry).
    Stored(AppendOutcome),
    /// Another writer holds one of the versions, or the expected version does not exist.
    Conflict,
}

/// How a batch is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// At a version the caller named: check that version exists (when ≥ 1).
    Expected,
    /// At a head just read: write an idempotency guard per event.
    Guarded,
}

impl DynamoEventStore {
    /// Appends `request`'s events atomically; see the module documentation for the requests each
    /// kind of append makes.
    ///
    /// Returns the versions given (or, for a retry, the versions the events already have). A
    /// stale expected version is [`Error::Conflict`] with the stream's actual version; an event
    /// over 400 KB is [`Error::TooLarge`] and nothing is sent.
    pub async fn append(&self, request: &AppendRequest) -> Result<AppendOutcome, Error> {
        let prepared = self.prepare(request)?;
        match request.expected().known_version() {
            Some(base) => match self
                .write_batch(request, &prepared, base, Mode::Expected)
                .await?
            {
                Written::Stored(outcome) => Ok(outcome),
                Written::Conflict => Err(self.conflict(request).await),
            },
            None => self.append_at_head(request, &prepared).await,
        }
    }

    async fn append_at_head(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
    ) -> Result<AppendOutcome, Error> {
        for attempt in 0..MAX_RACE_ATTEMPTS {
            let head = self.head(request.stream_id()).await?;
            if !request.expected().is_satisfied_by(head) {
                return Err(conflict_error(request, head));
            }
            match self
                .write_batch(request, prepared, head, Mode::Guarded)
                .await?
            {
                Written::Stored(outcome) => return Ok(outcome),
                Written::Conflict => backoff(attempt).await,
            }
        }
        Err(self.conflict(request).await)
    }

    /// Builds each event's item once, at the largest version number it could get (the size
    /// depends on it by a few bytes), and rejects one over DynamoDB's item limit before any
    /// request. Writing sets the real version.
    fn prepare(&self, request: &AppendRequest) -> Result<Prepared, Error> {
        let recorded_at = Utc::now();
        let expires_at = self.settings.expiry_for(&recorded_at);
        let mut items = Vec::with_capacity(request.events().len());
        for event in request.events() {
            let recorded = RecordedEvent::record(
                request.stream_id().clone(),
                Version::new(u64::MAX),
                event.clone(),
                recorded_at,
            );
            let item = event_item::to_item(&recorded, expires_at)?;
            let bytes = item_size(&item);
            if bytes > MAX_ITEM_BYTES {
                return Err(Error::TooLarge {
                    event_id: event.event_id.to_string(),
                    bytes,
                    limit: MAX_ITEM_BYTES,
                });
            }
            items.push((recorded.event_id, item));
        }
        Ok(Prepared { items, expires_at })
    }

    async fn conflict(&self, request: &AppendRequest) -> Error {
        match self.head(request.stream_id()).await {
            Ok(actual) => conflict_error(request, actual),
            Err(error) => error,
        }
    }

    async fn write_batch(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        base: Version,
        mode: Mode,
    ) -> Result<Written, Error> {
        let stream = request.stream_id();
        let expires_at = prepared.expires_at;
        let mut items = prepared.items.clone();
        for (offset, (_, item)) in items.iter_mut().enumerate() {
            let version = base.plus(offset as u64 + 1);
            item.insert(
                attributes::VERSION.into(),
                AttributeValue::N(version.to_string()),
            );
        }
        let check_previous = mode == Mode::Expected && base > Version::NONE;
        let guards = mode == Mode::Guarded;
        let actions = items.len() * if guards { 2 } else { 1 } + usize::from(check_previous);
        if actions > MAX_TRANSACTION_ACTIONS {
            return Err(Error::validation(
                "events",
                format!(
                    "{} events need {actions} transaction actions here ({}), DynamoDB allows {MAX_TRANSACTION_ACTIONS}: split the append",
                    items.len(),
                    if guards {
                        "an idempotency guard per event when no version is expected"
                    } else {
                        "one check that the expected version exists"
                    }
                ),
            ));
        }
        let versions: Vec<Version> = (1..=items.len() as u64).map(|i| base.plus(i)).collect();
        if actions == 1 {
            let (event_id, item) = items.pop().expect("one action is one event");
            return self.put_single(stream, versions, &event_id, item).await;
        }
        let layout = Layout {
            check_previous,
            events: items.len(),
            guards,
        };
        let mut transaction = Vec::with_capacity(actions);
        if check_previous {
            transaction.push(self.check_exists(stream, base)?);
        }
        let guard_items: Vec<Item> = if guards {
            versions
                .iter()
                .zip(&items)
                .map(|(version, (event_id, _))| {
                    guard_item::to_item(event_id, stream, *version, expires_at)
                })
                .collect()
        } else {
            Vec::new()
        };
        let total: usize = items.iter().map(|(_, item)| item_size(item)).sum::<usize>()
            + guard_items.iter().map(item_size).sum::<usize>();
        if total > MAX_TRANSACTION_BYTES {
            return Err(Error::TooLarge {
                event_id: format!("batch of {} events", items.len()),
                bytes: total,
                limit: MAX_TRANSACTION_BYTES,
            });
        }
        for (_, item) in &items {
            transaction.push(self.put_if_absent(item.clone(), attributes::VERSION)?);
        }
        for guard in guard_items {
            transaction.push(self.put_if_absent(guard, attributes::STREAM_ID)?);
        }
        let event_ids: Vec<&EventId> = items.iter().map(|(id, _)| id).collect();
        self.send_transaction(transaction, &layout, stream, versions, &event_ids)
            .await
    }

    async fn put_single(
        &self,
        stream: &StreamId,
        versions: Vec<Version>,
        event_id: &EventId,
        item: Item,
    ) -> Result<Written, Error> {
        let result = self
            .client
            .put_item()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#v)")
            .expression_attribute_names("#v", attributes::VERSION)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .send()
            .await;
        match result {
            Ok(_) => Ok(Written::Stored(outcome(stream, versions, false))),
            Err(error) => match error.as_service_error() {
                Some(PutItemError::ConditionalCheckFailedException(failure)) => {
                    if holds_event(failure.item(), event_id) {
                        Ok(Written::Stored(outcome(stream, versions, true)))
                    } else {
                        Ok(Written::Conflict)
                    }
                }
                _ => Err(from_sdk("PutItem", error)),
            },
        }
    }

    async fn send_transaction(
        &self,
        transaction: Vec<TransactWriteItem>,
        layout: &Layout,
        stream: &StreamId,
        versions: Vec<Version>,
        event_ids: &[&EventId],
    ) -> Result<Written, Error> {
        for attempt in 0..MAX_TRANSIENT_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(transaction.clone()))
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(Written::Stored(outcome(stream, versions, false))),
                Err(error) => error,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                error.as_service_error()
            else {
                return Err(from_sdk("TransactWriteItems", error));
            };
            match layout.interpret(cancelled.cancellation_reasons(), event_ids)? {
                Verdict::Duplicate { stream, versions } => {
                    return Ok(Written::Stored(outcome(&stream, versions, true)))
                }
                Verdict::AlreadyStored => {
                    return Ok(Written::Stored(outcome(stream, versions, true)))
                }
                Verdict::Conflict => return Ok(Written::Conflict),
                Verdict::Transient(_) if attempt + 1 < MAX_TRANSIENT_ATTEMPTS => {
                    backoff(attempt).await
                }
                Verdict::Transient(code) => {
                    return Err(unavailable(
                        "TransactWriteItems",
                        format!("cancelled {MAX_TRANSIENT_ATTEMPTS} times: {code}"),
                    ))
                }
            }
        }
        unreachable!("the last attempt returns")
    }

    fn put_if_absent(&self, item: Item, key_attribute: &str) -> Result<TransactWriteItem, Error> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", key_attribute)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| unavailable("TransactWriteItems", e.to_string()))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    fn check_exists(
        &self,
        stream: &StreamId,
        version: Version,
    ) -> Result<TransactWriteItem, Error> {
        let check = ConditionCheck::builder()
            .table_name(self.table())
            .key(attributes::STREAM_ID, AttributeValue::S(stream.to_string()))
            .key(attributes::VERSION, AttributeValue::N(version.to_string()))
            .condition_expression("attribute_exists(#id)")
            .expression_attribute_names("#id", attributes::EVENT_ID)
            .build()
            .map_err(|e| unavailable("TransactWriteItems", e.to_string()))?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }
}

/// The order of actions in an append transaction: `[check] events.. [guards..]`.
struct Layout {
    check_previous: bool,
    events: usize,
    guards: bool,
}

/// What a cancelled transaction means.
#[derive(Debug, PartialEq)]
enum Verdict {
    /// Every guard existed: these events were stored before, here.
    Duplicate {
        stream: StreamId,
        versions: Vec<Version>,
    },
    /// Every event is already at the version it was going to: a retry of a stored append.
    AlreadyStored,
    /// The versions are taken by other events, or the expected version does not exist.
    Conflict,
    /// Cancelled for a passing reason (named): send it again.
    Transient(String),
}

const CONDITION_FAILED: &str = "ConditionalCheckFailed";

impl Layout {
    fn interpret(
        &self,
        reasons: &[CancellationReason],
        event_ids: &[&EventId],
    ) -> Result<Verdict, Error> {
        let code = |index: usize| reasons.get(index).and_then(|r| r.code()).unwrap_or("None");
        if let Some(other) = (0..reasons.len())
            .map(code)
            .find(|c| *c != "None" && *c != CONDITION_FAILED)
        {
            return Ok(Verdict::Transient(other.to_owned()));
        }
        let first_event = usize::from(self.check_previous);
        let first_guard = first_event + self.events;
        if self.guards {
            let mut stored = Vec::new();
            for (offset, event_id) in event_ids.iter().enumerate() {
                let index = first_guard + offset;
                if code(index) == CONDITION_FAILED {
                    let old = reasons[index].item().cloned().unwrap_or_default();
                    stored.push((offset, event_id, guard_item::guarded_position(&old)?));
                }
            }
            if stored.len() == self.events {
                let stream = stored[0].2 .0.clone();
                let versions = stored.iter().map(|(_, _, (_, v))| *v).collect();
                return Ok(Verdict::Duplicate { stream, versions });
            }
            if let Some((offset, event_id, (stream, version))) = stored.first() {
                return Err(Error::validation(
                    format!("events[{offset}].eventId"),
                    format!(
                        "{event_id} is already stored in stream {stream} at version {version}; nothing of this append was stored"
                    ),
                ));
            }
        }
        if self.check_previous && code(0) == CONDITION_FAILED {
            return Ok(Verdict::Conflict);
        }
        let all_ours = event_ids.iter().enumerate().all(|(offset, event_id)| {
            let index = first_event + offset;
            code(index) == CONDITION_FAILED && holds_event(reasons[index].item(), event_id)
        });
        Ok(if all_ours {
            Verdict::AlreadyStored
        } else {
            Verdict::Conflict
        })
    }
}

/// Whether an old item (from `ALL_OLD`) is the event `event_id`.
fn holds_event(
    old: Option<&std::collections::HashMap<String, AttributeValue>>,
    event_id: &EventId,
) -> bool {
    old.and_then(|item| item.get(attributes::EVENT_ID))
        .and_then(|value| value.as_s().ok())
        .is_some_and(|stored| stored == event_id.as_str())
}

fn outcome(stream: &StreamId, versions: Vec<Version>, duplicate: bool) -> AppendOutcome {
    AppendOutcome {
        stream_id: stream.clone(),
        versions,
        duplicate,
    }
}

fn conflict_error(request: &AppendRequest, actual: Version) -> Error {
    Error::Conflict {
        stream: request.stream_id().clone(),
        expected: request.expected(),
        actual,
    }
}

/// Jittered exponential backoff: up to 5 ms, 10 ms, 20 ms ... capped at 200 ms.
async fn backoff(attempt: u32) {
    let ceiling = 5u64.saturating_mul(1 << attempt.min(6)).min(200);
    let wait = rand::random_range(1..=ceiling);
    tokio::time::sleep(Duration::from_millis(wait)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str, item: Option<Item>) -> CancellationReason {
        CancellationReason::builder()
            .code(code)
            .set_item(item)
            .build()
    }

    fn event_item(event_id: &str) -> Item {
        [(
            attributes::EVENT_ID.to_string(),
            AttributeValue::S(event_id.into()),
        )]
        .into()
    }

    /// What a transaction of `names` (with a previous-version check and/or guards) cancelled
    /// with `reasons` means.
    fn verdict(
        check_previous: bool,
        guards: bool,
        names: &[&str],
        reasons: &[CancellationReason],
    ) -> Result<Verdict, Error> {
        let ids: Vec<EventId> = names.iter().map(|n| EventId::new(*n).unwrap()).collect();
        let refs: Vec<&EventId> = ids.iter().collect();
        let layout = Layout {
            check_previous,
            events: names.len(),
            guards,
        };
        layout.interpret(reasons, &refs)
    }

    fn guard(name: &str, version: u64) -> Item {
        let stream = StreamId::new("s-1").unwrap();
        guard_item::to_item(
            &EventId::new(name).unwrap(),
            &stream,
            Version::new(version),
            None,
        )
    }

    #[test]
    fn every_event_already_in_place_is_a_retry() {
        let reasons = [
            reason("None", None),
            reason(CONDITION_FAILED, Some(event_item("a"))),
            reason(CONDITION_FAILED, Some(event_item("b"))),
        ];
        assert_eq!(
            verdict(true, false, &["a", "b"], &reasons).unwrap(),
            Verdict::AlreadyStored
        );
    }

    #[test]
    fn a_foreign_event_at_a_version_is_a_conflict() {
        let reasons = [
            reason(CONDITION_FAILED, Some(event_item("a"))),
            reason(CONDITION_FAILED, Some(event_item("other"))),
        ];
        assert_eq!(
            verdict(false, false, &["a", "b"], &reasons).unwrap(),
            Verdict::Conflict
        );
    }

    #[test]
    fn a_missing_expected_version_is_a_conflict() {
        let reasons = [reason(CONDITION_FAILED, None), reason("None", None)];
        assert_eq!(
            verdict(true, false, &["a"], &reasons).unwrap(),
            Verdict::Conflict
        );
    }

    #[test]
    fn a_concurrent_transaction_is_transient() {
        let reasons = [reason("TransactionConflict", None), reason("None", None)];
        assert_eq!(
            verdict(false, true, &["a"], &reasons).unwrap(),
            Verdict::Transient("TransactionConflict".into())
        );
    }

    #[test]
    fn existing_guards_report_where_the_events_are() {
        let reasons = [
            reason("None", None),
            reason(CONDITION_FAILED, Some(guard("a", 4))),
        ];
        assert_eq!(
            verdict(false, true, &["a"], &reasons).unwrap(),
            Verdict::Duplicate {
                stream: StreamId::new("s-1").unwrap(),
                versions: vec![Version::new(4)]
            }
        );
    }

    #[test]
    fn some_guards_existing_is_a_validation_error_naming_the_event() {
        let reasons = [
            reason("None", None),
            reason("None", None),
            reason("None", None),
            reason(CONDITION_FAILED, Some(guard("b", 2))),
        ];
        let error = verdict(false, true, &["a", "b"], &reasons).unwrap_err();
        assert!(error.to_string().contains("events[1].eventId"), "{error}");
    }
}
