//! Stream versions: the events table's sort key, contiguous from 1.

use serde::{Deserialize, Serialize};

/// The position of an event in its stream (1 for the first), or a stream's length: version 0 is
/// a stream with no events. Versions are contiguous, which lets readers compute ranges and lets
/// the projector detect gaps.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Version(u64);

impl Version {
    /// The version of a stream with no events.
    pub const NONE: Version = Version(0);
    /// The first event's version.
    pub const FIRST: Version = Version(1);

    /// A version from its number.
    pub const fn new(value: u64) -> Self {
        Version(value)
    }

    /// The number.
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The version after this one.
    pub const fn next(self) -> Self {
        Version(self.0 + 1)
    }

    /// This version moved by `count` events.
    pub const fn plus(self, count: u64) -> Self {
        Version(self.0 + count)
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u64> for Version {
    fn from(value: u64) -> Self {
        Version(value)
    }
}
