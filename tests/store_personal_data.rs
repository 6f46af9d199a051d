//! Crypto-shredding against the local endpoint (DynamoDB and KMS): personal values are stored
//! sealed under their subject's key, the payload hash is keyed by it (a retry still dedupes, under
//! any of the subject's keys and across processes, wherever hashes are compared, a reused id is
//! still caught, an event hashed in the clear before is still recognized, a copy redelivered
//! after a forget is a duplicate, and no guess can be confirmed by it), every read opens them until the subject is forgotten
//! and `[erased]` after, wherever they were copied (states, snapshots), with the rest of each
//! event intact; a forget is recorded once however often it is asked, and is for good (what comes
//! after is stored erased, even from a writer that read no key just before it); a KMS outage is
//! an error, never a value stored clear or read erased; two writers meeting a new subject at once
//! are both forgotten. Requests are counted.

use aws_sdk_dynamodb::types::AttributeValue;
use event_store_domain::{
    AppendOutcome, AppendRequest, DedupeScope, Error, EventCatalog, ExpectedVersion,
    JsonMergeReducer, NewEvent, StreamId, Version, ERASED, SUBJECT_FORGOTTEN,
};
use event_store_dynamodb::SubjectKeys;
use event_store_tests::fault_proxy::{Fault, FaultProxy};
use event_store_tests::{
    endpoint, event, fixture, fresh_stream, local_store_with_personal_data,
    local_store_with_personal_data_and, LocalStore,
};
use serde_json::{json, Value};

fn registered(customer: &str, name: &str) -> NewEvent {
    event(
        "CustomerRegistered",
        json!({
            "customerId": customer,
            "name": name,
            "email": format!("{customer}@example.com"),
            "address": {"city": "London", "street": "12 St James's Square"},
            "plan": "gold",
        }),
    )
}

fn contact_changed(customer: &str, phone: &str) -> NewEvent {
    event(
        "CustomerContactChanged",
        json!({"customerId": customer, "email": format!("new-{customer}@example.com"), "phone": phone}),
    )
}

fn append_of(stream: &StreamId, events: Vec<NewEvent>) -> AppendRequest {
    AppendRequest::new(stream.clone(), ExpectedVersion::Any, events).unwrap()
}

/// Appends `events` to `stream`, wherever it is.
async fn append(local: &LocalStore, stream: &StreamId, events: Vec<NewEvent>) -> AppendOutcome {
    local
        .store
        .append(&append_of(stream, events))
        .await
        .expect("appended")
}

fn fresh_customer() -> String {
    format!("customer-{}", uuid::Uuid::new_v4().simple())
}

/// Every item of the test's events table, as text.
async fn stored_items(local: &LocalStore) -> String {
    let items = local
        .client
        .scan()
        .table_name(local.store.table())
        .send()
        .await
        .expect("scan")
        .items
        .unwrap_or_default();
    format!("{items:?}")
}

async fn revealed(local: &LocalStore, stream: &StreamId) -> Vec<Value> {
    let mut events = local.all_events(stream).await;
    local
        .store
        .reveal_events(&mut events)
        .await
        .expect("revealed");
    events.into_iter().map(|e| e.data).collect()
}

#[tokio::test]
async fn personal_values_are_stored_sealed_and_read_back_whole() {
    let local = local_store_with_personal_data().await;
    let customer = fresh_customer();
    let stream = fresh_stream("customer");
    local
        .store
        .append(&append_of(
            &stream,
            vec![
                registered(&customer, "Ada Lovelace"),
                contact_changed(&customer, "+44 20 7946 0000"),
            ],
        ))
        .await
        .unwrap();

    let stored = stored_items(&local).await;
    for plaintext in ["Ada Lovelace", "@example.com", "St James", "London", "7946"] {
        assert!(
            !stored.contains(plaintext),
            "{plaintext} is stored in the clear"
        );
    }
    assert!(stored.contains("gold"), "what is not personal stays clear");

    let events = local.all_events(&stream).await;
    let sealed = &events[0].data["name"];
    assert_eq!(sealed["$sealed"]["subject"], json!(customer), "{sealed}");
    assert_eq!(events[0].data["customerId"], json!(customer));

    let data = revealed(&local, &stream).await;
    assert_eq!(data[0]["name"], json!("Ada Lovelace"));
    assert_eq!(data[0]["address"]["street"], json!("12 St James's Square"));
    assert_eq!(data[0]["plan"], json!("gold"));
    assert_eq!(data[1]["phone"], json!("+44 20 7946 0000"));
}

#[tokio::test]
async fn a_retry_dedupes_and_a_reused_id_is_caught_though_each_sealing_differs() {
    let local = local_store_with_personal_data().await;
    let customer = fresh_customer();
    let stream = fresh_stream("customer");
    let first = registered(&customer, "Ada Lovelace");
    let request = append_of(&stream, vec![first.clone()]);
    let stored = local.store.append(&request).await.unwrap();
    assert!(!stored.duplicate);

    // The retry after a lost answer: the same plaintext, sealed again under a fresh nonce.
    let retried = local.store.append(&request).await.unwrap();
    assert!(retried.duplicate, "a retry is answered as already stored");
    assert_eq!(retried.versions, stored.versions);
    assert_eq!(local.all_events(&stream).await.len(), 1);

    // Another producer's event under the same id, with other personal values.
    let mut other = registered(&customer, "Charles Babbage");
    other.event_id = first.event_id.clone();
    let error = local
        .store
        .append(&append_of(&stream, vec![other]))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::IdReused(_)), "{error:?}");
}

