//! Appends: optimistic concurrency on the stream's head, exactly once by event id, in one
//! `TransactWriteItems` whatever the path.
//!
//! Every append writes, in one transaction:
//! - the stream's **head** (its version and its 20 recent event ids): created with
//!   `attribute_not_exists` for a new stream, else updated with the condition that it is at the
//!   expected version and remembers none of the append's ids;
//! - each **event** at the next version, with `attribute_not_exists(version)`;
//! - with the store-wide dedupe scope, an idempotency **guard** per event id, with
//!   `attribute_not_exists`.
//!
//! Every condition returns the old item when it fails (`ALL_OLD`), so a cancelled transaction
//! says, without another read, whether the events are already stored (where, and with which
//! payload hash) or another writer got there first (and at which version). One rule judges what
//! was found ([`event_store_domain::judge`]): a retry, a reused id, a partly stored batch, or a
//! conflict.
//!
//! - Expected version known (`noStream`, or a number): **one request, no read**.
//! - Expected version unknown (`any`, `streamExists`; the bus path): one strongly consistent
//!   `GetItem` of the head first (a retry the head remembers is answered from it, with nothing
//!   written), then the same transaction at the head's version; a lost race reads the head again.

use std::collections::HashMap;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::RequestId;
use aws_sdk_dynamodb::types::{
    AttributeValue, CancellationReason, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};
use chrono::Utc;
use event_store_domain::{
    judge, AppendOutcome, AppendRequest, DedupeScope, Error, EventId, FailureKind, PayloadHash,
    Prior, RecordedEvent, ServiceFailure, StoredAt, StreamHead, Verdict, Version,
};

use crate::event_item::{self, Item};
use crate::item_size::{item_size, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES};
use crate::sdk_error::{failure, from_sdk};
use crate::{attributes, guard_item, head_item, retry_policy, DynamoEventStore};

/// How often an append without an expected version reads the head again after losing a race.
const MAX_RACE_TRIES: usize = 64;
/// How often a transaction cancelled for a passing reason (a concurrent transaction on the same
/// item, throttling) is sent before the append reports `Unavailable`.
const MAX_TRANSIENT_TRIES: usize = 5;

/// One event of an append, its item built once (the version is set when it is written).
struct PreparedEvent {
    id: EventId,
    hash: PayloadHash,
    item: Item,
}

/// An append's events, ready to write at any base version.
struct Prepared {
    events: Vec<PreparedEvent>,
    expires_at: Option<i64>,
}

/// What one write attempt found.
enum Written {
    /// Stored now, or found already stored (a retry).
    Stored(AppendOutcome),
    /// Another writer holds the head at this version.
    Conflict(Version),
}

impl DynamoEventStore {
    /// Appends `request`'s events atomically and exactly once; see the module documentation for
    /// the requests each kind of append makes.
    ///
    /// Returns the versions given, or, for a retry, where the events already are (`duplicate`).
    /// A stale expected version is [`Error::Conflict`] with the stream's actual version; an id
    /// already stored with other content is [`Error::IdReused`]; some events already stored and
    /// others not is [`Error::PartlyStored`]; an event over 400 KB is [`Error::TooLarge`], and
    /// so is a batch over the scope's limit (a `Validation` error naming `events`): nothing is
    /// sent for those.
    pub async fn append(&self, request: &AppendRequest) -> Result<AppendOutcome, Error> {
        request.check_scope(self.settings.dedupe_scope)?;
        let prepared = self.prepare(request)?;
        match request.expected().known_version() {
            Some(base) => match self.write(request, &prepared, base).await? {
                Written::Stored(outcome) => Ok(outcome),
                Written::Conflict(actual) => Err(conflict_error(request, actual)),
            },
            None => self.append_at_head(request, &prepared).await,
        }
    }

