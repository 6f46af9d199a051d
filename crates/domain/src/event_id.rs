//! The event identifier: what makes an append idempotent.

use crate::name::identifier;
use crate::ValidationError;

fn no_whitespace(value: &str) -> Result<(), ValidationError> {
    if value.contains(char::is_whitespace) {
        return Err(ValidationError::new(
            "eventId",
            "must not contain whitespace",
        ));
    }
    Ok(())
}

identifier!(
    /// Unique per event: an EventBridge event's `id`, a client's UUID, or one the store generates.
    /// Appending an event id that is already stored is a no-op that reports the original version.
    EventId,
    field = "eventId",
    max_bytes = 128,
    extra = no_whitespace
);

impl EventId {
    /// A fresh random (v4) UUID.
    pub fn generate() -> Self {
        EventId(uuid::Uuid::new_v4().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_distinct_uuids() {
        let (a, b) = (EventId::generate(), EventId::generate());
        assert_ne!(a, b);
        assert!(uuid::Uuid::parse_str(a.as_str()).is_ok());
    }

    #[test]
    fn ids_with_spaces_are_rejected() {
        assert_eq!(EventId::new("tx 789").unwrap_err().field, "eventId");
    }
}
