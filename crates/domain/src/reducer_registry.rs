//! Which reducer folds which aggregate type: registered Rust aggregates, the JSON merge reducer
//! for everything else.

use std::collections::HashMap;

use crate::{Account, Aggregate, AggregateReducer, JsonMergeReducer, Reducer};

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
}
