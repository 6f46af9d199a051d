//! Lambda's event filtering for an event source mapping, for the patterns the store's mappings
//! use: a record passes when, for every key of the pattern, its value matches (a nested object
//! matches recursively; an array lists the allowed values, each an exact value or
//! `{"exists": true | false}`). A record that does not pass is never delivered, and the shard's
//! position moves past it, as Lambda does.

use serde_json::Value;

/// Whether `record` passes `pattern`.
pub fn passes(pattern: &Value, record: &Value) -> bool {
    match pattern {
        Value::Object(fields) => fields.iter().all(|(name, wanted)| match wanted {
            Value::Object(_) => record.get(name).is_some_and(|inner| passes(wanted, inner)),
            Value::Array(allowed) => allowed.iter().any(|one| matches_one(one, record.get(name))),
            exact => record.get(name) == Some(exact),
        }),
        _ => false,
    }
}

fn matches_one(allowed: &Value, value: Option<&Value>) -> bool {
    match allowed {
        Value::Object(rule) => match rule.get("exists") {
            Some(Value::Bool(true)) => value.is_some(),
            Some(Value::Bool(false)) => value.is_none(),
            _ => false,
        },
        exact => value == Some(exact),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn only_events() -> Value {
        crate::PipelineDefinition::for_env("t")
            .projection
            .mapping
            .filter
    }

    #[test]
    fn only_inserted_event_items_pass_the_projection_filter() {
        let event = json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"eventType": {"S": "ItemAdded"}, "version": {"N": "1"}}}});
        let head = json!({"eventName": "MODIFY", "dynamodb": {"NewImage": {"head": {"N": "2"}}}});
        let guard =
            json!({"eventName": "INSERT", "dynamodb": {"NewImage": {"guardedStream": {"S": "s"}}}});
        let removal = json!({"eventName": "REMOVE", "dynamodb": {"Keys": {}}});
        assert!(passes(&only_events(), &event));
        assert!(!passes(&only_events(), &head));
        assert!(!passes(&only_events(), &guard));
        assert!(!passes(&only_events(), &removal));
    }

    #[test]
    fn exact_values_and_absence_match() {
        let pattern = json!({"a": ["x", "y"], "b": [{"exists": false}]});
        assert!(passes(&pattern, &json!({"a": "y"})));
        assert!(!passes(&pattern, &json!({"a": "y", "b": 1})));
        assert!(!passes(&pattern, &json!({"a": "z"})));
    }
}
