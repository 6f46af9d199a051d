//! What a function's answer means to an event source mapping: the items a batch answer lists as
//! failed.

use serde_json::Value;

/// The item identifiers an answer lists in `batchItemFailures`. As in AWS, an answer without
/// them (null, `{}`) means every item succeeded, and a malformed list is None: the whole batch
/// failed.
pub fn batch_item_failures(answer: &Value) -> Option<Vec<String>> {
    let Some(failures) = answer.get("batchItemFailures") else {
        return Some(Vec::new());
    };
    let failures = failures.as_array()?;
    failures
        .iter()
        .map(|failure| failure.get("itemIdentifier")?.as_str().map(str::to_owned))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_batch_answer_lists_its_failed_items() {
        let answer =
            json!({"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "b"}]});
        assert_eq!(
            batch_item_failures(&answer),
            Some(vec!["a".to_owned(), "b".to_owned()])
        );
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": []})),
            Some(vec![])
        );
        assert_eq!(batch_item_failures(&Value::Null), Some(vec![]));
        assert_eq!(batch_item_failures(&json!({})), Some(vec![]));
    }

    #[test]
    fn a_malformed_failure_list_fails_the_batch() {
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": "a"})),
            None
        );
        assert_eq!(
            batch_item_failures(&json!({"batchItemFailures": [{"id": "a"}]})),
            None
        );
    }
}
