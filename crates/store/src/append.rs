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

use std::collections::{BTreeSet, HashMap};

use aws_sdk_dynamodb::types::{
    AttributeValue, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};
use chrono::Utc;
use event_store_domain::{
    check_not_reserved, judge, AppendOutcome, AppendRequest, DedupeScope, Error, EventId,
    FailureKind, PayloadHash, RecordedEvent, SealingPlan, StreamHead, Verdict, Version, ERASED,
};

use crate::append_findings::{recent_prior, Found, Layout};
use crate::event_item::{self, Item};
use crate::item_size::{item_size, MAX_ITEM_BYTES, MAX_TRANSACTION_BYTES};
use crate::personal_values::sealed_hashes;
use crate::personal_values::SealingKeys;
use crate::sdk_error::failure;
use crate::subject_keys::WritingKey;
use crate::transaction::send_transaction;
use crate::{attributes, guard_item, head_item, retry_policy, DynamoEventStore};

/// How often an append without an expected version reads the head again after losing a race.
const MAX_RACE_TRIES: usize = 64;
/// How many plans an append at a known version may need: the first, one creating the head of a
/// stream written before heads existed, one clearing the marks of expired events.
const MAX_PLANS: usize = 3;

/// One event of an append, its item built once (the version is set when it is written).
pub(crate) struct PreparedEvent {
    pub(crate) id: EventId,
    /// The hash written with it.
    pub(crate) hash: PayloadHash,
    /// Other hashes its content may have been stored with: for an event holding personal
    /// values, its plain hash (stored so before hashes were keyed) and its hashes under the
    /// subject's other live keys.
    pub(crate) also_same: Vec<PayloadHash>,
    /// The subject whose values it holds, when they are forgotten (it is stored erased, and
    /// compared with a copy stored before the forget as what is left of both).
    pub(crate) forgotten_subject: Option<String>,
    pub(crate) item: Item,
}

impl PreparedEvent {
    /// Whether an event stored with hash `stored` has this event's content.
    pub(crate) fn is_same(&self, stored: &PayloadHash) -> bool {
        *stored == self.hash || self.also_same.contains(stored)
    }

    /// Every hash this event's content may have been stored with, the written one first.
    pub(crate) fn hashes(&self) -> Vec<&PayloadHash> {
        std::iter::once(&self.hash).chain(&self.also_same).collect()
    }
}

/// An append's events, ready to write at any base version.
pub(crate) struct Prepared {
    pub(crate) events: Vec<PreparedEvent>,
    pub(crate) expires_at: Option<i64>,
}

/// How the stream's head is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeadWrite {
    /// Put a new head (a new stream, or one written before heads existed).
    Create,
    /// Update the head, on condition it is at the base version.
    Advance,
}

/// One write attempt: after which version, how the head is written, and which events' ids are
/// left out of the head's "remembers none of them" condition (their marks are in the window but
/// their events have expired).
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) base: Version,
    pub(crate) head: HeadWrite,
    pub(crate) cleared: BTreeSet<usize>,
}

impl Plan {
    pub(crate) fn at(base: Version, head: HeadWrite) -> Self {
        Plan {
            base,
            head,
            cleared: BTreeSet::new(),
        }
    }
}

/// What one write attempt found.
pub(crate) enum Written {
    /// Stored now, or found already stored (a retry).
    Stored(AppendOutcome),
    /// Another writer holds the stream at this version.
    Conflict(Version),
    /// Write again with this plan: the stream predates heads, or expired marks are to be cleared.
    Again(Plan),
}

impl DynamoEventStore {
    /// Appends `request`'s events atomically and exactly once; see the module documentation for
    /// the requests each kind of append makes.
    ///
    /// Returns the versions given, or, for a retry, where the events already are (`duplicate`).
    /// A stale expected version is [`Error::Conflict`] with the stream's actual version; an id
    /// already stored with other content, or in another stream, is [`Error::IdReused`]; some
    /// events already stored and others not is [`Error::PartlyStored`]; an event over 400 KB is
    /// [`Error::TooLarge`], and a batch over the scope's limit a `Validation` error naming
    /// `events`: nothing is sent for those.
    ///
    /// What is the store's own to write is refused naming it: an event of type
    /// `SubjectForgotten` (a forget records it) and a `$sealed` member anywhere in data (only
    /// the store seals values).
    pub async fn append(&self, request: &AppendRequest) -> Result<AppendOutcome, Error> {
        check_not_reserved(request.events())?;
        self.append_as_store(request).await
    }

