//! Where a state load reads: the sort-key ranges of a stream's partition, newest first, that a
//! load walks down until it meets a snapshot, so that it reads the snapshot and the events after
//! it, plus at most the first page's twelve items (and, below a snapshot at a version no
//! interval names, its range down to the next due position).
//!
//! The first page is the top of the partition, at most [`FIRST_PAGE_ITEMS`] items: the head, ten
//! events and a snapshot, so a tail of up to ten events is one request. The projector takes
//! snapshots at multiples of `SNAPSHOT_EVERY` (`Snapshot::is_due`), so below what the first page read, the next
//! range ends at the nearest position a snapshot is due (`v + 0.5`): it holds exactly the events
//! after that snapshot, and the snapshot. Where a snapshot is missing (not taken yet, or a
//! setting changed), the load goes on one interval lower, and without snapshots it reads the rest
//! of the partition. The ranges are contiguous, so no item is skipped whatever the snapshots.

/// Items on a load's first page: the head, ten events and a snapshot.
pub const FIRST_PAGE_ITEMS: i32 = 12;

/// One range of sort keys, both bounds inclusive, as DynamoDB numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKeyRange {
    /// The lowest sort key (none: down to the stream's first item).
    pub low: Option<String>,
    /// The highest sort key.
    pub high: String,
    /// The highest version whose snapshot this range may hold.
    top_snapshot: u64,
}

impl SortKeyRange {
    /// The range below the first page, whose lowest event was `oldest_read` (or, when it read no
    /// event, one above the head's version): from its snapshot position down to the nearest one
    /// due; none when nothing is left below.
    pub fn below(oldest_read: u64, snapshot_every: u32) -> Option<Self> {
        let top = oldest_read.checked_sub(1).filter(|top| *top > 0)?;
        Some(Self::down_from(format!("{top}.5"), top, snapshot_every))
    }

    /// Everything at or below version `version`'s snapshot position (`v + 0.5`): where a load of
    /// the state as of `version` starts.
    pub fn up_to(version: u64) -> Self {
        SortKeyRange {
            low: None,
            high: format!("{version}.5"),
            top_snapshot: version,
        }
    }

    /// The range under this one, once this one held no snapshot: none when this one reached the
    /// stream's first item.
    pub fn next(&self, snapshot_every: u32) -> Option<Self> {
        let low = due_at_or_below(self.top_snapshot, snapshot_every).filter(|s| *s > 0)?;
        // This range held the snapshot position `low`; below it, event `low` and what precedes.
        Some(Self::down_from(
            low.to_string(),
            low.checked_sub(1)?,
            snapshot_every,
        ))
    }

    fn down_from(high: String, top_snapshot: u64, snapshot_every: u32) -> Self {
        let low = due_at_or_below(top_snapshot, snapshot_every)
            .filter(|s| *s > 0)
            .map(|s| format!("{s}.5"));
        SortKeyRange {
            low,
            high,
            top_snapshot,
        }
    }
}

/// The highest version at or below `version` at which a snapshot is due.
fn due_at_or_below(version: u64, snapshot_every: u32) -> Option<u64> {
    match u64::from(snapshot_every) {
        0 => None,
        every => Some(version / every * every),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds(range: &SortKeyRange) -> (Option<&str>, &str) {
        (range.low.as_deref(), range.high.as_str())
    }

    #[test]
    fn a_load_as_of_a_version_starts_at_its_snapshot_position() {
        let range = SortKeyRange::up_to(150);
        assert_eq!(bounds(&range), (None, "150.5"));
    }

    #[test]
    fn below_the_first_page_the_range_ends_at_the_snapshot_due() {
        // Events 199..189 read: 188 down to the snapshot of 100 (at 100.5).
        let range = SortKeyRange::below(189, 100).unwrap();
        assert_eq!(bounds(&range), (Some("100.5"), "188.5"));
    }

    #[test]
    fn a_snapshot_right_below_the_first_page_is_a_range_of_one_item() {
        let range = SortKeyRange::below(101, 100).unwrap();
        assert_eq!(bounds(&range), (Some("100.5"), "100.5"));
    }

    #[test]
    fn a_missing_snapshot_moves_the_load_one_interval_down_without_a_gap() {
        let first = SortKeyRange::below(189, 100).unwrap();
        let second = first.next(100).unwrap();
        // Event 100 and below, down to the snapshot of 0... there is none: to the first item.
        assert_eq!(bounds(&second), (None, "100"));
        assert_eq!(second.next(100), None);
        let long = SortKeyRange::below(389, 100).unwrap();
        assert_eq!(bounds(&long), (Some("300.5"), "388.5"));
        let lower = long.next(100).unwrap();
        assert_eq!(bounds(&lower), (Some("200.5"), "300"));
    }

    #[test]
    fn without_snapshots_the_rest_of_the_partition_is_one_range() {
        let range = SortKeyRange::below(40, 0).unwrap();
        assert_eq!(bounds(&range), (None, "39.5"));
        assert_eq!(range.next(0), None);
        assert_eq!(SortKeyRange::below(1, 100), None);
    }

    #[test]
    fn a_stream_shorter_than_one_interval_reads_to_its_first_item() {
        let range = SortKeyRange::below(30, 100).unwrap();
        assert_eq!(bounds(&range), (None, "29.5"));
        assert_eq!(range.next(100), None);
    }
}