/// The hash `stream`'s event at `version` is stored with.
async fn stored_hash(local: &LocalStore, stream: &StreamId, version: usize) -> String {
    local.all_events(stream).await[version - 1]
        .payload_hash
        .as_str()
        .to_owned()
}

#[tokio::test]
async fn the_payload_hash_of_a_sealed_event_confirms_no_guess_before_or_after_a_forget() {
    let local = local_store_with_personal_data().await;
    let ada = fresh_customer();
    let stream = fresh_stream("customer");
    let written = registered(&ada, "Ada Lovelace");
    append(&local, &stream, vec![written.clone()]).await;
    let hash = stored_hash(&local, &stream, 1).await;
    // The right guess of every value, hashed as anyone could without the key.
    let guessed = written.payload_hash();
    assert_ne!(hash, guessed.as_str(), "the stored hash is keyed");
    // Neither whole (event, guard) nor as the head window's 16-digit mark.
    let mark = guessed.prefix(16);
    assert!(!stored_items(&local).await.contains(mark));

    local.store.forget(&ada, None).await.unwrap();
    assert_eq!(
        stored_hash(&local, &stream, 1).await,
        hash,
        "the hash stays"
    );
    assert!(!stored_items(&local).await.contains(mark));

    // An event holding nothing personal keeps the plain hash README shows how to recompute.
    let plain_stream = fresh_stream("account");
    let plain = event("TransactionProcessed", json!({"amount": 80}));
    append(&local, &plain_stream, vec![plain.clone()]).await;
    assert_eq!(
        stored_hash(&local, &plain_stream, 1).await,
        plain.payload_hash().as_str()
    );
}

#[tokio::test]
async fn a_retry_from_another_process_dedupes_by_the_keyed_hash() {
    let local = local_store_with_personal_data().await;
    let stream = fresh_stream("customer");
    let request = append_of(&stream, vec![registered(&fresh_customer(), "Ada Lovelace")]);
    let stored = local.store.append(&request).await.unwrap();
    let retried = local_store_reading(&local).append(&request).await.unwrap();
    assert!(
        retried.duplicate,
        "the same key unwrapped anew hashes the same"
    );
    assert_eq!(retried.versions, stored.versions);
    assert_eq!(local.all_events(&stream).await.len(), 1);
}

/// A store for each place a retry's hash is compared with the stored event's, and whether its
/// appends name their expected version: the head's window (`Any`, read before writing), the
/// idempotency guard (a known version, the store-wide scope), the event's own item (a known
/// version, the stream scope), and the window confirmed from the stream (`Any`, events that
/// may expire).
async fn retry_paths() -> Vec<(&'static str, LocalStore, bool)> {
    vec![
        (
            "the head's window",
            local_store_with_personal_data().await,
            false,
        ),
        ("the guard", local_store_with_personal_data().await, true),
        (
            "the event's item",
            local_store_with_personal_data_and(|s| s.dedupe_scope = DedupeScope::Stream).await,
            true,
        ),
        (
            "the window confirmed from the stream",
            local_store_with_personal_data_and(|s| s.event_ttl_days = Some(30)).await,
            false,
        ),
    ]
}

/// An append of `events` to `stream`, at version `at` when `known`, else at its end.
fn append_at(stream: &StreamId, at: u64, known: bool, events: Vec<NewEvent>) -> AppendRequest {
    let expected = match (known, at) {
        (false, _) => ExpectedVersion::Any,
        (true, 0) => ExpectedVersion::NoStream,
        (true, at) => ExpectedVersion::Exact(Version::new(at)),
    };
    AppendRequest::new(stream.clone(), expected, events).unwrap()
}

/// Stores a second live key for `subject`, newer than every key they have: what two writers
/// that met the new subject at once leave (the local endpoint answers one request at a time, so
/// the race is set up rather than run). Returns its id.
async fn a_newer_key(local: &LocalStore, subject: &str) -> String {
    let kms = event_store_tests::metered_kms(&local.meter).await;
    let generated = kms
        .generate_data_key()
        .key_id(event_store_tests::TEST_PERSONAL_DATA_KEY)
        .key_spec(aws_sdk_kms::types::DataKeySpec::Aes256)
        .encryption_context("eventStoreSubject", subject)
        .send()
        .await
        .expect("a data key");
    let key_id = uuid::Uuid::now_v7().to_string();
    local
        .client
        .put_item()
        .table_name(local.store.subject_keys().expect("keys").table())
        .item("subjectId", AttributeValue::S(subject.to_owned()))
        .item("keyId", AttributeValue::S(key_id.clone()))
        .item(
            "wrappedKey",
            AttributeValue::B(
                generated
                    .ciphertext_blob
                    .expect("wrapped")
                    .into_inner()
                    .into(),
            ),
        )
        .item(
            "createdAt",
            AttributeValue::S("2026-12-03T00:00:00.000Z".into()),
        )
        .send()
        .await
        .expect("the key's item");
    key_id
}

