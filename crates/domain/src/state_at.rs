//! Which state a load folds: the stream's state now, or as it was after a given version, or as
//! the store held it at a given time (by when it accepted each event, its recorded time).

use crate::time::{format_time, Timestamp};
use crate::{Error, Version};

/// The point a state load stops at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StateAt {
    /// Every event the stream holds.
    #[default]
    Latest,
    /// The events up to and including this version (at least 1).
    Version(Version),
    /// The events the store had accepted at this time: up to the newest whose recorded time is
    /// at or before it.
    Time(Timestamp),
}

impl StateAt {
    /// From a request's `atVersion` and `atTime`: at most one of them, a version of at least 1.
    pub fn from_request(
        at_version: Option<Version>,
        at_time: Option<Timestamp>,
    ) -> Result<StateAt, Error> {
        match (at_version, at_time) {
            (None, None) => Ok(StateAt::Latest),
            (Some(_), Some(_)) => Err(Error::validation(
                "atVersion",
                "give atVersion or atTime, not both",
            )),
            (Some(version), None) if version == Version::NONE => Err(Error::validation(
                "atVersion",
                "must be at least 1 (version 0 is the stream before its first event)",
            )),
            (Some(version), None) => Ok(StateAt::Version(version)),
            (None, Some(time)) => Ok(StateAt::Time(time)),
        }
    }

    /// The refusal of a version past the stream's end.
    pub fn past_the_end(&self, stream: &crate::StreamId, stream_version: Version) -> Error {
        match self {
            StateAt::Time(time) => Error::validation(
                "atTime",
                format!(
                    "stream {stream} had no event at or before {}",
                    format_time(time)
                ),
            ),
            StateAt::Version(version) => Error::validation(
                "atVersion",
                format!(
                    "stream {stream} is at version {stream_version}: {version} is past its end"
                ),
            ),
            StateAt::Latest => Error::validation("streamId", format!("stream {stream} is empty")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::parse_time;

    #[test]
    fn neither_is_the_latest_state() {
        assert_eq!(StateAt::from_request(None, None).unwrap(), StateAt::Latest);
    }

    #[test]
    fn a_version_or_a_time_is_taken() {
        let time = parse_time("atTime", "2024-01-15T10:00:00Z").unwrap();
        assert_eq!(
            StateAt::from_request(Some(Version::new(3)), None).unwrap(),
            StateAt::Version(Version::new(3))
        );
        assert_eq!(
            StateAt::from_request(None, Some(time)).unwrap(),
            StateAt::Time(time)
        );
    }

    #[test]
    fn both_or_version_zero_are_refused_naming_the_field() {
        let time = parse_time("atTime", "2024-01-15T10:00:00Z").unwrap();
        let both = StateAt::from_request(Some(Version::new(3)), Some(time)).unwrap_err();
        assert!(matches!(&both, Error::Validation { field, .. } if field == "atVersion"));
        assert!(both.to_string().contains("not both"), "{both}");
        let zero = StateAt::from_request(Some(Version::NONE), None).unwrap_err();
        assert!(zero.to_string().contains("at least 1"), "{zero}");
    }

    #[test]
    fn past_the_end_names_the_stream_and_its_version() {
        let stream = crate::StreamId::new("account-1").unwrap();
        let error = StateAt::Version(Version::new(9)).past_the_end(&stream, Version::new(4));
        assert_eq!(
            error.to_string(),
            Error::validation(
                "atVersion",
                "stream account-1 is at version 4: 9 is past its end"
            )
            .to_string()
        );
    }
}
