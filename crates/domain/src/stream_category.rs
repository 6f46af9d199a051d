//! A stream's category, and the aggregate type it stands for when no event names one.
//!
//! The category is the stream id's part before its first `-` (`account` for `account-123`), the
//! convention of KurrentDB's `$ce-` category streams and of Equinox's categories. It is matched
//! to the registered aggregates' types case-insensitively: with seed 004's `Account` registered,
//! an event of stream `account-123` that names no aggregate type folds as an `Account` and is
//! found under `Account` in the aggregate-type index. A category that matches no registered
//! aggregate means nothing (a UUID's first group is not a type).

use crate::{AggregateType, StreamId};

/// The part of `stream`'s id before its first `-`, when there is one.
pub fn category(stream: &StreamId) -> Option<&str> {
    stream
        .as_str()
        .split_once('-')
        .map(|(category, _)| category)
        .filter(|category| !category.is_empty())
}

/// The aggregate types a stream's category may stand for; empty when the setting is off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AggregateCategories {
    types: Vec<AggregateType>,
}

impl AggregateCategories {
    /// Categories matched against `types`.
    pub fn of(types: impl IntoIterator<Item = AggregateType>) -> Self {
        AggregateCategories {
            types: types.into_iter().collect(),
        }
    }

    /// No category stands for anything (`AGGREGATE_TYPE_FROM_CATEGORY=false`).
    pub fn off() -> Self {
        AggregateCategories::default()
    }

    /// The registered aggregate type `stream`'s category stands for.
    pub fn resolve(&self, stream: &StreamId) -> Option<&AggregateType> {
        let category = category(stream)?;
        self.types
            .iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(category))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(id: &str) -> StreamId {
        StreamId::new(id).unwrap()
    }

    #[test]
    fn the_category_is_the_part_before_the_first_dash() {
        assert_eq!(category(&stream("account-123")), Some("account"));
        assert_eq!(category(&stream("order-5-line-2")), Some("order"));
        assert_eq!(category(&stream("123456789012")), None);
        assert_eq!(category(&stream("-x")), None);
    }

    #[test]
    fn a_category_stands_for_a_registered_type_whatever_its_case() {
        let categories = AggregateCategories::of([AggregateType::new("Account").unwrap()]);
        assert_eq!(
            categories
                .resolve(&stream("account-123"))
                .map(|t| t.as_str()),
            Some("Account")
        );
        assert_eq!(
            categories.resolve(&stream("ACCOUNT-9")).map(|t| t.as_str()),
            Some("Account")
        );
        assert_eq!(
            categories.resolve(&stream("eb724435-02cb-4c68-9d7a-4b6471c5a810")),
            None
        );
        assert_eq!(
            AggregateCategories::off().resolve(&stream("account-1")),
            None
        );
    }
}