#[tokio::test]
async fn a_retry_sealed_under_a_newer_key_of_the_subject_is_still_the_event_stored() {
    for (path, local, known) in retry_paths().await {
        let ada = fresh_customer();
        let stream = fresh_stream("customer");
        let first = registered(&ada, "Ada Lovelace");
        let request = append_at(&stream, 0, known, vec![first.clone()]);
        let stored = local.store.append(&request).await.unwrap();
        let newer = a_newer_key(&local, &ada).await;

        let retried = local.store.append(&request).await;
        assert!(
            retried
                .as_ref()
                .is_ok_and(|r| r.duplicate && r.versions == stored.versions),
            "{path}: the hash under the older key is its content too: {retried:?}"
        );
        let mut other = registered(&ada, "Charles Babbage");
        other.event_id = first.event_id.clone();
        let error = local
            .store
            .append(&append_at(&stream, 0, known, vec![other]))
            .await
            .unwrap_err();
        assert!(matches!(error, Error::IdReused(_)), "{path}: {error:?}");

        // What comes next is sealed under the newest key, and reads back.
        let next = append_at(&stream, 1, known, vec![contact_changed(&ada, "+44 2")]);
        local.store.append(&next).await.unwrap();
        let events = local.all_events(&stream).await;
        assert_eq!(events.len(), 2, "{path}");
        assert_eq!(events[1].data["phone"]["$sealed"]["key"], json!(newer));
        assert_eq!(revealed(&local, &stream).await[1]["phone"], json!("+44 2"));
    }
}

/// Rewrites the hash of `stream`'s first event, `written`, as an earlier release stored it (the
/// plain SHA-256): on the event, in the head's window and on its guard (when there is one).
async fn hashed_in_the_clear(local: &LocalStore, stream: &StreamId, written: &NewEvent) {
    let plain = written.payload_hash();
    let key = |partition: String, version: &str| {
        std::collections::HashMap::from([
            ("streamId".to_owned(), AttributeValue::S(partition)),
            ("version".to_owned(), AttributeValue::N(version.to_owned())),
        ])
    };
    let head = event_store_dynamodb::head_item::HEAD_SORT_KEY;
    let guard = format!("$event#{}", written.event_id);
    for (item, expression, value) in [
        (
            key(stream.to_string(), "1"),
            "SET payloadHash = :h",
            plain.to_string(),
        ),
        (
            key(stream.to_string(), head),
            "SET recentHashes[1] = :h",
            event_store_domain::StreamHead::hash_mark(&plain),
        ),
        (key(guard, "0"), "SET payloadHash = :h", plain.to_string()),
    ] {
        let updated = local
            .client
            .update_item()
            .table_name(local.store.table())
            .set_key(Some(item))
            .update_expression(expression)
            .condition_expression("attribute_exists(streamId)")
            .expression_attribute_values(":h", AttributeValue::S(value))
            .send()
            .await;
        // A store deduping per stream has no guard.
        if let Err(error) = updated {
            assert!(
                error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()),
                "{error:?}"
            );
        }
    }
    assert_eq!(stored_hash(local, stream, 1).await, plain.as_str());
}

#[tokio::test]
async fn an_event_hashed_in_the_clear_before_hashes_were_keyed_is_still_its_own_retry() {
    for (path, local, known) in retry_paths().await {
        let stream = fresh_stream("customer");
        let written = registered(&fresh_customer(), "Ada Lovelace");
        let request = append_at(&stream, 0, known, vec![written.clone()]);
        let stored = local.store.append(&request).await.unwrap();
        hashed_in_the_clear(&local, &stream, &written).await;

        let retried = local.store.append(&request).await;
        assert!(
            retried
                .as_ref()
                .is_ok_and(|r| r.duplicate && r.versions == stored.versions),
            "{path}: the plain hash is still its content: {retried:?}"
        );
        assert_eq!(local.all_events(&stream).await.len(), 1, "{path}");
    }
}

#[tokio::test]
async fn a_copy_redelivered_after_a_forget_of_an_event_stored_before_it_is_a_duplicate() {
    for (path, local, known) in retry_paths().await {
        let ada = fresh_customer();
        let stream = fresh_stream("customer");
        let written = registered(&ada, "Ada Lovelace");
        let before = append_at(&stream, 0, known, vec![written.clone()]);
        let stored = local.store.append(&before).await.unwrap();
        local.store.forget(&ada, None).await.unwrap();

        // A message redriven from a dead-letter queue, an archive replayed: what is left of both
        // copies (everything but the erased values) is the same.
        let retried = local.store.append(&before).await;
        assert!(
            retried
                .as_ref()
                .is_ok_and(|r| r.duplicate && r.versions == stored.versions),
            "{path}: {retried:?}"
        );
        // Another content under the id is still another event: a value that is not personal
        // changed, or a personal field there in one copy and not in the other.
        let mut other_plan = written.clone();
        other_plan.data["plan"] = json!("silver");
        let mut without_email = written.clone();
        without_email.data.as_object_mut().unwrap().remove("email");
        for (other, what) in [(other_plan, "another plan"), (without_email, "no email")] {
            let error = local
                .store
                .append(&append_at(&stream, 0, known, vec![other]))
                .await
                .unwrap_err();
            assert!(
                matches!(&error, Error::IdReused(at) if at.version.get() == 1),
                "{path}, {what}: {error:?}"
            );
        }
        // Once forgotten, personal values can no longer be compared: a copy differing only in
        // one (another name) is what is left of the event stored, and so a duplicate.
        let mut renamed = written.clone();
        renamed.data["name"] = json!("Ada King");
        let retried = local
            .store
            .append(&append_at(&stream, 0, known, vec![renamed]))
            .await;
        assert!(
            retried.as_ref().is_ok_and(|r| r.duplicate),
            "{path}, another name: {retried:?}"
        );
        // What arrives after the forget is stored erased, and its retry is a duplicate.
        let after = append_at(&stream, 1, known, vec![contact_changed(&ada, "+44 3")]);
        let stored = local.store.append(&after).await.unwrap();
        let retried = local.store.append(&after).await.unwrap();
        assert!(retried.duplicate, "{path}");
        assert_eq!(retried.versions, stored.versions);
        assert_eq!(local.all_events(&stream).await.len(), 2, "{path}");
    }
}