    async fn append_at_head(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
    ) -> Result<AppendOutcome, Error> {
        let mut waits = retry_policy::waits(MAX_RACE_TRIES);
        loop {
            let head = self.read_head(request.stream_id()).await?;
            if let Some(head) = &head {
                let found: Vec<Option<Prior>> = prepared
                    .events
                    .iter()
                    .map(|event| recent_prior(request, head, event))
                    .collect();
                match judge(&found) {
                    Verdict::AllNew => {}
                    Verdict::Duplicate(outcome) => return Ok(outcome),
                    Verdict::Refused(error) => return Err(error),
                }
            }
            let version = head.map_or(Version::NONE, |h| h.version);
            if !request.expected().is_satisfied_by(version) {
                return Err(conflict_error(request, version));
            }
            match self.write(request, prepared, version).await? {
                Written::Stored(outcome) => return Ok(outcome),
                Written::Conflict(actual) => match waits.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(conflict_error(request, actual)),
                },
            }
        }
    }

    /// Builds each event's item once, at the largest version number it could get (the size
    /// depends on it by a few bytes), and rejects one over DynamoDB's item limit before any
    /// request. Writing sets the real version.
    fn prepare(&self, request: &AppendRequest) -> Result<Prepared, Error> {
        let recorded_at = Utc::now();
        let expires_at = self.settings.expiry_for(&recorded_at);
        let indexed_type = self.category_type(request.stream_id());
        let mut events = Vec::with_capacity(request.events().len());
        for event in request.events() {
            let recorded = RecordedEvent::record(
                request.stream_id().clone(),
                Version::new(u64::MAX),
                event.clone(),
                recorded_at,
            );
            let item = event_item::to_item(&recorded, indexed_type, expires_at)?;
            let bytes = item_size(&item);
            if bytes > MAX_ITEM_BYTES {
                return Err(Error::TooLarge {
                    event_id: event.event_id.to_string(),
                    bytes,
                    limit: MAX_ITEM_BYTES,
                });
            }
            events.push(PreparedEvent {
                id: recorded.event_id,
                hash: recorded.payload_hash,
                item,
            });
        }
        Ok(Prepared { events, expires_at })
    }

    /// One transaction writing the head, the events and (store-wide) their guards after `base`.
    async fn write(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        base: Version,
    ) -> Result<Written, Error> {
        let stream = request.stream_id();
        let guards = self.settings.dedupe_scope == DedupeScope::Store;
        let ids: Vec<(&EventId, &PayloadHash)> =
            prepared.events.iter().map(|e| (&e.id, &e.hash)).collect();
        let mut transaction = Vec::with_capacity(1 + ids.len() * 2);
        let head = if base == Version::NONE {
            let item = head_item::to_item(stream, &StreamHead::empty().after(&ids));
            let bytes = item_size(&item);
            (self.put_if_absent(item, attributes::HEAD_VERSION)?, bytes)
        } else {
            (
                self.advance_head(request, prepared, base)?,
                head_item::largest_size(stream),
            )
        };
        transaction.push(head.0);
        let mut total = head.1;
        for (offset, event) in prepared.events.iter().enumerate() {
            let mut item = event.item.clone();
            item.insert(
                attributes::VERSION.into(),
                AttributeValue::N(base.plus(offset as u64 + 1).to_string()),
            );
            total += item_size(&item);
            transaction.push(self.put_if_absent(item, attributes::VERSION)?);
        }
        if guards {
            for (offset, event) in prepared.events.iter().enumerate() {
                let version = base.plus(offset as u64 + 1);
                let guard = guard_item::to_item(
                    &event.id,
                    &event.hash,
                    stream,
                    version,
                    prepared.expires_at,
                );
                total += item_size(&guard);
                transaction.push(self.put_if_absent(guard, attributes::STREAM_ID)?);
            }
        }
        if total > MAX_TRANSACTION_BYTES {
            return Err(Error::TooLarge {
                event_id: format!("batch of {} events", prepared.events.len()),
                bytes: total,
                limit: MAX_TRANSACTION_BYTES,
            });
        }
        let layout = Layout {
            events: prepared.events.len(),
            guards,
        };
        self.send(transaction, &layout, request, prepared, base)
            .await
    }

    /// The head's update for an append after `base`: its version moves on and the new events
    /// take their slots, on condition that it is at `base` and remembers none of the ids.
    fn advance_head(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        base: Version,
    ) -> Result<TransactWriteItem, Error> {
        let ids: Vec<(&EventId, &PayloadHash)> =
            prepared.events.iter().map(|e| (&e.id, &e.hash)).collect();
        let next = base.plus(ids.len() as u64);
        let mut values: HashMap<String, AttributeValue> = HashMap::from([
            (":base".into(), AttributeValue::N(base.to_string())),
            (":next".into(), AttributeValue::N(next.to_string())),
        ]);
        let mut remembered = Vec::with_capacity(ids.len());
        for (index, (id, _)) in ids.iter().enumerate() {
            values.insert(
                format!(":m{index}"),
                AttributeValue::S(StreamHead::id_mark(id)),
            );
            remembered.push(format!("contains(#ri, :m{index})"));
        }
        let mut sets = vec!["#h = :next".to_owned()];
        for (index, (slot, id_mark, hash_mark)) in
            StreamHead::slot_writes(base, &ids).into_iter().enumerate()
        {
            values.insert(format!(":s{index}"), AttributeValue::S(id_mark));
            values.insert(format!(":x{index}"), AttributeValue::S(hash_mark));
            sets.push(format!("#ri[{slot}] = :s{index}, #rh[{slot}] = :x{index}"));
        }
        // One NOT over ORs keeps the condition at 2 operators per event, well under DynamoDB's
        // 300 per expression for a batch of 99.
        let condition = format!("#h = :base AND NOT ({})", remembered.join(" OR "));
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(head_item::key(request.stream_id())))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(condition)
            .expression_attribute_names("#h", attributes::HEAD_VERSION)
            .expression_attribute_names("#ri", attributes::RECENT_IDS)
            .expression_attribute_names("#rh", attributes::RECENT_HASHES)
            .set_expression_attribute_values(Some(values))
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| {
                failure(
                    FailureKind::InvalidRequest,
                    "TransactWriteItems",
                    e.to_string(),
                )
            })?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Sends the transaction, again when it is cancelled for a passing reason, and says what
    /// a cancellation found.
    async fn send(
        &self,
        transaction: Vec<TransactWriteItem>,
        layout: &Layout,
        request: &AppendRequest,
        prepared: &Prepared,
        base: Version,
    ) -> Result<Written, Error> {
        let mut waits = retry_policy::waits(MAX_TRANSIENT_TRIES);
        loop {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(transaction.clone()))
                .send()
                .await;
            let error = match result {
                Ok(_) => {
                    return Ok(Written::Stored(AppendOutcome {
                        stream_id: request.stream_id().clone(),
                        versions: (1..=prepared.events.len() as u64)
                            .map(|i| base.plus(i))
                            .collect(),
                        duplicate: false,
                    }))
                }
                Err(error) => error,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                error.as_service_error()
            else {
                return Err(from_sdk("TransactWriteItems", error));
            };
            match passing_or_refused(cancelled.cancellation_reasons()) {
                Some(kind) if kind.is_transient() => match waits.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => {
                        let request_id = error.request_id().map(str::to_owned);
                        tracing::warn!(request_id, kind = ?kind, "transaction cancelled {MAX_TRANSIENT_TRIES} times");
                        return Err(Error::service(
                            ServiceFailure::new(kind, "TransactWriteItems")
                                .with_request_id(request_id),
                        ));
                    }
                },
                Some(kind) => {
                    let request_id = error.request_id().map(str::to_owned);
                    let detail = aws_smithy_types::error::display::DisplayErrorContext(&error);
                    tracing::warn!(request_id, kind = ?kind, detail = %detail, "transaction refused");
                    return Err(Error::service(
                        ServiceFailure::new(kind, "TransactWriteItems")
                            .with_request_id(request_id)
                            .with_source(error),
                    ));
                }
                None => {
                    return layout.interpret(
                        cancelled.cancellation_reasons(),
                        request,
                        prepared,
                        base,
                    )
                }
            }
        }
    }

    fn put_if_absent(&self, item: Item, key_attribute: &str) -> Result<TransactWriteItem, Error> {
        let put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#k)")
            .expression_attribute_names("#k", key_attribute)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| {
                failure(
                    FailureKind::InvalidRequest,
                    "TransactWriteItems",
                    e.to_string(),
                )
            })?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The stream's head, if it has one: one strongly consistent `GetItem`.
    pub(crate) async fn read_head(
        &self,
        stream: &event_store_domain::StreamId,
    ) -> Result<Option<StreamHead>, Error> {
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(head_item::key(stream)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| from_sdk("GetItem", e))?;
        output.item.as_ref().map(head_item::from_item).transpose()
    }
}

