//! The HTTP status of an answer: the error payload's stable type decides it (the same types as
//! the functions' payloads), and a transient failure says when to try again.

use serde_json::Value;

/// Seconds a client waits before trying an `Unavailable` request again.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The status for an error payload's `type`.
pub fn status_of(error_type: &str) -> u16 {
    match error_type {
        "Validation" => 400,
        "NotWriteRegion" | "Forbidden" => 403,
        "NotFound" => 404,
        "Conflict" => 409,
        "Expired" => 410,
        "TooLarge" => 413,
        "IdReused" => 422,
        "Unavailable" => 503,
        // PartlyStored, Corrupt, AccessDenied, ResourceNotFound and anything new: the store's
        // fault, not the caller's.
        _ => 500,
    }
}

/// The status of `answer` when it is an error payload (`{"error": {"type"}}`).
pub fn error_status(answer: &Value) -> Option<u16> {
    let error = answer.get("error")?;
    Some(status_of(error.get("type")?.as_str()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_error_type_has_its_status() {
        for (kind, status) in [
            ("Validation", 400),
            ("NotWriteRegion", 403),
            ("Forbidden", 403),
            ("NotFound", 404),
            ("Conflict", 409),
            ("Expired", 410),
            ("TooLarge", 413),
            ("IdReused", 422),
            ("Unavailable", 503),
            ("PartlyStored", 500),
            ("AccessDenied", 500),
        ] {
            assert_eq!(status_of(kind), status, "{kind}");
        }
        assert_eq!(
            error_status(&json!({"error": {"type": "Conflict"}})),
            Some(409)
        );
        assert_eq!(error_status(&json!({"versions": [1]})), None);
    }
}
