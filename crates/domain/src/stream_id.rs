//! The stream identifier: the events table's partition key.

use crate::name::identifier;
use crate::ValidationError;

/// Stream ids starting with this are reserved for the store's own items (idempotency guards).
pub const RESERVED_PREFIX: char = '$';

fn not_reserved(value: &str) -> Result<(), ValidationError> {
    if value.starts_with(RESERVED_PREFIX) {
        return Err(ValidationError::new(
            "streamId",
            format!("must not start with {RESERVED_PREFIX:?}, which the store reserves"),
        ));
    }
    Ok(())
}

identifier!(
    /// One stream of events, usually one aggregate instance: `account-123`, a UUID.
    StreamId,
    field = "streamId",
    max_bytes = 512,
    extra = not_reserved
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_stream_ids_are_accepted() {
        for id in [
            "account-123",
            "eb724435-02cb-4c68-9d7a-4b6471c5a810",
            "123456789012",
        ] {
            assert_eq!(StreamId::new(id).unwrap().as_str(), id);
        }
    }

    #[test]
    fn the_reserved_prefix_is_rejected() {
        let error = StreamId::new("$guard").unwrap_err();
        assert_eq!(error.field, "streamId");
        assert!(error.reason.contains("reserves"), "{}", error.reason);
    }

    #[test]
    fn the_length_limit_is_in_bytes_not_characters() {
        assert!(StreamId::new("é".repeat(256)).is_ok());
        assert!(StreamId::new("é".repeat(257)).is_err());
    }
}
