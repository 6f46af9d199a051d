//! The stream an aggregate instance's events live in: `<aggregate type>-<aggregate id>`, e.g.
//! `Account-7f3c…` for cqrs-es's `Account` aggregate with id `7f3c…`.
//!
//! The aggregate type is the stream's category (the part before its first `-`, see
//! `event_store_domain::category`), as the store's own streams are named
//! (`account-123`). An aggregate type holding a `-` is refused: `a-b` + `c` and `a` + `b-c`
//! would be one stream. The aggregate id may hold anything a stream id may (dynamo-es keys the
//! same pair as `<type>:<id>`).

use event_store_domain::StreamId;

use crate::RepositoryError;

/// What separates the aggregate type from the aggregate id in a stream id.
pub const SEPARATOR: char = '-';

/// The stream of `aggregate_id` of `aggregate_type`.
pub fn stream_of(aggregate_type: &str, aggregate_id: &str) -> Result<StreamId, RepositoryError> {
    check_aggregate_type(aggregate_type)?;
    Ok(StreamId::new(format!(
        "{aggregate_type}{SEPARATOR}{aggregate_id}"
    ))?)
}

/// The aggregate id a stream of `aggregate_type` stands for; `None` for a stream not named by
/// [`stream_of`] for that type.
pub fn aggregate_id_of<'s>(aggregate_type: &str, stream: &'s StreamId) -> Option<&'s str> {
    stream
        .as_str()
        .strip_prefix(aggregate_type)?
        .strip_prefix(SEPARATOR)
}

/// Refuses an aggregate type that cannot be a stream's category.
pub fn check_aggregate_type(aggregate_type: &str) -> Result<(), RepositoryError> {
    let reason = if aggregate_type.is_empty() {
        "it is empty"
    } else if aggregate_type.contains(SEPARATOR) {
        "it holds '-', which separates it from the aggregate id in the stream id"
    } else {
        return Ok(());
    };
    Err(RepositoryError::AggregateType {
        aggregate_type: aggregate_type.to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_aggregate_type_is_the_streams_category() {
        let stream = stream_of("Account", "7f3c-11").unwrap();
        assert_eq!(stream.as_str(), "Account-7f3c-11");
        assert_eq!(event_store_domain::category(&stream), Some("Account"));
        assert_eq!(aggregate_id_of("Account", &stream), Some("7f3c-11"));
        assert_eq!(aggregate_id_of("Acc", &stream), None);
    }

    #[test]
    fn an_aggregate_type_that_would_make_streams_ambiguous_is_refused() {
        for bad in ["", "bank-account"] {
            assert!(matches!(
                stream_of(bad, "1"),
                Err(RepositoryError::AggregateType { .. })
            ));
        }
    }

    #[test]
    fn an_aggregate_id_the_store_cannot_key_is_a_validation_error() {
        let error = stream_of("Account", "a\u{7}b").unwrap_err();
        let RepositoryError::Validation(error) = error else {
            panic!("{error:?}");
        };
        assert_eq!(error.field, "streamId");
    }
}
