//! The payload hash: what tells a retry of an event (same id, same content) from an id reused for
//! another event (same id, other content), as seed 001's event index keeps one "without saga and
//! time".
//!
//! It is SHA-256, in lowercase hex, of the canonical JSON of `[eventType, aggregateType, data]`
//! (`aggregateType` is `null` when the writer gave none; the one the store infers from a stream's
//! category is not part of it, so registering an aggregate never changes a hash). Correlation,
//! causation and user ids, the source, times and every other metadata field are left out. The
//! canonical JSON has no whitespace, object members sorted by the UTF-8 bytes of their names,
//! strings escaped as serde_json escapes them, integers as integers and other numbers in their
//! shortest round-trip form, with an integral float within i64's range (`80.0`, `1e16`) written
//! as the integer it is (`80`, `10000000000000000`).
//!
//! An event holding personal values is hashed keyed instead (the store's sealing takes an
//! HMAC-SHA256 of the same canonical text under a key derived from the subject's data key), so
//! that the hash, which outlives a forget, confirms no guess of what was erased.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{AggregateType, EventType};

/// The SHA-256 of an event's canonical content, as 64 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PayloadHash(String);

impl PayloadHash {
    /// The hash of an event with these parts.
    pub fn of(
        event_type: &EventType,
        aggregate_type: Option<&AggregateType>,
        data: &Value,
    ) -> Self {
        PayloadHash::of_canonical(&PayloadHash::canonical(event_type, aggregate_type, data))
    }

    /// The canonical text of an event with these parts, which its hash is taken over.
    pub fn canonical(
        event_type: &EventType,
        aggregate_type: Option<&AggregateType>,
        data: &Value,
    ) -> String {
        let mut canonical = String::with_capacity(128);
        canonical.push('[');
        write_canonical(
            &mut canonical,
            &Value::String(event_type.as_str().to_owned()),
        );
        canonical.push(',');
        match aggregate_type {
            Some(aggregate_type) => write_canonical(
                &mut canonical,
                &Value::String(aggregate_type.as_str().to_owned()),
            ),
            None => canonical.push_str("null"),
        }
        canonical.push(',');
        write_canonical(&mut canonical, data);
        canonical.push(']');
        canonical
    }

    /// The hash of an already canonical text.
    fn of_canonical(canonical: &str) -> Self {
        PayloadHash::from_digest(&Sha256::digest(canonical.as_bytes()).into())
    }

    /// A 32-byte digest (SHA-256, or a keyed one) as a hash.
    pub fn from_digest(digest: &[u8; 32]) -> Self {
        PayloadHash(hex(digest))
    }

    /// A hash as stored (64 hex digits); anything else is refused by the caller as corrupt.
    pub fn parse(text: &str) -> Option<Self> {
        (text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')))
            .then(|| PayloadHash(text.to_owned()))
    }

    /// The hex digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first `digits` hex digits: what a stream's head keeps per recent event.
    pub fn prefix(&self, digits: usize) -> &str {
        &self.0[..digits.min(self.0.len())]
    }
}

impl std::fmt::Display for PayloadHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Lowercase hex of `bytes`.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(DIGITS[usize::from(byte >> 4)] as char);
        text.push(DIGITS[usize::from(byte & 0xf)] as char);
    }
    text
}

/// Appends the canonical JSON of `value` to `out`.
fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Null | Value::Bool(_) | Value::String(_) => out.push_str(&value.to_string()),
        Value::Number(number) => match (number.as_i64(), number.as_u64(), number.as_f64()) {
            (Some(integer), _, _) => out.push_str(&integer.to_string()),
            (None, Some(integer), _) => out.push_str(&integer.to_string()),
            // Integral floats within i64's range are written as the integer they are exactly,
            // so 80 and 80.0, or 1e16 and 10000000000000000, are the same content.
            (None, None, Some(float)) if float.fract() == 0.0 && float.abs() < 9.2e18 => {
                out.push_str(&(float as i64).to_string())
            }
            _ => out.push_str(&number.to_string()),
        },
        Value::Array(elements) => {
            out.push('[');
            for (index, element) in elements.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(out, element);
            }
            out.push(']');
        }
        Value::Object(members) => {
            let mut names: Vec<&String> = members.keys().collect();
            names.sort_unstable_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
            out.push('{');
            for (index, name) in names.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(name.clone()).to_string());
                out.push(':');
                write_canonical(out, &members[name]);
            }
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn hash(data: Value) -> PayloadHash {
        PayloadHash::of(
            &EventType::new("TransactionProcessed").unwrap(),
            None,
            &data,
        )
    }

    #[test]
    fn the_hash_is_sha256_of_the_documented_canonical_form() {
        // The canonical text below, hashed with `printf %s '...' | sha256sum`.
        assert_eq!(
            hash(json!({"b": [1, "x", null], "amount": 80.0})).as_str(),
            "1af6daf80ad81d57cbc50d0614c1f45b12efac7f8e3e9b3f0a3c3fdc394c485f",
            "{}",
            r#"sha256 of ["TransactionProcessed",null,{"amount":80,"b":[1,"x",null]}]"#
        );
        assert_eq!(
            PayloadHash::of_canonical("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn member_order_and_integral_floats_do_not_change_the_hash() {
        let a = hash(json!({"amount": 80, "type": "deposit"}));
        let b = hash(json!({"type": "deposit", "amount": 80.0}));
        assert_eq!(a, b);
        assert_ne!(a, hash(json!({"type": "deposit", "amount": 80.4})));
        let big: Value = serde_json::from_str(r#"{"n": 1e16}"#).unwrap();
        assert_eq!(hash(big), hash(json!({"n": 10_000_000_000_000_000u64})));
    }

    #[test]
    fn the_type_and_aggregate_type_are_part_of_the_content() {
        let data = json!({"n": 1});
        let plain = PayloadHash::of(&EventType::new("A").unwrap(), None, &data);
        let other_type = PayloadHash::of(&EventType::new("B").unwrap(), None, &data);
        let typed = PayloadHash::of(
            &EventType::new("A").unwrap(),
            Some(&AggregateType::new("Account").unwrap()),
            &data,
        );
        assert_ne!(plain, other_type);
        assert_ne!(plain, typed);
    }

    #[test]
    fn stored_hashes_parse_and_others_do_not() {
        let stored = hash(json!({}));
        assert_eq!(PayloadHash::parse(stored.as_str()), Some(stored.clone()));
        assert_eq!(PayloadHash::parse("xyz"), None);
        assert_eq!(stored.prefix(12).len(), 12);
    }
}
