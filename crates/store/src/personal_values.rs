//! Personal values in the store: sealed on append under their subject's key (the event's payload
//! hash keyed by that key over the plaintext, so a retry still dedupes and the hash confirms no
//! guess once the key is gone), opened at every reader's edge (the plaintext, or [`ERASED`] once
//! the subject is forgotten), and `forget` itself.
//!
//! Reducers, read models and snapshots fold the sealed values as they are stored: what they copy
//! stays sealed, so a forget reaches them too without a rebuild.

use std::collections::{BTreeSet, HashMap};

use event_store_domain::{
    check_subject, erasure_stream, open_sealed, sealed_keys, AppendOutcome, AppendRequest, Error,
    EventId, EventType, ExpectedVersion, Metadata, NewEvent, PayloadHash, RecordedEvent,
    SealingPlan, StreamId, ERASED, SUBJECT_FORGOTTEN,
};
use serde_json::{json, Value};

use crate::subject_keys::{SubjectKeys, WritingKey};
use crate::DynamoEventStore;

/// The settings that name the keys table and KMS key, for errors about their absence.
pub const KEYS_TABLE: &str = "KEYS_TABLE";
/// The KMS key that wraps subjects' keys (an id, ARN or alias).
pub const PERSONAL_DATA_KEY: &str = "PERSONAL_DATA_KEY";

/// What a forget did.
#[derive(Debug, Clone, PartialEq)]
pub struct Forgotten {
    /// The subject.
    pub subject_id: String,
    /// How many of their keys were forgotten now (0 when they already were, or had none).
    pub keys_forgotten: usize,
    /// Where the forget is recorded (`erasure-<subject>`), and whether it was recorded before.
    pub recorded: AppendOutcome,
}

/// The sealing keys of an append, by subject.
pub(crate) type SealingKeys = HashMap<String, WritingKey>;

/// The plain hash of `stored` with every sealed value in it read erased: what is left of an
/// event stored before its subject `subject` was forgotten, to compare with a copy arriving
/// after (stored erased, and hashed so). `None` when it holds a value of another subject (never
/// the same event as one of `subject`'s).
pub(crate) fn erased_form_hash(stored: &RecordedEvent, subject: &str) -> Option<PayloadHash> {
    let mut data = stored.data.clone();
    let mut foreign = false;
    open_sealed(&mut data, &mut |sealed| {
        foreign |= sealed.subject != subject;
        json!(ERASED)
    });
    (!foreign).then(|| PayloadHash::of(&stored.event_type, stored.aggregate_type.as_ref(), &data))
}

/// The payload hash to store with `event`, whose personal values `key` sealed into `stored`, and
/// the other hashes its content may already be stored with.
///
/// Under a live key it is the key's HMAC of the plaintext's canonical text: the same for a
/// retry, meaningless without the key, so once the subject is forgotten nobody can confirm a
/// guessed value by it. Also the same content: the hashes under the subject's other live keys
/// (a retry sealed under a newer key than the stored event) and the plain hash (an event stored
/// before hashes were keyed). A forgotten subject's event is stored erased and hashed as stored;
/// its plain hash still recognizes an event stored before keyed hashes, and one stored sealed
/// under a key since forgotten is compared as what is left of both ([`erased_form_hash`]).
pub(crate) fn sealed_hashes(
    event: &NewEvent,
    key: &WritingKey,
    stored: &RecordedEvent,
) -> (PayloadHash, Vec<PayloadHash>) {
    let plain = event.payload_hash();
    match key {
        WritingKey::Live { newest, others } => {
            let canonical = PayloadHash::canonical(
                &event.event_type,
                event.aggregate_type.as_ref(),
                &event.data,
            );
            let also = others
                .iter()
                .map(|other| other.payload_hash(&canonical))
                .chain([plain])
                .collect();
            (newest.payload_hash(&canonical), also)
        }
        WritingKey::Forgotten => (
            PayloadHash::of(
                &stored.event_type,
                stored.aggregate_type.as_ref(),
                &stored.data,
            ),
            vec![plain],
        ),
    }
}

impl DynamoEventStore {
    /// The same store, sealing personal values (as the catalogue declares them) under keys of
    /// `keys`.
    pub fn with_subject_keys(mut self, keys: SubjectKeys) -> Self {
        self.subject_keys = Some(keys);
        self
    }

    /// The subjects' keys, when configured.
    pub fn subject_keys(&self) -> Option<&SubjectKeys> {
        self.subject_keys.as_ref()
    }

    fn keys_or_refuse(&self, field: &str) -> Result<&SubjectKeys, Error> {
        self.subject_keys.as_ref().ok_or_else(|| {
            Error::validation(
                field,
                format!("this store holds personal data but has no keys: set {KEYS_TABLE} and {PERSONAL_DATA_KEY}"),
            )
        })
    }

    /// The keys an append's plans need (none, and no request, when it holds no personal data).
    pub(crate) async fn sealing_keys(
        &self,
        plans: &[Option<SealingPlan>],
    ) -> Result<SealingKeys, Error> {
        let subjects: BTreeSet<String> =
            plans.iter().flatten().map(|p| p.subject.clone()).collect();
        if subjects.is_empty() {
            return Ok(HashMap::new());
        }
        self.keys_or_refuse("events")?
            .keys_for_writing(&subjects)
            .await
    }