/// What a cancellation reason code means.
enum Reason {
    /// The action would have succeeded.
    Passed,
    /// Its condition failed: the old item says why.
    ConditionFailed,
    /// A failure of this kind.
    Failed(FailureKind),
}

/// Every cancellation reason code DynamoDB documents, and the rest as not known to pass.
fn reason_of(code: Option<&str>) -> Reason {
    match code {
        None | Some("None") => Reason::Passed,
        Some("ConditionalCheckFailed") => Reason::ConditionFailed,
        Some("TransactionConflict") => Reason::Failed(FailureKind::TransactionConflict),
        Some("ProvisionedThroughputExceeded" | "ThrottlingError") => {
            Reason::Failed(FailureKind::Throttled)
        }
        Some("ValidationError") => Reason::Failed(FailureKind::InvalidRequest),
        Some("ItemCollectionSizeLimitExceeded") => Reason::Failed(FailureKind::Other),
        Some(_) => Reason::Failed(FailureKind::Other),
    }
}

/// The kind of failure that cancelled a transaction, when it was not only failed conditions: a
/// refusal (not transient) wins over a passing cause.
fn passing_or_refused(reasons: &[CancellationReason]) -> Option<FailureKind> {
    let kinds: Vec<FailureKind> = reasons
        .iter()
        .filter_map(|r| match reason_of(r.code()) {
            Reason::Failed(kind) => Some(kind),
            Reason::Passed | Reason::ConditionFailed => None,
        })
        .collect();
    kinds
        .iter()
        .copied()
        .find(|k| !k.is_transient())
        .or_else(|| kinds.first().copied())
}