    /// [`DynamoEventStore::append`] of what the store writes itself (a forget's record).
    pub(crate) async fn append_as_store(
        &self,
        request: &AppendRequest,
    ) -> Result<AppendOutcome, Error> {
        // Boxed: an append is a deep state machine (SDK calls, the judgement of a cancellation),
        // and every caller's future would otherwise carry all of it inline.
        Box::pin(self.append_unboxed(request)).await
    }

    async fn append_unboxed(&self, request: &AppendRequest) -> Result<AppendOutcome, Error> {
        self.settings.check_write_region()?;
        request.check_scope(self.settings.dedupe_scope)?;
        self.catalog().check_all(request.events())?;
        let plans = self.catalog().sealing_plans(request.events())?;
        let keys = self.sealing_keys(&plans).await?;
        let prepared = self.prepare(request, &plans, &keys)?;
        match request.expected().known_version() {
            Some(base) => self.append_at(request, &prepared, base).await,
            None => self.append_at_head(request, &prepared).await,
        }
    }

    /// An append at a known version: one transaction; another only for a stream written before
    /// heads existed, or to clear the marks of expired events.
    async fn append_at(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        base: Version,
    ) -> Result<AppendOutcome, Error> {
        let head = if base == Version::NONE {
            HeadWrite::Create
        } else {
            HeadWrite::Advance
        };
        let mut plan = Plan::at(base, head);
        for _ in 0..MAX_PLANS {
            match self.write(request, prepared, &plan).await? {
                Written::Stored(outcome) => return Ok(outcome),
                Written::Conflict(actual) => return Err(conflict_error(request, actual)),
                Written::Again(next) => plan = next,
            }
        }
        Err(Error::Corrupt {
            attribute: attributes::HEAD_VERSION.into(),
            reason: format!(
                "the head of stream {} refused {MAX_PLANS} plans in a row",
                request.stream_id()
            ),
        })
    }

    async fn append_at_head(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
    ) -> Result<AppendOutcome, Error> {
        let stream = request.stream_id();
        let mut waits = retry_policy::waits(MAX_RACE_TRIES);
        // A stream with no head is new (version 0), unless a write finds events in it: then it
        // was written before heads existed, and its head is created at its last version.
        let mut headless_at = Version::NONE;
        loop {
            let head = self.read_head(stream).await?;
            let mut plan = match &head {
                Some(head) => {
                    self.check_scope_of(stream, head)?;
                    Plan::at(head.version, HeadWrite::Advance)
                }
                None => Plan::at(headless_at, HeadWrite::Create),
            };
            if !request.expected().is_satisfied_by(plan.base) {
                // Before refusing a stream that looks new, make sure it does not predate heads.
                if head.is_none() && headless_at == Version::NONE {
                    headless_at = self.last_event_version(stream).await?;
                    if headless_at > Version::NONE {
                        continue;
                    }
                }
                return Err(conflict_error(request, plan.base));
            }
            if let Some(head) = &head {
                let found: Vec<Found> = prepared
                    .events
                    .iter()
                    .map(|event| match recent_prior(request, head, event) {
                        Some(prior) => Found::Remembered(prior),
                        None => Found::Unknown,
                    })
                    .collect();
                // A retry the head remembers whole is answered from it; one it remembers in part
                // (a batch longer than the window) is completed from the stream before judging.
                if found.iter().any(|f| !matches!(f, Found::Unknown)) {
                    let (priors, cleared) =
                        Box::pin(self.confirm(request, prepared, found)).await?;
                    match judge(stream, &priors) {
                        Verdict::AllNew => plan.cleared = cleared,
                        Verdict::Duplicate(outcome) => return Ok(outcome),
                        Verdict::Refused(error) => return Err(error),
                    }
                }
            }
            // Another writer got there first, or the stream turned out older than heads: read the
            // head again and go on from it.
            let actual = match self.write(request, prepared, &plan).await? {
                Written::Stored(outcome) => return Ok(outcome),
                Written::Again(_) => plan.base,
                Written::Conflict(actual) => {
                    if head.is_none() {
                        headless_at = actual;
                        if actual > plan.base {
                            // Not a race: the stream predates heads; go on from its version now.
                            continue;
                        }
                    }
                    actual
                }
            };
            match waits.next() {
                Some(wait) => tokio::time::sleep(wait).await,
                None => return Err(conflict_error(request, actual)),
            }
        }
    }

