//! Sealing one personal value: AES-256-GCM under a subject's data key (ring, the crypto rustls
//! already links), a random 96-bit nonce per value, the subject and key id authenticated with
//! it, so a sealed value moved to another subject or key does not open. The same key, through a
//! derived HMAC-SHA256 key, hashes the events it seals (their payload hash), so a hash confirms no
//! guess of a value once the key is forgotten.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use event_store_domain::{Error, PayloadHash, SealedValue};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::Value;

/// A subject's data key, in plaintext, held only in memory.
pub struct DataKey {
    /// Its id in the keys table.
    pub id: String,
    key: LessSafeKey,
    hash_key: hmac::Key,
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl DataKey {
    /// The key `bytes` (32 of them) with id `id`.
    pub fn new(id: String, bytes: &[u8]) -> Result<Self, Error> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| Error::Corrupt {
            attribute: "wrappedKey".into(),
            reason: format!("data key {id} is {} bytes, not 32", bytes.len()),
        })?;
        // A key of its own for hashing, derived as HKDF-Extract would (HMAC under the data key).
        let derived = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, bytes), HASH_KEY_LABEL);
        Ok(DataKey {
            id,
            key: LessSafeKey::new(unbound),
            hash_key: hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref()),
        })
    }

    /// The payload hash of an event holding values sealed under this key: HMAC-SHA256 of its
    /// canonical text ([`PayloadHash::canonical`], over the plaintext), so a retry gets the same
    /// hash while anyone without the key can confirm no guess of a value by it.
    pub fn payload_hash(&self, canonical: &str) -> PayloadHash {
        let tag = hmac::sign(&self.hash_key, canonical.as_bytes());
        PayloadHash::from_digest(tag.as_ref().try_into().expect("HMAC-SHA256 is 32 bytes"))
    }

    /// `value` sealed for `subject`.
    pub fn seal(&self, subject: &str, value: &Value) -> Result<SealedValue, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        SystemRandom::new()
            .fill(&mut nonce)
            .map_err(|_| Error::Corrupt {
                attribute: "nonce".into(),
                reason: "the system's random source failed".into(),
            })?;
        let mut in_out = serde_json::to_vec(value).expect("a JSON value serializes");
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(subject, &self.id)),
                &mut in_out,
            )
            .map_err(|_| Error::Corrupt {
                attribute: "data".into(),
                reason: "a personal value could not be sealed".into(),
            })?;
        Ok(SealedValue {
            subject: subject.to_owned(),
            key: self.id.clone(),
            nonce: STANDARD.encode(nonce),
            ciphertext: STANDARD.encode(in_out),
        })
    }

    /// The value `sealed` holds; `Corrupt` when it was not sealed by this key for its subject.
    pub fn open(&self, sealed: &SealedValue) -> Result<Value, Error> {
        let corrupt = |reason: &str| Error::Corrupt {
            attribute: event_store_domain::SEALED.into(),
            reason: format!(
                "a value of subject {} under key {}: {reason}",
                sealed.subject, sealed.key
            ),
        };
        let nonce: [u8; NONCE_LEN] = STANDARD
            .decode(&sealed.nonce)
            .ok()
            .and_then(|n| n.try_into().ok())
            .ok_or_else(|| corrupt("its nonce is not 12 bytes of base64"))?;
        let mut in_out = STANDARD
            .decode(&sealed.ciphertext)
            .map_err(|_| corrupt("its ciphertext is not base64"))?;
        let plaintext = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(aad(&sealed.subject, &sealed.key)),
                &mut in_out,
            )
            .map_err(|_| corrupt("it does not authenticate"))?;
        serde_json::from_slice(plaintext).map_err(|_| corrupt("its plaintext is not JSON"))
    }
}

/// What the hashing key is derived with, so it is never the sealing key itself.
const HASH_KEY_LABEL: &[u8] = b"event-store/payload-hash/v1";

fn aad(subject: &str, key_id: &str) -> Vec<u8> {
    format!("event-store/personal-data/v1\n{subject}\n{key_id}").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn key(id: &str, byte: u8) -> DataKey {
        DataKey::new(id.into(), &[byte; 32]).unwrap()
    }

    #[test]
    fn a_value_opens_with_its_key_and_each_seal_differs() {
        let key = key("k-1", 7);
        let value = json!({"street": "1 Main", "city": "Springfield"});
        let once = key.seal("c-1", &value).unwrap();
        let twice = key.seal("c-1", &value).unwrap();
        assert_ne!(once.ciphertext, twice.ciphertext, "a fresh nonce each time");
        assert_eq!(key.open(&once).unwrap(), value);
        assert!(!once.ciphertext.contains("Main"));
    }

    #[test]
    fn another_key_another_subject_or_a_changed_byte_do_not_open() {
        let sealed = key("k-1", 7).seal("c-1", &json!("Ada")).unwrap();
        assert!(key("k-1", 8).open(&sealed).is_err());
        let moved = SealedValue {
            subject: "c-2".into(),
            ..sealed.clone()
        };
        assert!(key("k-1", 7).open(&moved).is_err());
        let mut bytes = STANDARD.decode(&sealed.ciphertext).unwrap();
        bytes[0] ^= 1;
        let tampered = SealedValue {
            ciphertext: STANDARD.encode(bytes),
            ..sealed
        };
        assert!(key("k-1", 7).open(&tampered).is_err());
    }

    #[test]
    fn a_keyed_hash_is_the_same_under_its_key_and_unlike_the_plain_one() {
        let canonical = r#"["CustomerRegistered",null,{"name":"Ada"}]"#;
        let hash = key("k-1", 7).payload_hash(canonical);
        assert_eq!(
            hash,
            key("k-1", 7).payload_hash(canonical),
            "a retry's hash"
        );
        assert_eq!(hash.as_str().len(), 64);
        assert!(
            PayloadHash::parse(hash.as_str()).is_some(),
            "stored as any hash"
        );
        assert_ne!(hash, key("k-1", 8).payload_hash(canonical), "another key");
        let other = r#"["CustomerRegistered",null,{"name":"Bob"}]"#;
        assert_ne!(hash, key("k-1", 7).payload_hash(other), "another content");
        let plain = PayloadHash::of(
            &event_store_domain::EventType::new("CustomerRegistered").unwrap(),
            None,
            &json!({"name": "Ada"}),
        );
        assert_ne!(hash, plain, "a guess hashed in the clear confirms nothing");
    }

    #[test]
    fn a_key_of_the_wrong_length_is_refused() {
        assert!(DataKey::new("k".into(), &[0; 16]).is_err());
    }
}