/// Where the head remembers `event` of `request`'s stream.
fn recent_prior(
    request: &AppendRequest,
    head: &StreamHead,
    event: &PreparedEvent,
) -> Option<Prior> {
    head.recent(&event.id, &event.hash).map(|recent| Prior {
        at: StoredAt {
            event_id: event.id.clone(),
            stream_id: request.stream_id().clone(),
            version: recent.version,
        },
        same_content: recent.same_content,
    })
}

/// The order of actions in an append transaction: `head, events.., [guards..]`.
struct Layout {
    events: usize,
    guards: bool,
}

impl Layout {
    /// What a transaction cancelled only by failed conditions found.
    fn interpret(
        &self,
        reasons: &[CancellationReason],
        request: &AppendRequest,
        prepared: &Prepared,
        base: Version,
    ) -> Result<Written, Error> {
        let failed = |index: usize| {
            reasons
                .get(index)
                .is_some_and(|r| matches!(reason_of(r.code()), Reason::ConditionFailed))
        };
        let old = |index: usize| reasons.get(index).and_then(|r| r.item());
        let head = if failed(0) {
            old(0).map(head_item::from_item).transpose()?
        } else {
            None
        };
        let mut found = Vec::with_capacity(self.events);
        for (offset, event) in prepared.events.iter().enumerate() {
            let event_index = 1 + offset;
            let guard_index = 1 + self.events + offset;
            let prior = if self.guards && failed(guard_index) {
                let stored = old(guard_index).ok_or_else(|| missing_old_item("guard"))?;
                let (at, hash) = guard_item::guarded(&event.id, stored)?;
                Some(Prior {
                    at,
                    same_content: hash == event.hash,
                })
            } else if failed(event_index) && holds_event(old(event_index), &event.id) {
                Some(Prior {
                    at: StoredAt {
                        event_id: event.id.clone(),
                        stream_id: request.stream_id().clone(),
                        version: base.plus(offset as u64 + 1),
                    },
                    same_content: stored_hash(old(event_index)) == Some(event.hash.as_str()),
                })
            } else {
                head.as_ref()
                    .and_then(|head| recent_prior(request, head, event))
            };
            found.push(prior);
        }
        match judge(&found) {
            Verdict::Duplicate(outcome) => Ok(Written::Stored(outcome)),
            Verdict::Refused(error) => Err(error),
            Verdict::AllNew if failed(0) => {
                Ok(Written::Conflict(head.map_or(Version::NONE, |h| h.version)))
            }
            Verdict::AllNew => Err(Error::Corrupt {
                attribute: attributes::VERSION.into(),
                reason: format!(
                    "stream {} holds an event above its head's version {base}",
                    request.stream_id()
                ),
            }),
        }
    }
}