    /// Opens every sealed value in `values` (events' data, states, read model documents, whole
    /// answers): one `BatchGetItem` of their keys, none when nothing is sealed.
    pub async fn reveal(&self, values: &mut [&mut Value]) -> Result<(), Error> {
        let mut wanted = BTreeSet::new();
        for value in values.iter() {
            sealed_keys(value, &mut wanted);
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let live = self
            .keys_or_refuse(event_store_domain::SEALED)?
            .keys_for_reading(&wanted)
            .await?;
        for value in values.iter_mut() {
            open_sealed(value, &mut |sealed| {
                match live
                .get(&(sealed.subject.clone(), sealed.key.clone()))
            {
                None => json!(ERASED),
                // Not sealed by that key (altered, or copied from elsewhere): nothing to show,
                // and no reason to fail the rest of the answer.
                Some(key) => key.open(sealed).unwrap_or_else(|error| {
                    tracing::warn!(%error, subject = %sealed.subject, key = %sealed.key, "a sealed value does not open under its key: read as erased");
                    json!(ERASED)
                }),
            }
            });
        }
        Ok(())
    }

    /// [`DynamoEventStore::reveal`] over what is about to be published: a change notice or a
    /// republished event carries the plaintext while its subject is known, `[erased]` after.
    pub async fn reveal_publications(
        &self,
        publications: &mut [event_store_domain::Publication],
    ) -> Result<(), Error> {
        let mut details: Vec<&mut Value> = publications.iter_mut().map(|p| &mut p.detail).collect();
        self.reveal(&mut details).await
    }

    /// [`DynamoEventStore::reveal`] over events' data.
    pub async fn reveal_events(&self, events: &mut [RecordedEvent]) -> Result<(), Error> {
        let mut data: Vec<&mut Value> = events.iter_mut().map(|e| &mut e.data).collect();
        self.reveal(&mut data).await
    }

    /// Forgets `subject`: from when it returns, no read of this store returns a value sealed
    /// under their keys (each reads [`ERASED`]), wherever it was copied, and what is appended of
    /// them after is stored erased. First the subject is marked forgotten: from then on readers
    /// take every value of theirs for erased and no writer makes them a key again. Then their
    /// keys are removed, and the forget recorded, as a `SubjectForgotten` event in stream
    /// `erasure-<subject>` whose id and data are derived from the subject's key ids (fixed once
    /// the mark is there), so a retry after a lost answer records it once. A forget that fails
    /// part way has taken effect from its first step, and is finished by asking again.
    pub async fn forget(&self, subject: &str, by: Option<&str>) -> Result<Forgotten, Error> {
        check_subject("subjectId", subject)?;
        let stream = StreamId::new(erasure_stream(subject))?;
        let keys = self.keys_or_refuse("subjectId")?;
        keys.mark_forgotten(subject).await?;
        // Every key the subject ever had: none is made after the mark, so a retry records the
        // same event.
        let key_ids = keys.key_ids(subject).await?;
        let keys_forgotten = keys.forget_keys(subject, &key_ids).await?;
        let id = uuid::Uuid::new_v5(
            &uuid::Uuid::NAMESPACE_OID,
            format!("event-store/forget\n{subject}\n{}", key_ids.join(",")).as_bytes(),
        );
        let event = NewEvent::new(
            EventType::new(SUBJECT_FORGOTTEN).expect("a valid event type"),
            json!({"subjectId": subject, "keyIds": key_ids}),
        )
        .with_id(EventId::new(id.to_string())?)
        .with_metadata(Metadata {
            user_id: by.map(str::to_owned),
            ..Metadata::default()
        });
        let recorded = self
            .append_as_store(&AppendRequest::new(
                stream,
                ExpectedVersion::Any,
                vec![event],
            )?)
            .await?;
        Ok(Forgotten {
            subject_id: subject.to_owned(),
            keys_forgotten,
            recorded,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sealing::DataKey;

    fn stored(data: Value) -> RecordedEvent {
        let event = NewEvent::new(EventType::new("CustomerRegistered").unwrap(), data);
        RecordedEvent::record(
            StreamId::new("customer-1").unwrap(),
            event_store_domain::Version::new(1),
            event,
            chrono::Utc::now(),
        )
    }

    #[test]
    fn what_is_left_after_a_forget_is_the_event_with_its_subjects_values_erased() {
        let key = DataKey::new("k-1".into(), &[7; 32]).unwrap();
        let sealed = key.seal("c-1", &json!("Ada")).unwrap().to_value();
        let before = stored(json!({"customerId": "c-1", "name": sealed, "plan": "gold"}));
        let after = stored(json!({"customerId": "c-1", "name": ERASED, "plan": "gold"}));
        assert_eq!(
            erased_form_hash(&before, "c-1"),
            Some(PayloadHash::of(&after.event_type, None, &after.data))
        );
        let other_plan = stored(json!({"customerId": "c-1", "name": ERASED, "plan": "silver"}));
        assert_ne!(
            erased_form_hash(&before, "c-1"),
            Some(PayloadHash::of(
                &other_plan.event_type,
                None,
                &other_plan.data
            ))
        );
        // A value of another subject: never the same event as one of c-1's.
        assert_eq!(erased_form_hash(&before, "c-2"), None);
    }
}
