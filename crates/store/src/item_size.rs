//! Item sizes by DynamoDB's rule, and the write units they cost, computed before any request.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

/// DynamoDB's maximum item size: 400 KB, attribute names included.
pub const MAX_ITEM_BYTES: usize = 400 * 1024;
/// DynamoDB's maximum total size of the items in one transaction.
pub const MAX_TRANSACTION_BYTES: usize = 4 * 1024 * 1024;
/// One write unit covers this many bytes of an item.
pub const WRITE_UNIT_BYTES: usize = 1024;

/// The size of `item` as DynamoDB counts it: attribute names plus values.
pub fn item_size(item: &HashMap<String, AttributeValue>) -> usize {
    item.iter()
        .map(|(name, value)| name.len() + value_size(value))
        .sum()
}

/// Write units for one standard write of an item of `bytes` (transactional writes cost twice).
pub fn write_units(bytes: usize) -> usize {
    bytes.div_ceil(WRITE_UNIT_BYTES).max(1)
}

fn value_size(value: &AttributeValue) -> usize {
    match value {
        AttributeValue::S(text) => text.len(),
        AttributeValue::N(number) => number_size(number),
        AttributeValue::B(bytes) => bytes.as_ref().len(),
        AttributeValue::Bool(_) | AttributeValue::Null(_) => 1,
        // Maps and lists: 3 bytes of overhead plus 1 byte per element, plus the elements.
        AttributeValue::M(members) => {
            3 + members
                .iter()
                .map(|(name, value)| name.len() + value_size(value) + 1)
                .sum::<usize>()
        }
        AttributeValue::L(elements) => {
            3 + elements.iter().map(|v| value_size(v) + 1).sum::<usize>()
        }
        AttributeValue::Ss(texts) => texts.iter().map(String::len).sum(),
        AttributeValue::Ns(numbers) => numbers.iter().map(|n| number_size(n)).sum(),
        AttributeValue::Bs(blobs) => blobs.iter().map(|b| b.as_ref().len()).sum(),
        // A variant added to the SDK after this was written: count it as the largest scalar.
        _ => 21,
    }
}

/// Numbers: 1 byte per two significant digits, plus 1. Leading and trailing zeros, the sign, the
/// decimal point and any exponent do not count.
fn number_size(number: &str) -> usize {
    let mantissa = number.split(['e', 'E']).next().unwrap_or(number);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    significant.div_ceil(2) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(pairs: Vec<(&str, AttributeValue)>) -> HashMap<String, AttributeValue> {
        pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    #[test]
    fn strings_count_names_and_utf8_bytes() {
        assert_eq!(
            item_size(&item(vec![("id", AttributeValue::S("é".into()))])),
            2 + 2
        );
    }

    #[test]
    fn numbers_count_significant_digits() {
        assert_eq!(number_size("1"), 2);
        assert_eq!(number_size("12"), 2);
        assert_eq!(number_size("123"), 3);
        assert_eq!(number_size("-1000"), 2);
        assert_eq!(number_size("0.0050"), 2);
        assert_eq!(number_size("12.5"), 3);
    }

    #[test]
    fn maps_and_lists_carry_overhead_per_element() {
        let map = AttributeValue::M(
            [("a".to_string(), AttributeValue::S("xy".into()))]
                .into_iter()
                .collect(),
        );
        // 3 overhead + ("a" 1 + "xy" 2 + 1 element byte)
        assert_eq!(value_size(&map), 7);
        let list = AttributeValue::L(vec![AttributeValue::Bool(true), AttributeValue::Null(true)]);
        assert_eq!(value_size(&list), 3 + 2 + 2);
    }

    #[test]
    fn write_units_round_up_per_kilobyte() {
        assert_eq!(write_units(0), 1);
        assert_eq!(write_units(1024), 1);
        assert_eq!(write_units(1025), 2);
        assert_eq!(write_units(1536), 2);
    }
}