/// The fixture's event types with `CustomerRegistered`'s personal fields set to `fields`
/// (`None`: the type declares no personal data).
fn catalog_with_registered_fields(fields: Option<&[&str]>) -> EventCatalog {
    let mut types = fixture("event-types.json");
    let registered = &mut types["eventTypes"]["CustomerRegistered"];
    match fields {
        Some(fields) => registered["personalData"]["fields"] = json!(fields),
        None => {
            registered.as_object_mut().unwrap().remove("personalData");
        }
    }
    EventCatalog::from_json(&types.to_string()).expect("a valid event types file")
}

#[tokio::test]
async fn a_retry_across_a_change_of_personal_data_rule_is_a_duplicate_unless_the_rule_is_gone() {
    let local = local_store_with_personal_data().await;
    let without_rule = local
        .store
        .clone()
        .with_catalog(catalog_with_registered_fields(None));
    let narrowed = local
        .store
        .clone()
        .with_catalog(catalog_with_registered_fields(Some(&["/name", "/email"])));

    // Stored in the clear before the rule, retried under it: its plain hash is its content.
    let stream = fresh_stream("customer");
    let request = append_of(&stream, vec![registered(&fresh_customer(), "Ada Lovelace")]);
    let stored = without_rule.append(&request).await.unwrap();
    let retried = local.store.append(&request).await.unwrap();
    assert!(retried.duplicate, "{retried:?}");
    assert_eq!(retried.versions, stored.versions);

    // Stored sealed, retried under a rule that seals fewer of its fields: the hash is keyed by
    // the subject's key over the plaintext, whatever is sealed, so it is the event stored.
    let stream = fresh_stream("customer");
    let request = append_of(&stream, vec![registered(&fresh_customer(), "Ada Lovelace")]);
    let stored = local.store.append(&request).await.unwrap();
    let retried = narrowed.append(&request).await.unwrap();
    assert!(retried.duplicate, "{retried:?}");
    assert_eq!(retried.versions, stored.versions);
    // And the other way: stored under the narrowed rule, retried under the wider one.
    let widened = append_of(
        &fresh_stream("customer"),
        vec![registered(&fresh_customer(), "Ada Lovelace")],
    );
    let stored_narrow = narrowed.append(&widened).await.unwrap();
    let retried = local.store.append(&widened).await.unwrap();
    assert!(retried.duplicate, "{retried:?}");
    assert_eq!(retried.versions, stored_narrow.versions);
    // Retried once the type declares no personal data: its hash is the plain one only, so it
    // is refused as another event, never stored twice.
    let error = without_rule.append(&request).await.unwrap_err();
    assert!(
        matches!(&error, Error::IdReused(at) if at.version.get() == 1),
        "{error:?}"
    );
    assert_eq!(local.all_events(&stream).await.len(), 1);
}

#[tokio::test]
async fn a_forgotten_subject_reads_erased_everywhere_and_nothing_else_changes() {
    let local = local_store_with_personal_data().await;
    let ada = fresh_customer();
    let charles = fresh_customer();
    let stream = fresh_stream("customer");
    local
        .store
        .append(&append_of(
            &stream,
            vec![
                registered(&ada, "Ada Lovelace"),
                registered(&charles, "Charles Babbage"),
                contact_changed(&ada, "+44 20 7946 0000"),
            ],
        ))
        .await
        .unwrap();
    // A snapshot taken before the forget copies the sealed values, not the plaintext.
    local.snapshot_at(&stream, 2).await;

    let forgotten = local
        .store
        .forget(&ada, Some("dpo@example.com"))
        .await
        .unwrap();
    assert_eq!(forgotten.keys_forgotten, 1);
    assert!(!forgotten.recorded.duplicate);

    let data = revealed(&local, &stream).await;
    assert_eq!(data[0]["name"], json!(ERASED));
    assert_eq!(data[0]["email"], json!(ERASED));
    assert_eq!(data[0]["address"], json!(ERASED));
    assert_eq!(data[0]["customerId"], json!(ada), "the subject id stays");
    assert_eq!(data[0]["plan"], json!("gold"), "the rest is intact");
    assert_eq!(
        data[1]["name"],
        json!("Charles Babbage"),
        "another subject is kept"
    );
    assert_eq!(data[2]["phone"], json!(ERASED));

    let mut by_version = local
        .store
        .get_event(&stream, event_store_domain::Version::new(1))
        .await
        .unwrap()
        .expect("stored");
    local
        .store
        .reveal_events(std::slice::from_mut(&mut by_version))
        .await
        .unwrap();
    assert_eq!(by_version.data["name"], json!(ERASED));

    // State from the snapshot taken before the forget, and folded anew from the events.
    let mut state = local
        .store
        .load_state(&stream, &JsonMergeReducer)
        .await
        .unwrap();
    assert_eq!(state.snapshot_version.map(|v| v.get()), Some(2));
    local.store.reveal(&mut [&mut state.state]).await.unwrap();
    assert_eq!(state.state["email"], json!(ERASED), "{}", state.state);
    assert_eq!(state.state["phone"], json!(ERASED));
    assert_eq!(state.state["plan"], json!("gold"));
    let stored = stored_items(&local).await;
    assert!(!stored.contains("Ada Lovelace") && !stored.contains("Charles Babbage"));

    // The forget is an event of its own, by whom it was asked.
    let record = local
        .all_events(&StreamId::new(format!("erasure-{ada}")).unwrap())
        .await;
    assert_eq!(record.len(), 1);
    assert_eq!(record[0].event_type.as_str(), SUBJECT_FORGOTTEN);
    assert_eq!(record[0].data["subjectId"], json!(ada));
    assert_eq!(
        record[0].metadata.user_id.as_deref(),
        Some("dpo@example.com")
    );
}

