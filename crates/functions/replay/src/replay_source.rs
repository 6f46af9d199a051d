//! Where a replay's events come from, page by page: one stream (read forward, the time range
//! applied to each event), one aggregate type or event type (its sharded index), or everything
//! (the global time-ordered read over `byTime`).

use event_store_domain::{
    Direction, Error, EventIndex, EventQuery, Page, PageRequest, RecordedEvent, StreamId,
    StreamRead, TimeRange, Timestamp,
};
use event_store_dynamodb::DynamoEventStore;

use crate::ReplayFilter;

/// The events of a filter, in pages.
pub enum ReplaySource {
    /// One stream, in version order, kept to the time range.
    Stream(StreamId, Option<Timestamp>, Option<Timestamp>),
    /// An index query (or the global read), in event-time order.
    Index(EventQuery),
}

impl ReplaySource {
    /// The source of `filter`.
    pub fn of(filter: &ReplayFilter) -> Result<Self, Error> {
        let (from, to) = filter.range()?;
        if let Some(stream) = &filter.stream_id {
            return Ok(ReplaySource::Stream(
                StreamId::new(stream.as_str())?,
                from,
                to,
            ));
        }
        let range = TimeRange { from, to };
        let query = match (&filter.aggregate_type, &filter.event_type) {
            (Some(aggregate_type), _) => EventQuery::new(
                EventIndex::AggregateType,
                aggregate_type.as_str(),
                range,
                Direction::Forward,
            )?,
            (_, Some(event_type)) => EventQuery::new(
                EventIndex::EventType,
                event_type.as_str(),
                range,
                Direction::Forward,
            )?,
            _ => EventQuery::all(range, Direction::Forward)?,
        };
        Ok(ReplaySource::Index(query))
    }

    /// Refuses a source the store cannot read: an index it does not enable (a `Validation`
    /// error naming the index), found before a replay begins rather than by its first link.
    pub fn readable_in(self, store: &DynamoEventStore) -> Result<Self, Error> {
        if let ReplaySource::Index(query) = &self {
            store.indexes().require(query.index())?;
        }
        Ok(self)
    }

    /// The page after `token` (the first page without one).
    pub async fn page(
        &self,
        store: &DynamoEventStore,
        token: Option<String>,
        limit: usize,
    ) -> Result<Page<RecordedEvent>, Error> {
        let mut page = PageRequest::first(limit);
        page.page_token = token;
        match self {
            ReplaySource::Index(query) => store.query_events(query, &page).await,
            ReplaySource::Stream(stream, from, to) => {
                let read = StreamRead {
                    from_version: None,
                    to_version: None,
                    direction: Direction::Forward,
                    page,
                };
                let mut found = store.read_stream(stream, &read).await?;
                found.items.retain(|event| {
                    from.is_none_or(|from| event.event_time >= from)
                        && to.is_none_or(|to| event.event_time <= to)
                });
                Ok(found)
            }
        }
    }
}
