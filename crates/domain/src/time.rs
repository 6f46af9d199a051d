//! Event times: UTC, millisecond precision, one text form so that index sort keys order correctly.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::ValidationError;

/// A point in time, always UTC.
pub type Timestamp = DateTime<Utc>;

/// The stored form: RFC 3339, UTC, milliseconds, `Z` (`2024-01-15T10:00:00.000Z`). Every stored
/// time has exactly this shape, so comparing the text compares the times.
pub fn format_time(time: &Timestamp) -> String {
    time.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses any RFC 3339 time (any offset, any precision) into UTC, truncated to milliseconds.
pub fn parse_time(field: &str, text: &str) -> Result<Timestamp, ValidationError> {
    let parsed = DateTime::parse_from_rfc3339(text).map_err(|error| {
        ValidationError::new(field, format!("{text:?} is not an RFC 3339 time: {error}"))
    })?;
    Ok(truncate_to_millis(parsed.with_timezone(&Utc)))
}

/// `time` without its sub-millisecond part, as it will read back from the store.
pub fn truncate_to_millis(time: Timestamp) -> Timestamp {
    let millis = time.timestamp_millis();
    DateTime::from_timestamp_millis(millis).unwrap_or(time)
}

/// Serde for a [`Timestamp`] field in the stored text form.
pub(crate) mod rfc3339_millis {
    use super::*;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(time: &Timestamp, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&format_time(time))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(deserializer)?;
        parse_time("time", &text).map_err(serde::de::Error::custom)
    }

    /// The same for an optional field.
    pub mod option {
        use super::*;

        pub fn serialize<S: Serializer>(
            time: &Option<Timestamp>,
            serializer: S,
        ) -> Result<S::Ok, S::Error> {
            match time {
                Some(time) => serializer.serialize_some(&format_time(time)),
                None => serializer.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(
            deserializer: D,
        ) -> Result<Option<Timestamp>, D::Error> {
            Option::<String>::deserialize(deserializer)?
                .map(|text| parse_time("eventTime", &text).map_err(serde::de::Error::custom))
                .transpose()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_stored_in_utc_with_milliseconds() {
        let time = parse_time("eventTime", "2024-01-15T12:30:00.123456+02:00").unwrap();
        assert_eq!(format_time(&time), "2024-01-15T10:30:00.123Z");
    }

    #[test]
    fn whole_seconds_gain_explicit_milliseconds() {
        let time = parse_time("eventTime", "2024-01-15T10:00:00Z").unwrap();
        assert_eq!(format_time(&time), "2024-01-15T10:00:00.000Z");
    }

    #[test]
    fn a_bad_time_names_its_field() {
        let error = parse_time("eventTime", "yesterday").unwrap_err();
        assert_eq!(error.field, "eventTime");
        assert!(error.reason.contains("RFC 3339"));
    }
}
