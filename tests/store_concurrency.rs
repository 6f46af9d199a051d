//! Concurrency against the local endpoint: many writers on one stream end with contiguous
//! versions, every event stored exactly once.

use std::collections::HashSet;

use event_store_domain::{AppendRequest, Error, EventId, ExpectedVersion, Version};
use event_store_tests::{event, fresh_stream, local_store, LocalStore};
use futures::future::join_all;
use serde_json::json;

const WRITERS: usize = 16;

async fn assert_contiguous_and_once(
    local: &LocalStore,
    stream: &event_store_domain::StreamId,
    expected_ids: HashSet<String>,
) {
    let events = local.all_events(stream).await;
    let versions: Vec<u64> = events.iter().map(|e| e.version.get()).collect();
    assert_eq!(
        versions,
        (1..=expected_ids.len() as u64).collect::<Vec<_>>()
    );
    let ids: Vec<String> = events.iter().map(|e| e.event_id.to_string()).collect();
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "an event was stored twice");
    assert_eq!(unique, expected_ids, "an event was lost");
}

/// The OCC storm: 16 writers × 50 appends at expected versions on one stream, each retrying on
/// conflict from the actual version the conflict names: 800 contiguous versions. (Every append
/// meets up to 15 conflicting writers, so it is thousands of conditional transactions; 200 each
/// took 10 minutes of a CI run against moto, which copies the table per transaction action, and
/// proved nothing more.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn occ_storm_sixteen_writers_fifty_appends_each_end_contiguous() {
    const PER_WRITER: usize = 50;
    let local = local_store().await;
    let stream = fresh_stream("occ");
    let writers = (0..WRITERS).map(|writer| {
        let (store, stream) = (local.store.clone(), stream.clone());
        async move {
            let mut ids = Vec::new();
            let mut expected = Version::NONE;
            for n in 0..PER_WRITER {
                let id = EventId::new(format!("w{writer}-{n}")).unwrap();
                let request = |expected| {
                    AppendRequest::single(
                        stream.clone(),
                        ExpectedVersion::Exact(expected),
                        event("Tick", json!({"writer": writer})).with_id(id.clone()),
                    )
                    .unwrap()
                };
                loop {
                    match store.append(&request(expected)).await {
                        Ok(outcome) => {
                            expected = outcome.last_version();
                            break;
                        }
                        Err(Error::Conflict { actual, .. }) => expected = actual,
                        Err(other) => panic!("writer {writer}: {other}"),
                    }
                }
                ids.push(id.to_string());
            }
            ids
        }
    });
    let ids: HashSet<String> = join_all(writers).await.into_iter().flatten().collect();
    assert_contiguous_and_once(&local, &stream, ids).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_writers_without_expected_versions_end_contiguous() {
    const PER_WRITER: usize = 4;
    let local = local_store().await;
    let stream = fresh_stream("any-race");
    let writers = (0..WRITERS).map(|writer| {
        let (store, stream) = (local.store.clone(), stream.clone());
        async move {
            let mut ids = Vec::new();
            for n in 0..PER_WRITER {
                let id = EventId::new(format!("{stream}-w{writer}-{n}")).unwrap();
                let request = AppendRequest::single(
                    stream.clone(),
                    ExpectedVersion::Any,
                    event("Tick", json!({})).with_id(id.clone()),
                )
                .unwrap();
                store
                    .append(&request)
                    .await
                    .unwrap_or_else(|e| panic!("writer {writer}: {e}"));
                // A redelivery of the same event is absorbed by its guard.
                assert!(store.append(&request).await.unwrap().duplicate);
                ids.push(id.to_string());
            }
            ids
        }
    });
    let ids: HashSet<String> = join_all(writers).await.into_iter().flatten().collect();
    assert_contiguous_and_once(&local, &stream, ids).await;
}
