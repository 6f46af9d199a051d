//! What a cancelled append finds, and the rule applied to it: each event id is known from its
//! guard or its own item (certain), from the stream head's window (to be confirmed when events
//! may have expired or a batch is only partly remembered), or not at all; what the window
//! remembers is confirmed from the stream's items where it must be; then
//! [`event_store_domain::judge`] decides: a retry, a reused id, a partly stored batch, a conflict,
//! or another plan (a head to create for a stream older than heads, expired marks to clear).

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_dynamodb::types::{AttributeValue, CancellationReason};
use chrono::Utc;
use event_store_domain::{
    judge, AppendRequest, Error, EventId, Prior, RecordedEvent, StoredAt, StreamHead, StreamId,
    Verdict, Version,
};

use crate::append::{HeadWrite, Plan, Prepared, PreparedEvent, Written};
use crate::event_item::{self, Item};
use crate::item_kind::ItemKind;
use crate::personal_values::erased_form_hash;
use crate::sdk_error::from_sdk;
use crate::transaction::{reason_of, Reason};
use crate::{attributes, guard_item, head_item, DynamoEventStore};

/// What is known of one event id before judging: from its guard or its own item (certain),
/// from the head's window (to be confirmed when events may have expired or a batch is only
/// partly remembered), or nothing.
#[derive(Debug, Clone)]
pub(crate) enum Found {
    Certain(Prior),
    Remembered(Prior),
    Unknown,
}

/// The order of actions in an append transaction: `head, events.., [guards..]`.
pub(crate) struct Layout {
    pub(crate) events: usize,
    pub(crate) guards: bool,
}

impl DynamoEventStore {
    /// What a transaction cancelled only by failed conditions found, judged.
    pub(crate) async fn interpret(
        &self,
        layout: &Layout,
        reasons: &[CancellationReason],
        request: &AppendRequest,
        prepared: &Prepared,
        plan: &Plan,
    ) -> Result<Written, Error> {
        let stream = request.stream_id();
        let base = plan.base;
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
        if let Some(head) = &head {
            self.check_scope_of(stream, head)?;
        }
        let now = Utc::now().timestamp();
        let mut found = Vec::with_capacity(layout.events);
        for (offset, event) in prepared.events.iter().enumerate() {
            let event_index = 1 + offset;
            let guard_index = 1 + layout.events + offset;
            let known = if layout.guards && failed(guard_index) {
                let stored = old(guard_index).ok_or_else(|| missing_old_item("guard"))?;
                let guard = guard_item::guarded(&event.id, stored)?;
                if guard.expires_at.is_some_and(|at| at < now) {
                    Found::Unknown
                } else {
                    let hash = match guard.hash {
                        Some(hash) => Some(hash),
                        // A guard written before the store kept hashes: its event says.
                        None => self
                            .get_event(&guard.at.stream_id, guard.at.version)
                            .await?
                            .map(|e| e.payload_hash),
                    };
                    match hash {
                        Some(hash) => Found::Certain(Prior {
                            at: guard.at,
                            same_content: event.is_same(&hash),
                        }),
                        None => Found::Unknown,
                    }
                }
            } else if failed(event_index) && holds_event(old(event_index), &event.id) {
                let stored = old(event_index).cloned().unwrap_or_default();
                let stored_hash = event_item::from_item(stored)?.payload_hash;
                Found::Certain(Prior {
                    at: StoredAt {
                        event_id: event.id.clone(),
                        stream_id: stream.clone(),
                        version: base.plus(offset as u64 + 1),
                    },
                    same_content: event.is_same(&stored_hash),
                })
            } else {
                match head.as_ref().and_then(|h| recent_prior(request, h, event)) {
                    Some(prior) => Found::Remembered(prior),
                    None => Found::Unknown,
                }
            };
            found.push(known);
        }
        let (priors, cleared) = self.confirm(request, prepared, found).await?;
        match judge(stream, &priors) {
            Verdict::Duplicate(outcome) => Ok(Written::Stored(outcome)),
            Verdict::Refused(error) => Err(error),
            Verdict::AllNew => match (plan.head, head) {
                // The head remembers marks of events that have expired: clear them and write.
                (HeadWrite::Advance, Some(head)) if head.version == base => {
                    let mut next = plan.clone();
                    next.cleared.extend(cleared);
                    if next.cleared.len() == plan.cleared.len() {
                        return Err(Error::Corrupt {
                            attribute: attributes::RECENT_IDS.into(),
                            reason: format!(
                                "the head of stream {stream} refuses ids it cannot show stored"
                            ),
                        });
                    }
                    Ok(Written::Again(next))
                }
                (_, Some(head)) => Ok(Written::Conflict(head.version)),
                // No head where one was expected: a stream written before heads existed gets one
                // at its last event's version.
                (HeadWrite::Advance, None) if failed(0) => {
                    let last = self.last_event_version(stream).await?;
                    if last == base && last > Version::NONE {
                        Ok(Written::Again(Plan::at(base, HeadWrite::Create)))
                    } else {
                        Ok(Written::Conflict(last))
                    }
                }
                // The head was free but a version was taken: a stream written before heads.
                _ => Ok(Written::Conflict(self.last_event_version(stream).await?)),
            },
        }
    }

