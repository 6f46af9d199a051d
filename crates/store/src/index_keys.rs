//! Index partition keys: the value, and for sharded indexes a shard suffix chosen by a stable
//! hash of the event id, so one hot value spreads evenly over `shards` keys.

use crate::table_definition::IndexDefinition;

/// The shard (0..shards) an event goes to: FNV-1a of its id, stable across builds and platforms.
pub fn shard_of(event_id: &str, shards: u32) -> u32 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let hash = event_id.bytes().fold(OFFSET, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(PRIME)
    });
    (hash % u64::from(shards.max(1))) as u32
}

/// The partition key of shard `shard` of `value` in `index`.
pub fn shard_key(index: &IndexDefinition, value: &str, shard: u32) -> String {
    if index.shards <= 1 {
        value.to_owned()
    } else {
        format!("{value}#{shard:02}")
    }
}

/// The partition key an event with `event_id` gets in `index` for `value`.
pub fn index_key(index: &IndexDefinition, value: &str, event_id: &str) -> String {
    shard_key(index, value, shard_of(event_id, index.shards))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TableDefinitions;
    use event_store_domain::EventIndex;

    #[test]
    fn shards_are_stable() {
        assert_eq!(shard_of("a", 16), shard_of("a", 16));
        assert_eq!(shard_of("anything", 1), 0);
    }

    #[test]
    fn uuids_spread_evenly_over_shards() {
        let mut counts = [0u32; 16];
        for _ in 0..16_000 {
            counts[shard_of(&uuid_like(), 16) as usize] += 1;
        }
        let (min, max) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
        assert!(*min > 850 && *max < 1150, "uneven: {counts:?}");
    }

    fn uuid_like() -> String {
        format!("{:032x}", rand::random::<u128>())
    }

    #[test]
    fn sharded_keys_carry_a_two_digit_suffix_and_unsharded_do_not() {
        let events = &TableDefinitions::shipped().events;
        let by_type = events.index_for(EventIndex::EventType);
        assert_eq!(shard_key(by_type, "AccountCreated", 3), "AccountCreated#03");
        let by_correlation = events.index_for(EventIndex::Correlation);
        assert_eq!(index_key(by_correlation, "corr-1", "e-1"), "corr-1");
    }
}
