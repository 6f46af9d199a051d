//! Paging: direction, page size and the page of results with its opaque continuation token.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// The largest page any read returns; a larger `limit` is a `Validation` error naming the range.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Reading order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Direction {
    /// Oldest first.
    #[default]
    Forward,
    /// Newest first.
    Backward,
}

/// How much to read and where to continue.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageRequest {
    /// At most this many items (1 to the read's cap, at most [`MAX_PAGE_SIZE`]; 100 when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
    /// The token from the previous page, to continue after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_token: Option<String>,
}

impl PageRequest {
    /// The page size when the caller names none.
    pub const DEFAULT_LIMIT: usize = 100;

    /// The first page of at most `limit` items.
    pub fn first(limit: usize) -> Self {
        PageRequest {
            limit: Some(limit),
            page_token: None,
        }
    }

    /// The page size: the caller's (the default when none is given, or `cap` if smaller),
    /// which must be within `1..=cap`; outside it is a `Validation` error naming `limit` and the
    /// range.
    pub fn limit_within(&self, cap: usize) -> Result<usize, ValidationError> {
        match self.limit {
            None => Ok(Self::DEFAULT_LIMIT.min(cap)),
            Some(limit) if (1..=cap).contains(&limit) => Ok(limit),
            Some(limit) => Err(ValidationError::new(
                "limit",
                format!("is {limit}, it must be from 1 to {cap}"),
            )),
        }
    }
}

/// One page of results; `next_page_token` is present while more may follow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The results, in the order asked for.
    pub items: Vec<T>,
    /// Pass this back to read the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_their_range_are_refused_naming_it() {
        let zero = PageRequest::first(0).limit_within(100).unwrap_err();
        assert_eq!(zero.field, "limit");
        assert_eq!(zero.reason, "is 0, it must be from 1 to 100");
        assert!(PageRequest::first(5000).limit_within(1000).is_err());
        assert_eq!(PageRequest::first(1000).limit_within(1000), Ok(1000));
        assert_eq!(PageRequest::default().limit_within(1000), Ok(100));
        assert_eq!(PageRequest::default().limit_within(50), Ok(50));
    }
}
