//! Paging: direction, page size and the page of results with its opaque continuation token.

use serde::{Deserialize, Serialize};

/// The largest page any read returns; larger requests are capped to it.
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
    /// At most this many items (capped to [`MAX_PAGE_SIZE`]; 100 when absent).
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

    /// The effective page size: the caller's, at least 1, at most `cap`.
    pub fn limit_capped(&self, cap: usize) -> usize {
        self.limit.unwrap_or(Self::DEFAULT_LIMIT).clamp(1, cap)
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
    fn limits_are_capped_on_both_sides() {
        assert_eq!(PageRequest::first(0).limit_capped(100), 1);
        assert_eq!(PageRequest::first(5000).limit_capped(100), 100);
        assert_eq!(PageRequest::default().limit_capped(1000), 100);
    }
}
