//! A read of one stream: a version range, a direction and a page.

use serde::{Deserialize, Serialize};

use crate::{Direction, PageRequest, ValidationError, Version};

/// Which events of a stream to read. Both bounds are inclusive.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StreamRead {
    /// The lowest version to return (1 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_version: Option<Version>,
    /// The highest version to return (the stream's end when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_version: Option<Version>,
    /// Oldest first (forward) or newest first (backward).
    #[serde(default)]
    pub direction: Direction,
    /// Page size and continuation.
    #[serde(flatten)]
    pub page: PageRequest,
}

impl StreamRead {
    /// The whole stream, oldest first, `limit` events a page.
    pub fn forward(limit: usize) -> Self {
        StreamRead {
            page: PageRequest::first(limit),
            ..StreamRead::default()
        }
    }

    /// The whole stream, newest first, `limit` events a page.
    pub fn backward(limit: usize) -> Self {
        StreamRead {
            direction: Direction::Backward,
            ..StreamRead::forward(limit)
        }
    }

    /// The inclusive version bounds, checked: `fromVersion` ≤ `toVersion`, neither 0.
    pub fn bounds(&self) -> Result<(Version, Version), ValidationError> {
        let low = self.from_version.unwrap_or(Version::FIRST);
        let high = self.to_version.unwrap_or(Version::new(u64::MAX));
        if low == Version::NONE {
            return Err(ValidationError::new("fromVersion", "versions start at 1"));
        }
        if high < low {
            return Err(ValidationError::new(
                "toVersion",
                format!("{high} is below fromVersion {low}"),
            ));
        }
        Ok((low, high))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_default_to_the_whole_stream() {
        let (low, high) = StreamRead::forward(10).bounds().unwrap();
        assert_eq!((low.get(), high.get()), (1, u64::MAX));
    }

    #[test]
    fn inverted_bounds_name_the_field() {
        let read = StreamRead {
            from_version: Some(Version::new(5)),
            to_version: Some(Version::new(2)),
            ..StreamRead::default()
        };
        assert_eq!(read.bounds().unwrap_err().field, "toVersion");
    }

    #[test]
    fn json_form_is_flat() {
        let read: StreamRead = serde_json::from_str(
            r#"{"fromVersion": 2, "direction": "backward", "limit": 5, "pageToken": "x"}"#,
        )
        .unwrap();
        assert_eq!(read.direction, Direction::Backward);
        assert_eq!(read.page.limit, Some(5));
        assert_eq!(read.page.page_token.as_deref(), Some("x"));
    }
}