fn missing_old_item(what: &str) -> Error {
    Error::Corrupt {
        attribute: what.into(),
        reason: "a failed condition returned no old item".into(),
    }
}

/// Whether an old item (from `ALL_OLD`) is the event `event_id`.
fn holds_event(old: Option<&Item>, event_id: &EventId) -> bool {
    old.and_then(|item| item.get(attributes::EVENT_ID))
        .and_then(|value| value.as_s().ok())
        .is_some_and(|stored| stored == event_id.as_str())
}

/// The payload hash an old event item carries.
fn stored_hash(old: Option<&Item>) -> Option<&str> {
    old.and_then(|item| item.get(attributes::PAYLOAD_HASH))
        .and_then(|value| value.as_s().ok())
        .map(String::as_str)
}

fn conflict_error(request: &AppendRequest, actual: Version) -> Error {
    Error::Conflict {
        stream: request.stream_id().clone(),
        expected: request.expected(),
        actual,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(code: &str) -> CancellationReason {
        CancellationReason::builder().code(code).build()
    }

    #[test]
    fn every_documented_reason_code_is_classified() {
        assert!(matches!(reason_of(Some("None")), Reason::Passed));
        assert!(matches!(
            reason_of(Some("ConditionalCheckFailed")),
            Reason::ConditionFailed
        ));
        for (code, kind) in [
            ("TransactionConflict", FailureKind::TransactionConflict),
            ("ProvisionedThroughputExceeded", FailureKind::Throttled),
            ("ThrottlingError", FailureKind::Throttled),
            ("ValidationError", FailureKind::InvalidRequest),
            ("ItemCollectionSizeLimitExceeded", FailureKind::Other),
            ("SomethingNew", FailureKind::Other),
        ] {
            assert!(
                matches!(reason_of(Some(code)), Reason::Failed(k) if k == kind),
                "{code}"
            );
        }
    }

    #[test]
    fn a_refusal_wins_over_a_passing_cause_and_conditions_alone_are_no_failure() {
        let conflict_and_invalid = [reason("TransactionConflict"), reason("ValidationError")];
        assert_eq!(
            passing_or_refused(&conflict_and_invalid),
            Some(FailureKind::InvalidRequest)
        );
        let conflict = [reason("None"), reason("TransactionConflict")];
        assert_eq!(
            passing_or_refused(&conflict),
            Some(FailureKind::TransactionConflict)
        );
        let conditions = [reason("ConditionalCheckFailed"), reason("None")];
        assert_eq!(passing_or_refused(&conditions), None);
    }
}
