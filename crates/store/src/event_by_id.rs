//! Reading an event by its id alone: with the store-wide dedupe scope, the id's guard says where
//! the event is stored, so it is two strongly consistent `GetItem`s (the guard, then the event).

use event_store_domain::{DedupeScope, Error, EventId, RecordedEvent};

use crate::sdk_error::from_sdk;
use crate::{guard_item, DynamoEventStore};

impl DynamoEventStore {
    /// The stored event whose id is `event_id`, if any. Needs the store-wide dedupe scope (the
    /// default): with the stream scope no item knows where an id is, and this is a `Validation`
    /// error naming `DEDUPE_SCOPE`.
    pub async fn get_event_by_id(
        &self,
        event_id: &EventId,
    ) -> Result<Option<RecordedEvent>, Error> {
        if self.settings.dedupe_scope != DedupeScope::Store {
            return Err(Error::validation(
                "eventId",
                "reading an event by its id alone needs the store-wide dedupe scope (DEDUPE_SCOPE=store); this store dedupes per stream: read it by stream and version",
            ));
        }
        let output = self
            .client
            .get_item()
            .table_name(self.table())
            .set_key(Some(guard_item::key(event_id)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| from_sdk("GetItem", e))?;
        let Some(guard) = output.item else {
            return Ok(None);
        };
        let found = guard_item::guarded(event_id, &guard)?;
        self.get_event(&found.at.stream_id, found.at.version).await
    }
}
