//! Splitting what the projector publishes into PutEvents requests: at most 10 entries and at
//! most 256 KB per request, by EventBridge's entry-size rule, order kept.

/// EventBridge's limit of entries per PutEvents request.
pub const MAX_ENTRIES_PER_REQUEST: usize = 10;
/// EventBridge's limit of a PutEvents request's total entry size.
pub const MAX_REQUEST_BYTES: usize = 256 * 1024;

/// An entry's size by EventBridge's rule: 14 bytes for the time, plus the UTF-8 bytes of the
/// source, detail type, detail and each resource.
pub fn entry_size(source: &str, detail_type: &str, detail: &str, resources: &[String]) -> usize {
    14 + source.len()
        + detail_type.len()
        + detail.len()
        + resources.iter().map(String::len).sum::<usize>()
}

/// Groups entries of the given sizes into requests: consecutive runs of at most
/// [`MAX_ENTRIES_PER_REQUEST`] entries and [`MAX_REQUEST_BYTES`]. Returns the index ranges.
/// An entry over the limit on its own is returned alone (EventBridge will refuse it, and the
/// caller reports it).
pub fn chunk_by_size(sizes: &[usize]) -> Vec<std::ops::Range<usize>> {
    let mut chunks = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (index, size) in sizes.iter().enumerate() {
        let full = index - start == MAX_ENTRIES_PER_REQUEST
            || (index > start && bytes + size > MAX_REQUEST_BYTES);
        if full {
            chunks.push(start..index);
            start = index;
            bytes = 0;
        }
        bytes += size;
    }
    if start < sizes.len() {
        chunks.push(start..sizes.len());
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_entries_at_most_per_request() {
        let chunks = chunk_by_size(&[100; 25]);
        assert_eq!(chunks, vec![0..10, 10..20, 20..25]);
    }

    #[test]
    fn requests_stay_under_256_kb() {
        let chunks = chunk_by_size(&[100 * 1024, 100 * 1024, 100 * 1024, 10]);
        assert_eq!(chunks, vec![0..2, 2..4]);
    }

    #[test]
    fn an_oversized_entry_travels_alone() {
        assert_eq!(chunk_by_size(&[10, 300 * 1024, 10]), vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn nothing_to_send_is_no_request() {
        assert!(chunk_by_size(&[]).is_empty());
    }

    #[test]
    fn sizes_count_every_part() {
        assert_eq!(
            entry_size("s", "dt", "{}", &["r".into()]),
            14 + 1 + 2 + 2 + 1
        );
    }
}
