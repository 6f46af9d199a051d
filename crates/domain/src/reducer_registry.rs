//! Which reducer folds which aggregate type: registered Rust aggregates, the JSON merge reducer
//! for everything else.

use std::collections::HashMap;

use crate::{
    Account, Aggregate, AggregateCategories, AggregateReducer, AggregateType, JsonMergeReducer,
    RecordedEvent, Reducer, Snapshot, StreamId,
};

/// Reducers by aggregate type, with [`JsonMergeReducer`] as the fallback.
pub struct ReducerRegistry {
    by_type: HashMap<String, Box<dyn Reducer>>,
    fallback: JsonMergeReducer,
}

impl Default for ReducerRegistry {
    fn default() -> Self {
        ReducerRegistry::empty()
    }
}

impl ReducerRegistry {
    /// No registered aggregates: every stream folds with the JSON merge reducer.
    pub fn empty() -> Self {
        ReducerRegistry {
            by_type: HashMap::new(),
            fallback: JsonMergeReducer,
        }
    }

    /// The aggregates shipped with the store (seed 004's `Account`).
    pub fn with_examples() -> Self {
        ReducerRegistry::empty().register::<Account>()
    }

    /// Registers `A` for its aggregate type.
    pub fn register<A: Aggregate + 'static>(mut self) -> Self {
        self.by_type.insert(
            A::AGGREGATE_TYPE.to_owned(),
            Box::new(AggregateReducer::<A>::new()),
        );
        self
    }

    /// The reducer for `aggregate_type` (the fallback when none is given or registered).
    pub fn reducer_for(&self, aggregate_type: Option<&str>) -> &dyn Reducer {
        aggregate_type
            .and_then(|t| self.by_type.get(t))
            .map(|r| r.as_ref())
            .unwrap_or(&self.fallback)
    }

    /// The registered aggregate types.
    pub fn aggregate_types(&self) -> impl Iterator<Item = &str> {
        self.by_type.keys().map(String::as_str)
    }

    /// What stream categories may stand for: the registered aggregate types.
    pub fn categories(&self) -> AggregateCategories {
        AggregateCategories::of(
            self.by_type
                .keys()
                .filter_map(|name| AggregateType::new(name.as_str()).ok()),
        )
    }

    /// The one rule that picks a stream's aggregate type, for loads and snapshots alike: the one
    /// asked for, else the snapshot's, else the newest event's that names one, else the one the
    /// stream's category stands for (`categories`, empty when that setting is off).
    pub fn aggregate_type_of<'a>(
        asked: Option<&'a str>,
        snapshot: Option<&'a Snapshot>,
        events_newest_first: &'a [RecordedEvent],
        stream: &StreamId,
        categories: &'a AggregateCategories,
    ) -> Option<&'a str> {
        asked
            .or_else(|| {
                snapshot
                    .and_then(|s| s.aggregate_type.as_ref())
                    .map(AggregateType::as_str)
            })
            .or_else(|| {
                events_newest_first
                    .iter()
                    .find_map(|e| e.aggregate_type.as_ref())
                    .map(AggregateType::as_str)
            })
            .or_else(|| categories.resolve(stream).map(AggregateType::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn registered_types_get_their_aggregate_and_others_the_json_reducer() {
        let registry = ReducerRegistry::with_examples();
        assert_eq!(
            registry.reducer_for(Some("Account")).initial()["balance"],
            json!(0.0)
        );
        assert_eq!(registry.reducer_for(Some("Product")).initial(), json!({}));
        assert_eq!(registry.reducer_for(None).initial(), json!({}));
    }

    #[test]
    fn a_stream_whose_events_name_no_type_takes_its_categorys() {
        let registry = ReducerRegistry::with_examples();
        let categories = registry.categories();
        let stream = StreamId::new("account-123").unwrap();
        assert_eq!(
            ReducerRegistry::aggregate_type_of(None, None, &[], &stream, &categories),
            Some("Account")
        );
        assert_eq!(
            ReducerRegistry::aggregate_type_of(Some("Other"), None, &[], &stream, &categories),
            Some("Other")
        );
        let off = AggregateCategories::off();
        assert_eq!(
            ReducerRegistry::aggregate_type_of(None, None, &[], &stream, &off),
            None
        );
    }
}
