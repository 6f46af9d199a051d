//! The frameworks dynamo-es's `dynamodb_cqrs`, `dynamodb_aggregate_cqrs` and
//! `dynamodb_snapshot_cqrs` build, over the store instead: each is the same call with the store
//! in the client's place.

use cqrs_es::persist::PersistedEventStore;
use cqrs_es::{Aggregate, CqrsFramework, Query};
use event_store_dynamodb::DynamoEventStore;

use crate::DynamoStoreRepository;

/// A cqrs-es framework whose events are in the store.
pub type EventStoreCqrs<A> = CqrsFramework<A, PersistedEventStore<DynamoStoreRepository, A>>;

/// Events are the source of truth: every load reads the aggregate's events (in pages).
pub fn event_store_cqrs<A>(
    store: DynamoEventStore,
    queries: Vec<Box<dyn Query<A>>>,
    services: A::Services,
) -> EventStoreCqrs<A>
where
    A: Aggregate,
{
    let repository = DynamoStoreRepository::new(store);
    CqrsFramework::new(
        PersistedEventStore::new_event_store(repository),
        queries,
        services,
    )
}

/// The aggregate's snapshot, rewritten after every commit, is the source of truth.
pub fn event_store_aggregate_cqrs<A>(
    store: DynamoEventStore,
    queries: Vec<Box<dyn Query<A>>>,
    services: A::Services,
) -> EventStoreCqrs<A>
where
    A: Aggregate,
{
    let repository = DynamoStoreRepository::new(store).for_aggregate_store();
    CqrsFramework::new(
        PersistedEventStore::new_aggregate_store(repository),
        queries,
        services,
    )
}

/// A snapshot every `snapshot_size` events; a load reads it and the events after it.
pub fn event_store_snapshot_cqrs<A>(
    store: DynamoEventStore,
    queries: Vec<Box<dyn Query<A>>>,
    snapshot_size: usize,
    services: A::Services,
) -> EventStoreCqrs<A>
where
    A: Aggregate,
{
    let repository = DynamoStoreRepository::new(store).for_snapshot_store(snapshot_size);
    CqrsFramework::new(
        PersistedEventStore::new_snapshot_store(repository, snapshot_size),
        queries,
        services,
    )
}