#[tokio::test]
async fn a_forget_asked_again_is_recorded_once_and_what_comes_after_is_stored_erased() {
    let local = local_store_with_personal_data().await;
    let ada = fresh_customer();
    let stream = fresh_stream("customer");
    append(&local, &stream, vec![registered(&ada, "Ada Lovelace")]).await;
    let first = local.store.forget(&ada, None).await.unwrap();
    // The retry after a lost answer: the keys are gone already.
    let again = local.store.forget(&ada, None).await.unwrap();
    assert_eq!(again.keys_forgotten, 0);
    assert!(again.recorded.duplicate, "recorded once");
    assert_eq!(again.recorded.versions, first.recorded.versions);

    // What arrives of them after the forget (a late follow-up, a redriven message, a replayed
    // archive) is stored erased: no new key brings their data back.
    append(&local, &stream, vec![contact_changed(&ada, "+44 1")]).await;
    assert_eq!(revealed(&local, &stream).await[1]["phone"], json!(ERASED));
    assert!(!stored_items(&local).await.contains("+44 1"));
    let items = key_items(&local, &ada).await;
    assert_eq!(
        items.len(),
        2,
        "the mark and the one key, no new key: {items:?}"
    );
    assert_eq!(items[0], "~forgotten");
    // Asked a third time: still the one record.
    let third = local.store.forget(&ada, None).await.unwrap();
    assert!(third.recorded.duplicate);
}

#[tokio::test]
async fn a_subject_forgotten_before_their_first_event_never_gets_a_key() {
    let local = local_store_with_personal_data().await;
    let grace = fresh_customer();
    let stream = fresh_stream("customer");
    let forgotten = local
        .store
        .forget(&grace, Some("dpo@example.com"))
        .await
        .unwrap();
    assert_eq!(forgotten.keys_forgotten, 0);
    append(&local, &stream, vec![registered(&grace, "Grace Hopper")]).await;
    let data = revealed(&local, &stream).await;
    assert_eq!(data[0]["name"], json!(ERASED));
    assert_eq!(data[0]["plan"], json!("gold"));
    assert!(!stored_items(&local).await.contains("Grace Hopper"));
    assert_eq!(key_items(&local, &grace).await, ["~forgotten"]);
}

#[tokio::test]
async fn a_first_key_meeting_a_forget_that_came_between_stores_the_values_erased() {
    // The writer's Query saw no key and no mark; the forget marked the subject before the
    // writer's transaction: its condition check on the mark fails (injected, as the local
    // endpoint answers one request at a time).
    let local = local_store_with_personal_data().await;
    // Its requests through the proxy: the Query (0), then the key's transaction (1).
    let proxy = FaultProxy::start(&endpoint(), |n| {
        (n == 1).then_some(Fault::Cancel("ConditionalCheckFailed"))
    })
    .await;
    let racing = LocalStore {
        store: keys_through(&local, &proxy, Proxied::KeysTable).await,
        ..local
    };
    let linus = fresh_customer();
    let stream = fresh_stream("customer");
    append(&racing, &stream, vec![registered(&linus, "Linus")]).await;
    assert_eq!(
        proxy.log().faults,
        [Fault::Cancel("ConditionalCheckFailed")]
    );
    assert_eq!(revealed(&racing, &stream).await[0]["name"], json!(ERASED));
    assert!(!stored_items(&racing).await.contains("Linus"));
    assert!(key_items(&racing, &linus).await.is_empty(), "no key stored");
}

/// The key ids of `subject`'s items in the keys table (the mark among them), newest last.
async fn key_items(local: &LocalStore, subject: &str) -> Vec<String> {
    let keys = local.store.subject_keys().expect("keys");
    let items = local
        .client
        .query()
        .table_name(keys.table())
        .key_condition_expression("subjectId = :s")
        .expression_attribute_values(":s", AttributeValue::S(subject.to_owned()))
        .send()
        .await
        .expect("query")
        .items
        .unwrap_or_default();
    let mut ids: Vec<String> = items
        .iter()
        .map(|item| item["keyId"].as_s().expect("a text").clone())
        .collect();
    ids.sort_by_key(|id| id != "~forgotten");
    ids
}