    /// Makes what the head's window remembers certain where it must be: when events may have
    /// expired (retention is set) or when an append is only partly remembered (a batch longer
    /// than the window), the stream's items at the versions concerned are read (one query) and
    /// compared; an event of a forgotten subject found with other content is compared again as
    /// what is left after the forget. Returns the priors to judge and the events whose
    /// remembered marks belong to expired events (to clear from the head's condition).
    pub(crate) async fn confirm(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        found: Vec<Found>,
    ) -> Result<(Vec<Option<Prior>>, BTreeSet<usize>), Error> {
        let (mut priors, cleared) = self.confirm_remembered(request, prepared, found).await?;
        self.compare_after_a_forget(prepared, &mut priors).await?;
        Ok((priors, cleared))
    }

    /// [`DynamoEventStore::confirm`]'s reading of what the head's window remembers.
    async fn confirm_remembered(
        &self,
        request: &AppendRequest,
        prepared: &Prepared,
        found: Vec<Found>,
    ) -> Result<(Vec<Option<Prior>>, BTreeSet<usize>), Error> {
        let stream = request.stream_id();
        let remembered = found.iter().any(|f| matches!(f, Found::Remembered(_)));
        let partly = found.iter().any(|f| matches!(f, Found::Unknown))
            && found.iter().any(|f| !matches!(f, Found::Unknown));
        let may_expire = self.settings.event_ttl_days.is_some();
        if !(partly || (remembered && may_expire)) {
            let priors = found
                .into_iter()
                .map(|f| match f {
                    Found::Certain(prior) | Found::Remembered(prior) => Some(prior),
                    Found::Unknown => None,
                })
                .collect();
            return Ok((priors, BTreeSet::new()));
        }
        // Where each event would be if the append was stored as one batch: found ones place the
        // others (a batch takes consecutive versions).
        let anchor = found.iter().enumerate().find_map(|(index, f)| match f {
            Found::Certain(p) | Found::Remembered(p) if p.at.stream_id == *stream => {
                Some((index as u64, p.at.version.get()))
            }
            _ => None,
        });
        let wanted: Vec<Option<u64>> = found
            .iter()
            .enumerate()
            .map(|(index, f)| match (f, anchor) {
                (Found::Certain(_), _) => None,
                (Found::Remembered(p), _) => Some(p.at.version.get()),
                (Found::Unknown, Some((at, version))) => {
                    (version + index as u64).checked_sub(at).filter(|v| *v >= 1)
                }
                (Found::Unknown, None) => None,
            })
            .collect();
        let (low, high) = match (wanted.iter().flatten().min(), wanted.iter().flatten().max()) {
            (Some(low), Some(high)) => (*low, *high),
            _ => {
                let priors = found
                    .into_iter()
                    .map(|f| match f {
                        Found::Certain(p) | Found::Remembered(p) => Some(p),
                        Found::Unknown => None,
                    })
                    .collect();
                return Ok((priors, BTreeSet::new()));
            }
        };
        let stored = self
            .items_between(stream, Version::new(low), Version::new(high))
            .await?;
        let now = Utc::now().timestamp();
        let mut priors = Vec::with_capacity(found.len());
        let mut cleared = BTreeSet::new();
        for (index, (known, version)) in found.into_iter().zip(wanted).enumerate() {
            let event = &prepared.events[index];
            let there = version
                .and_then(|v| stored.get(&v))
                .filter(|(stored, expires_at)| {
                    stored.event_id == event.id && expires_at.is_none_or(|at| at >= now)
                });
            let prior = match (known, there) {
                (Found::Certain(prior), _) => Some(prior),
                (_, Some((stored, _))) => Some(Prior {
                    at: StoredAt {
                        event_id: event.id.clone(),
                        stream_id: stream.clone(),
                        version: stored.version,
                    },
                    same_content: event.is_same(&stored.payload_hash),
                }),
                (Found::Remembered(_), None) => {
                    cleared.insert(index);
                    None
                }
                (Found::Unknown, None) => None,
            };
            priors.push(prior);
        }
        Ok((priors, cleared))
    }

