//! Opaque page tokens: a continuation position as base64url JSON. Callers pass them back
//! untouched; a token that does not decode, or belongs to another read, is a `Validation` error.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use event_store_domain::Error;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// Encodes a position.
pub fn encode<T: Serialize>(position: &T) -> String {
    // Serializing plain data structs to JSON cannot fail.
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(position).unwrap_or_default())
}

/// Decodes a position written by [`encode`].
pub fn decode<T: DeserializeOwned>(token: &str) -> Result<T, Error> {
    let invalid = || Error::validation("pageToken", "is not a token this read returned");
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    serde_json::from_slice(&bytes).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip_and_garbage_is_rejected() {
        let token = encode(&(String::from("s"), 5u64));
        assert_eq!(decode::<(String, u64)>(&token).unwrap(), ("s".into(), 5));
        let error = decode::<(String, u64)>("not a token!").unwrap_err();
        assert_eq!(error.kind(), "Validation");
        assert!(error.to_string().contains("pageToken"));
    }
}