#[tokio::test]
async fn keys_cost_one_query_per_append_and_kms_once_per_key_and_process() {
    let local = local_store_with_personal_data().await;
    let ada = fresh_customer();
    let stream = fresh_stream("customer");

    local.meter.reset();
    append(&local, &stream, vec![registered(&ada, "Ada Lovelace")]).await;
    let first = local.meter.snapshot();
    let first_usage = local.meter.usage();
    assert_eq!(first.get("Query"), Some(&1), "{first:?}");
    assert_eq!(first.get("GenerateDataKey"), Some(&1), "{first:?}");
    assert_eq!(
        first.get("TransactWriteItems"),
        Some(&2),
        "the event's and the key's: {first:?}"
    );
    assert_eq!(first.get("PutItem"), None, "{first:?}");
    assert_eq!(first.get("Decrypt"), None, "{first:?}");
    let plain = append_units_without_keys(&ada).await;
    assert_eq!(
        (first_usage.read_units - plain.read_units, first_usage.write_units - plain.write_units),
        (1.0, 4.0 + 2.0),
        "the key's Query and transaction (its put and the check of the forgotten mark, 2 each), and the sealed event's second kilobyte: {first_usage:?} vs {plain:?}"
    );

    local.meter.reset();
    local
        .store
        .append(&append_of(
            &stream,
            vec![
                contact_changed(&ada, "+44 2"),
                contact_changed(&ada, "+44 3"),
            ],
        ))
        .await
        .unwrap();
    let next = local.meter.snapshot();
    assert_eq!(next.get("Query"), Some(&1), "one per subject: {next:?}");
    assert_eq!(next.get("GenerateDataKey"), None, "{next:?}");
    assert_eq!(next.get("Decrypt"), None, "the key is cached: {next:?}");
    assert_eq!(next.get("PutItem"), None, "{next:?}");

    // A reader in another process (a cold cache) unwraps the key once, then reads from cache.
    let reader = local_store_reading(&local);
    let mut events = local.all_events(&stream).await;
    local.meter.reset();
    reader.reveal_events(&mut events).await.unwrap();
    let cold = local.meter.snapshot();
    assert_eq!(cold.get("BatchGetItem"), Some(&1), "{cold:?}");
    assert_eq!(cold.get("Decrypt"), Some(&1), "{cold:?}");
    assert_eq!(
        local.meter.usage().read_units,
        2.0,
        "consistent reads of the key and of the subject's forgotten mark (absent)"
    );
    assert_eq!(events[2].data["phone"], json!("+44 3"));

    let mut events = local.all_events(&stream).await;
    local.meter.reset();
    reader.reveal_events(&mut events).await.unwrap();
    let warm = local.meter.snapshot();
    assert_eq!(
        warm.get("BatchGetItem"),
        Some(&1),
        "liveness is read every time: {warm:?}"
    );
    assert_eq!(warm.get("Decrypt"), None, "{warm:?}");

    // Nothing sealed, nothing asked.
    let mut plain = [json!({"plan": "gold"})];
    local.meter.reset();
    let mut values: Vec<&mut Value> = plain.iter_mut().collect();
    reader.reveal(&mut values).await.unwrap();
    assert_eq!(local.meter.total(), 0);
}

/// What the same first append costs a store without personal data.
async fn append_units_without_keys(customer: &str) -> event_store_tests::Usage {
    let plain = event_store_tests::local_store().await;
    plain
        .store
        .append(&append_of(
            &fresh_stream("customer"),
            vec![registered(customer, "Ada Lovelace")],
        ))
        .await
        .unwrap();
    plain.meter.usage()
}

/// The same store as another process would open it: same tables and KMS key, an empty cache.
fn local_store_reading(local: &LocalStore) -> event_store_dynamodb::DynamoEventStore {
    let keys = local.store.subject_keys().expect("keys").fresh_cache();
    local.store.clone().with_subject_keys(keys)
}

#[tokio::test]
async fn an_event_without_its_subject_is_refused_naming_where_it_belongs() {
    let local = local_store_with_personal_data().await;
    let stream = fresh_stream("customer");
    let mut nameless = registered("x", "Ada Lovelace");
    nameless.data.as_object_mut().unwrap().remove("customerId");
    local.meter.reset();
    let error = local
        .store
        .append(&append_of(&stream, vec![nameless]))
        .await
        .unwrap_err();
    let Error::Validation { field, reason } = error else {
        panic!("expected a validation error, got {error:?}");
    };
    // The fixture's schema requires the subject; without a schema the personal data rule
    // refuses it the same way (crates/domain's personal_data tests).
    assert_eq!(field, "events[0].data", "{reason}");
    assert!(
        reason.contains("\"customerId\" is a required property"),
        "{reason}"
    );
    assert_eq!(local.meter.total(), 0, "refused before any request");
}

