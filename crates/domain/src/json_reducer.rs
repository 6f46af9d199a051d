//! The generic JSON reducer: each event's data merged onto the state (RFC 7396 merge patch).

use serde_json::{Map, Value};

use crate::{Error, RecordedEvent, Reducer};

/// The default reducer for streams with no registered aggregate: the state is every event's
/// `data` applied in order as a JSON merge patch (RFC 7396). Object members overwrite, `null`
/// removes a member, and a non-object `data` replaces the state.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonMergeReducer;

impl Reducer for JsonMergeReducer {
    fn initial(&self) -> Value {
        Value::Object(Map::new())
    }

    fn apply(&self, mut state: Value, event: &RecordedEvent) -> Result<Value, Error> {
        merge_patch(&mut state, &event.data);
        Ok(state)
    }
}

fn merge_patch(target: &mut Value, patch: &Value) {
    let Value::Object(patch_members) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target_members) = target {
        for (key, value) in patch_members {
            if value.is_null() {
                target_members.remove(key);
            } else {
                merge_patch(
                    target_members.entry(key.clone()).or_insert(Value::Null),
                    value,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[track_caller]
    fn patched(target: Value, patch: Value) -> Value {
        let mut target = target;
        merge_patch(&mut target, &patch);
        target
    }

    #[test]
    fn members_overwrite_and_nested_objects_merge() {
        assert_eq!(
            patched(
                json!({"a": 1, "n": {"x": 1, "y": 2}}),
                json!({"a": 2, "n": {"y": 3}})
            ),
            json!({"a": 2, "n": {"x": 1, "y": 3}})
        );
    }

    #[test]
    fn null_removes_a_member() {
        assert_eq!(
            patched(json!({"a": 1, "b": 2}), json!({"a": null})),
            json!({"b": 2})
        );
    }

    #[test]
    fn a_non_object_replaces_the_state() {
        assert_eq!(patched(json!({"a": 1}), json!([1, 2])), json!([1, 2]));
        assert_eq!(patched(json!([1]), json!({"a": 1})), json!({"a": 1}));
    }
}
