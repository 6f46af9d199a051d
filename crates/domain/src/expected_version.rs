//! What a writer expects of a stream's version when it appends: the optimistic-concurrency check.

use crate::{ValidationError, Version};
use serde::{Deserialize, Serialize};

/// The version a writer expects the stream to be at before its events are appended.
///
/// In JSON: a number (`0` is the same as `"noStream"`), or one of `"any"`, `"noStream"`,
/// `"streamExists"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ExpectedVersion {
    /// No check: append at the end, whatever it is. Exactly-once per event id still holds.
    #[default]
    Any,
    /// The stream must have no events yet.
    NoStream,
    /// The stream must have at least one event.
    StreamExists,
    /// The stream must be at exactly this version (its last event has this version).
    Exact(Version),
}

impl ExpectedVersion {
    /// `Exact(0)` and `NoStream` mean the same; this folds them into one.
    pub fn normalized(self) -> Self {
        match self {
            ExpectedVersion::Exact(v) if v == Version::NONE => ExpectedVersion::NoStream,
            other => other,
        }
    }

    /// The version a writer may append after without reading, when the expectation names one.
    pub fn known_version(self) -> Option<Version> {
        match self.normalized() {
            ExpectedVersion::NoStream => Some(Version::NONE),
            ExpectedVersion::Exact(v) => Some(v),
            ExpectedVersion::Any | ExpectedVersion::StreamExists => None,
        }
    }

    /// Whether a stream currently at `actual` satisfies this expectation.
    pub fn is_satisfied_by(self, actual: Version) -> bool {
        match self.normalized() {
            ExpectedVersion::Any => true,
            ExpectedVersion::NoStream => actual == Version::NONE,
            ExpectedVersion::StreamExists => actual > Version::NONE,
            ExpectedVersion::Exact(v) => actual == v,
        }
    }
}

impl std::fmt::Display for ExpectedVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ExpectedVersion::Any => f.write_str("any"),
            ExpectedVersion::NoStream => f.write_str("noStream"),
            ExpectedVersion::StreamExists => f.write_str("streamExists"),
            ExpectedVersion::Exact(v) => v.fmt(f),
        }
    }
}

impl std::str::FromStr for ExpectedVersion {
    type Err = ValidationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "any" => Ok(ExpectedVersion::Any),
            "noStream" => Ok(ExpectedVersion::NoStream),
            "streamExists" => Ok(ExpectedVersion::StreamExists),
            number => number
                .parse::<u64>()
                .map(|v| ExpectedVersion::Exact(Version::new(v)).normalized())
                .map_err(|_| {
                    ValidationError::new(
                        "expectedVersion",
                        format!(
                            "{number:?} is not a version number, \"any\", \"noStream\" or \"streamExists\""
                        ),
                    )
                }),
        }
    }
}

impl Serialize for ExpectedVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            ExpectedVersion::Exact(v) => serializer.serialize_u64(v.get()),
            other => serializer.collect_str(other),
        }
    }
}

impl<'de> Deserialize<'de> for ExpectedVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer).map_err(|_| {
            serde::de::Error::custom(
                "invalid expectedVersion: expected a non-negative version number, \"any\", \"noStream\" or \"streamExists\"",
            )
        })? {
            Raw::Number(v) => Ok(ExpectedVersion::Exact(Version::new(v)).normalized()),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_means_no_stream() {
        let parsed: ExpectedVersion = serde_json::from_str("0").unwrap();
        assert_eq!(parsed, ExpectedVersion::NoStream);
        assert_eq!(parsed.known_version(), Some(Version::NONE));
    }

    #[test]
    fn json_forms_round_trip() {
        for (json, expected) in [
            ("\"any\"", ExpectedVersion::Any),
            ("\"noStream\"", ExpectedVersion::NoStream),
            ("\"streamExists\"", ExpectedVersion::StreamExists),
            ("7", ExpectedVersion::Exact(Version::new(7))),
        ] {
            let parsed: ExpectedVersion = serde_json::from_str(json).unwrap();
            assert_eq!(parsed, expected);
            assert_eq!(serde_json::to_string(&parsed).unwrap(), json);
        }
    }

    #[test]
    fn a_negative_or_unknown_expectation_is_rejected_naming_the_field() {
        for json in ["-1", "\"latest\"", "1.5"] {
            let error = serde_json::from_str::<ExpectedVersion>(json).unwrap_err();
            assert!(
                error.to_string().contains("expectedVersion"),
                "{json}: {error}"
            );
        }
    }

    #[test]
    fn satisfaction_follows_each_expectation() {
        let (empty, three) = (Version::NONE, Version::new(3));
        assert!(ExpectedVersion::Any.is_satisfied_by(empty));
        assert!(ExpectedVersion::NoStream.is_satisfied_by(empty));
        assert!(!ExpectedVersion::NoStream.is_satisfied_by(three));
        assert!(ExpectedVersion::StreamExists.is_satisfied_by(three));
        assert!(!ExpectedVersion::StreamExists.is_satisfied_by(empty));
        assert!(ExpectedVersion::Exact(three).is_satisfied_by(three));
        assert!(!ExpectedVersion::Exact(three).is_satisfied_by(Version::new(4)));
    }
}