#[tokio::test]
async fn a_store_without_keys_refuses_personal_data_rather_than_store_it_clear() {
    let local = local_store_with_personal_data().await;
    let keyless =
        event_store_dynamodb::DynamoEventStore::new(local.client.clone(), local.store.settings())
            .with_catalog(local.store.catalog().clone());
    let stream = fresh_stream("customer");
    let error = keyless
        .append(&append_of(
            &stream,
            vec![registered(&fresh_customer(), "Ada Lovelace")],
        ))
        .await
        .unwrap_err();
    let Error::Validation { reason, .. } = &error else {
        panic!("expected a validation error, got {error:?}");
    };
    assert!(reason.contains("KEYS_TABLE"), "{reason}");
    assert!(keyless
        .read_stream(&stream, &event_store_domain::StreamRead::forward(10))
        .await
        .unwrap()
        .items
        .is_empty());
}

#[tokio::test]
async fn sealing_a_customer_registered_event_costs_a_query_and_its_growth_in_write_units() {
    // The README's figure: a CustomerRegistered event of about 200 bytes, plain and sealed.
    let plain = event_store_tests::local_store().await;
    let sealed = local_store_with_personal_data().await;
    let customer = fresh_customer();
    let mut units = Vec::new();
    for local in [&plain, &sealed] {
        let stream = fresh_stream("customer");
        // The subject's key is made by a first append, as by any earlier event of theirs.
        local
            .store
            .append(&append_of(
                &stream,
                vec![contact_changed(&customer, "+44 0")],
            ))
            .await
            .unwrap();
        local.meter.reset();
        local
            .store
            .append(&append_of(
                &stream,
                vec![registered(&customer, "Ada Lovelace")],
            ))
            .await
            .unwrap();
        let usage = local.meter.usage();
        println!(
            "{}: {:?}, {} WRU, {} RRU",
            if std::ptr::eq(local, &plain) {
                "plain"
            } else {
                "sealed"
            },
            usage.requests,
            usage.write_units,
            usage.read_units
        );
        units.push(usage.write_units);
    }
    // Three sealed values (subject, key id, nonce and base64 ciphertext each) take this event
    // item past its first kilobyte: a transactional write pays 2 WRU per started kilobyte (the
    // indexes project keys only, so their entries do not grow). The key's Query is the read.
    assert_eq!(
        units[1] - units[0],
        2.0,
        "plain {} vs sealed {}",
        units[0],
        units[1]
    );
}

/// Which of the subject keys' services a fault proxy stands in front of.
#[derive(Debug, Clone, Copy)]
enum Proxied {
    KeysTable,
    Kms,
}

/// `local`'s store with its subject keys' requests to `proxied` sent through `proxy` (the
/// events table's, and the other service's, go straight to the endpoint).
async fn keys_through(
    local: &LocalStore,
    proxy: &FaultProxy,
    proxied: Proxied,
) -> event_store_dynamodb::DynamoEventStore {
    let shared = event_store_dynamodb::sdk_config().await;
    let (dynamodb, kms) = match proxied {
        Proxied::KeysTable => (
            aws_sdk_dynamodb::Client::from_conf(
                aws_sdk_dynamodb::config::Builder::from(&shared)
                    .endpoint_url(&proxy.endpoint)
                    .build(),
            ),
            event_store_tests::metered_kms(&local.meter).await,
        ),
        Proxied::Kms => (
            local.client.clone(),
            aws_sdk_kms::Client::from_conf(
                aws_sdk_kms::config::Builder::from(&shared)
                    .endpoint_url(&proxy.endpoint)
                    .build(),
            ),
        ),
    };
    let keys = local.store.subject_keys().expect("keys");
    local.store.clone().with_subject_keys(SubjectKeys::new(
        dynamodb,
        kms,
        keys.table(),
        event_store_tests::TEST_PERSONAL_DATA_KEY,
    ))
}

#[tokio::test]
async fn a_kms_outage_is_an_unavailable_error_never_a_value_stored_clear_or_read_erased() {
    let local = local_store_with_personal_data().await;
    // A KMS outage: every KMS request answered with its internal error.
    let proxy = FaultProxy::start(&endpoint(), |_| {
        Some(Fault::Answer(500, "KMSInternalException", "injected"))
    })
    .await;
    let failing = keys_through(&local, &proxy, Proxied::Kms).await;
    let ada = fresh_customer();
    let stream = fresh_stream("customer");
    let error = failing
        .append(&append_of(&stream, vec![registered(&ada, "Ada Lovelace")]))
        .await
        .unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert!(local.all_events(&stream).await.is_empty(), "nothing stored");
    assert!(proxy.log().requests >= 1);

    // Stored while KMS answered; read by a cold process while it does not.
    append(&local, &stream, vec![registered(&ada, "Ada Lovelace")]).await;
    let mut events = local.all_events(&stream).await;
    let error = failing.reveal_events(&mut events).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    assert_eq!(local.all_events(&stream).await.len(), 1);
    assert_eq!(
        revealed(&local, &stream).await[0]["name"],
        json!("Ada Lovelace")
    );
}