    /// For each event of a forgotten subject whose id is stored with other content by its hash:
    /// the stored copy, read as written (one `GetItem`), compared as what is left of both (its
    /// sealed values erased, against this event stored erased), so a copy redelivered after the
    /// forget of an event stored before it (a message redriven, an archive replayed) is the
    /// duplicate it is, never a failure that keeps the plaintext in a dead-letter queue.
    async fn compare_after_a_forget(
        &self,
        prepared: &Prepared,
        priors: &mut [Option<Prior>],
    ) -> Result<(), Error> {
        for (event, prior) in prepared.events.iter().zip(priors.iter_mut()) {
            let (Some(subject), Some(prior)) = (&event.forgotten_subject, prior.as_mut()) else {
                continue;
            };
            if prior.same_content {
                continue;
            }
            let stored = self
                .client
                .get_item()
                .table_name(self.table())
                .key(
                    attributes::STREAM_ID,
                    AttributeValue::S(prior.at.stream_id.to_string()),
                )
                .key(
                    attributes::VERSION,
                    AttributeValue::N(prior.at.version.to_string()),
                )
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| from_sdk("GetItem", e))?
                .item
                .filter(|item| holds_event(Some(item), &event.id))
                .map(event_item::from_item)
                .transpose()?;
            prior.same_content = stored
                .and_then(|stored| erased_form_hash(&stored, subject))
                .is_some_and(|left| event.is_same(&left));
        }
        Ok(())
    }

    /// The events of `stream` from `low` to `high`, by version, with their expiry: one strongly
    /// consistent query.
    async fn items_between(
        &self,
        stream: &StreamId,
        low: Version,
        high: Version,
    ) -> Result<BTreeMap<u64, (RecordedEvent, Option<i64>)>, Error> {
        let mut found = BTreeMap::new();
        let mut start = None;
        loop {
            let output = self
                .partition_query(stream)
                .key_condition_expression("#s = :s AND #v BETWEEN :low AND :high")
                .expression_attribute_names("#v", attributes::VERSION)
                .expression_attribute_values(":low", AttributeValue::N(low.to_string()))
                .expression_attribute_values(":high", AttributeValue::N(high.to_string()))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|e| from_sdk("Query", e))?;
            for item in output.items.unwrap_or_default() {
                if ItemKind::of(&item) == ItemKind::Event {
                    let expires_at = event_item::expires_at(&item);
                    let event = event_item::from_item(item)?;
                    found.insert(event.version.get(), (event, expires_at));
                }
            }
            start = output.last_evaluated_key;
            if start.is_none() {
                return Ok(found);
            }
        }
    }
}

/// Where the head remembers `event` of `request`'s stream.
pub(crate) fn recent_prior(
    request: &AppendRequest,
    head: &StreamHead,
    event: &PreparedEvent,
) -> Option<Prior> {
    head.recent(&event.id, &event.hashes()).map(|recent| Prior {
        at: StoredAt {
            event_id: event.id.clone(),
            stream_id: request.stream_id().clone(),
            version: recent.version,
        },
        same_content: recent.same_content,
    })
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