    /// Builds each event's item once, at the largest version number it could get (the size
    /// depends on it by a few bytes), its personal values sealed by `plans` under `keys` (its
    /// payload hash then keyed, see [`sealed_hashes`]), and rejects one over DynamoDB's item
    /// limit before any write. Writing sets the real version.
    fn prepare(
        &self,
        request: &AppendRequest,
        plans: &[Option<SealingPlan>],
        keys: &SealingKeys,
    ) -> Result<Prepared, Error> {
        let recorded_at = Utc::now();
        let expires_at = self.settings.expiry_for(&recorded_at);
        let indexed_type = self.category_type(request.stream_id());
        let mut events = Vec::with_capacity(request.events().len());
        for (event, plan) in request.events().iter().zip(plans) {
            let mut recorded = RecordedEvent::record(
                request.stream_id().clone(),
                Version::new(u64::MAX),
                event.clone(),
                recorded_at,
            );
            let mut also_same = Vec::new();
            let mut forgotten_subject = None;
            if let Some(plan) = plan {
                let key = keys.get(&plan.subject).ok_or_else(|| Error::Corrupt {
                    attribute: "keyId".into(),
                    reason: format!("no key was found or made for subject {}", plan.subject),
                })?;
                for field in &plan.fields {
                    if let Some(value) = field.get_mut(&mut recorded.data) {
                        *value = match key {
                            WritingKey::Live { newest, .. } => {
                                newest.seal(&plan.subject, value)?.to_value()
                            }
                            WritingKey::Forgotten => serde_json::json!(ERASED),
                        };
                    }
                }
                let (hash, also) = sealed_hashes(event, key, &recorded);
                recorded.payload_hash = hash;
                also_same = also;
                if matches!(key, WritingKey::Forgotten) {
                    forgotten_subject = Some(plan.subject.clone());
                }
            }
            let item = event_item::to_item(&recorded, indexed_type, expires_at, self.indexes())?;
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
                also_same,
                forgotten_subject,
                item,
            });
        }
        Ok(Prepared { events, expires_at })
    }

    /// One transaction writing the head, the events and (store-wide) their guards after the
    /// plan's base version.
    async fn write(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        plan: &Plan,
    ) -> Result<Written, Error> {
        let stream = request.stream_id();
        let base = plan.base;
        let guards = self.settings.dedupe_scope == DedupeScope::Store;
        let ids: Vec<(&EventId, &PayloadHash)> =
            prepared.events.iter().map(|e| (&e.id, &e.hash)).collect();
        let mut transaction = Vec::with_capacity(1 + ids.len() * 2);
        let mut total = match plan.head {
            HeadWrite::Create => {
                let head = StreamHead::at(base)
                    .with_scope(self.settings.dedupe_scope)
                    .after(&ids);
                let item = head_item::to_item(stream, &head);
                let bytes = item_size(&item);
                transaction.push(self.put_if_absent(item, attributes::HEAD_VERSION, None)?);
                bytes
            }
            HeadWrite::Advance => {
                transaction.push(self.advance_head(request, prepared, plan)?);
                head_item::largest_size(stream)
            }
        };
        for (offset, event) in prepared.events.iter().enumerate() {
            let mut item = event.item.clone();
            item.insert(
                attributes::VERSION.into(),
                AttributeValue::N(base.plus(offset as u64 + 1).to_string()),
            );
            total += item_size(&item);
            transaction.push(self.put_if_absent(item, attributes::VERSION, None)?);
        }
        if guards {
            // An expired guard DynamoDB's TTL has not deleted yet is gone all the same.
            let now = self.settings.event_ttl_days.map(|_| Utc::now().timestamp());
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
                transaction.push(self.put_if_absent(guard, attributes::STREAM_ID, now)?);
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
        let reasons = match send_transaction(&self.client, transaction).await? {
            None => {
                return Ok(Written::Stored(AppendOutcome {
                    stream_id: stream.clone(),
                    versions: (1..=prepared.events.len() as u64)
                        .map(|i| base.plus(i))
                        .collect(),
                    duplicate: false,
                }))
            }
            Some(reasons) => reasons,
        };
        // A cancelled transaction is the cold path: boxed, so the append's future stays small.
        Box::pin(self.interpret(&layout, &reasons, request, prepared, plan)).await
    }

    /// The head's update for an append after the plan's base: its version moves on and the new
    /// events take their slots, on condition that it is at the base, written with this store's
    /// dedupe scope (or before scopes were kept), and remembers none of the ids (but those the
    /// plan clears).
    fn advance_head(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        plan: &Plan,
    ) -> Result<TransactWriteItem, Error> {
        let ids: Vec<(&EventId, &PayloadHash)> =
            prepared.events.iter().map(|e| (&e.id, &e.hash)).collect();
        let base = plan.base;
        let next = base.plus(ids.len() as u64);
        let mut values: HashMap<String, AttributeValue> = HashMap::from([
            (":base".into(), AttributeValue::N(base.to_string())),
            (":next".into(), AttributeValue::N(next.to_string())),
            (
                ":scope".into(),
                AttributeValue::S(self.settings.dedupe_scope.to_string()),
            ),
        ]);
        let mut remembered = Vec::with_capacity(ids.len());
        for (index, (id, _)) in ids.iter().enumerate() {
            if plan.cleared.contains(&index) {
                continue;
            }
            values.insert(
                format!(":m{index}"),
                AttributeValue::S(StreamHead::id_mark(id)),
            );
            remembered.push(format!("contains(#ri, :m{index})"));
        }
        let mut sets = vec!["#h = :next".to_owned(), "#sc = :scope".to_owned()];
        for (index, (slot, id_mark, hash_mark)) in
            StreamHead::slot_writes(base, &ids).into_iter().enumerate()
        {
            values.insert(format!(":s{index}"), AttributeValue::S(id_mark));
            values.insert(format!(":x{index}"), AttributeValue::S(hash_mark));
            sets.push(format!("#ri[{slot}] = :s{index}, #rh[{slot}] = :x{index}"));
        }
        // One NOT over ORs keeps the condition at 2 operators per event, well under DynamoDB's
        // 300 per expression for a batch of 99.
        let mut condition = "#h = :base AND (attribute_not_exists(#sc) OR #sc = :scope)".to_owned();
        if !remembered.is_empty() {
            condition.push_str(&format!(" AND NOT ({})", remembered.join(" OR ")));
        }
        let update = Update::builder()
            .table_name(self.table())
            .set_key(Some(head_item::key(request.stream_id())))
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(condition)
            .expression_attribute_names("#h", attributes::HEAD_VERSION)
            .expression_attribute_names("#ri", attributes::RECENT_IDS)
            .expression_attribute_names("#rh", attributes::RECENT_HASHES)
            .expression_attribute_names("#sc", attributes::DEDUPE_SCOPE)
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

    /// A put on condition its key is free (or, with `expired_before`, holds an item that
    /// expired before then: DynamoDB's TTL deletes late, and an expired item is gone).
    fn put_if_absent(
        &self,
        item: Item,
        key_attribute: &str,
        expired_before: Option<i64>,
    ) -> Result<TransactWriteItem, Error> {
        let mut put = Put::builder()
            .table_name(self.table())
            .set_item(Some(item))
            .expression_attribute_names("#k", key_attribute)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld);
        put = match expired_before {
            None => put.condition_expression("attribute_not_exists(#k)"),
            Some(now) => put
                .condition_expression("attribute_not_exists(#k) OR #x < :now")
                .expression_attribute_names("#x", attributes::EXPIRES_AT)
                .expression_attribute_values(":now", AttributeValue::N(now.to_string())),
        };
        let put = put.build().map_err(|e| {
            failure(
                FailureKind::InvalidRequest,
                "TransactWriteItems",
                e.to_string(),
            )
        })?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

fn conflict_error(request: &AppendRequest, actual: Version) -> Error {
    Error::Conflict {
        stream: request.stream_id().clone(),
        expected: request.expected(),
        actual,
    }
}