#[tokio::test]
async fn two_writers_meeting_a_new_subject_at_once_both_seal_readably_and_a_forget_reaches_both() {
    let local = local_store_with_personal_data().await;
    let other = local_store_reading(&local);
    let ada = fresh_customer();
    let (one, two) = (fresh_stream("customer"), fresh_stream("customer"));
    let (first, second) = (
        append_of(&one, vec![registered(&ada, "Ada Lovelace")]),
        append_of(&two, vec![contact_changed(&ada, "+44 7")]),
    );
    let (a, b) = tokio::join!(local.store.append(&first), other.append(&second));
    a.unwrap();
    b.unwrap();
    assert_eq!(
        revealed(&local, &one).await[0]["name"],
        json!("Ada Lovelace")
    );
    assert_eq!(revealed(&local, &two).await[0]["phone"], json!("+44 7"));
    let keys = key_items(&local, &ada).await.len();
    assert!((1..=2).contains(&keys), "one key each at most: {keys}");

    let forgotten = local.store.forget(&ada, None).await.unwrap();
    assert_eq!(forgotten.keys_forgotten, keys, "every key the subject has");
    assert_eq!(revealed(&local, &one).await[0]["name"], json!(ERASED));
    assert_eq!(revealed(&local, &two).await[0]["phone"], json!(ERASED));
}

#[tokio::test]
async fn the_user_who_sent_an_event_can_be_its_subject_for_every_event_type() {
    // Every type's `/email` is the personal data of the event's metadata.userId (seed 002).
    let mut local = local_store_with_personal_data().await;
    local.store = local.store.clone().with_catalog(
        event_store_domain::EventCatalog::from_json(
            r#"{"personalData": {"subject": "metadata.userId", "fields": ["/email"]}}"#,
        )
        .expect("an event types file"),
    );
    let user = fresh_customer();
    let stream = fresh_stream("profile");
    let changed = event(
        "EmailChanged",
        json!({"email": "ada@example.com", "verified": true}),
    )
    .with_metadata(event_store_domain::Metadata {
        user_id: Some(user.clone()),
        ..Default::default()
    });
    append(&local, &stream, vec![changed]).await;
    assert!(!stored_items(&local).await.contains("ada@example.com"));
    assert_eq!(
        revealed(&local, &stream).await[0]["email"],
        json!("ada@example.com")
    );
    local.store.forget(&user, None).await.unwrap();
    let data = revealed(&local, &stream).await;
    assert_eq!(data[0], json!({"email": ERASED, "verified": true}));
}

#[tokio::test]
async fn a_forget_cut_short_after_its_mark_has_taken_effect_and_asking_again_finishes_it() {
    let local = local_store_with_personal_data().await;
    let ada = fresh_customer();
    let stream = fresh_stream("customer");
    append(&local, &stream, vec![registered(&ada, "Ada Lovelace")]).await;
    // Through the proxy, the forget's first request (the mark's PutItem) passes; every one
    // after it fails (DynamoDB unavailable), the SDK's retries too.
    let proxy = FaultProxy::start(&endpoint(), |n| {
        (n >= 1).then_some(Fault::Answer(500, "InternalServerError", "injected"))
    })
    .await;
    let cut_short = keys_through(&local, &proxy, Proxied::KeysTable).await;
    let error = cut_short.forget(&ada, None).await.unwrap_err();
    assert!(error.is_transient(), "{error:?}");
    // The key is still there, but every reader meets the mark.
    assert_eq!(key_items(&local, &ada).await.len(), 2);
    assert_eq!(revealed(&local, &stream).await[0]["name"], json!(ERASED));
    assert_eq!(revealed(&local, &stream).await[0]["plan"], json!("gold"));
    let erasure = StreamId::new(event_store_domain::erasure_stream(&ada)).unwrap();
    assert!(
        local.all_events(&erasure).await.is_empty(),
        "not recorded yet"
    );

    let finished = local.store.forget(&ada, None).await.unwrap();
    assert_eq!(finished.keys_forgotten, 1);
    assert!(!finished.recorded.duplicate);
    assert_eq!(local.all_events(&erasure).await.len(), 1);
}

#[tokio::test]
async fn a_sealed_value_altered_at_rest_reads_erased_and_the_rest_of_the_answer_opens() {
    let local = local_store_with_personal_data().await;
    let ada = fresh_customer();
    let stream = fresh_stream("customer");
    append(&local, &stream, vec![registered(&ada, "Ada Lovelace")]).await;
    let mut events = local.all_events(&stream).await;
    let sealed = &mut events[0].data["name"]["$sealed"]["ciphertext"];
    let text = sealed.as_str().unwrap();
    let first = if text.starts_with('A') { 'B' } else { 'A' };
    let altered = format!("{first}{}", &text[1..]);
    *sealed = json!(altered);
    local.store.reveal_events(&mut events).await.unwrap();
    assert_eq!(events[0].data["name"], json!(ERASED));
    assert_eq!(events[0].data["email"], json!(format!("{ada}@example.com")));
}

#[tokio::test]
async fn a_subject_id_no_erasure_stream_could_name_is_refused_before_anything_is_written() {
    let local = local_store_with_personal_data().await;
    for subject in ["ada ", "ada\tlovelace", ""] {
        let error = local.store.forget(subject, None).await.unwrap_err();
        assert!(
            matches!(&error, Error::Validation { field, .. } if field == "subjectId"),
            "{error:?}"
        );
        let error = local
            .store
            .append(&append_of(
                &fresh_stream("customer"),
                vec![registered(subject, "Ada")],
            ))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::Validation { field, .. } if field == "events[0].data/customerId"),
            "{error:?}"
        );
    }
}
