//! Which secondary indexes a store writes and may query (`INDEXES`): each costs 1 WRU per event
//! it holds, so a store enables those its readers use. A query on another one is refused with a
//! `Validation` error naming the index, never answered empty.

use crate::{Error, EventIndex};

/// A set of the store's secondary indexes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EnabledIndexes {
    /// One bit per index, in [`EventIndex::ALL`]'s order.
    bits: u8,
}

impl EnabledIndexes {
    /// Every index.
    pub fn all() -> Self {
        Self::of(EventIndex::ALL)
    }

    /// No index.
    pub fn none() -> Self {
        Self::default()
    }

    /// Exactly `indexes`.
    pub fn of(indexes: impl IntoIterator<Item = EventIndex>) -> Self {
        let bits = indexes.into_iter().fold(0, |bits, i| bits | Self::bit(i));
        EnabledIndexes { bits }
    }

    /// Reads `all`, `none`, or names separated by commas (`byAggregateType,byUser,byTime`).
    /// Unknown and repeated names are refused, naming them, and so is an empty text (no index is
    /// `none`: an empty value is more likely a variable set by mistake).
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            "all" => return Ok(Self::all()),
            "none" => return Ok(Self::none()),
            "" => return Err("is empty: name the indexes, or all, or none".into()),
            _ => {}
        }
        let mut enabled = Self::none();
        for name in text.split(',').map(str::trim) {
            let index = EventIndex::named(name).ok_or_else(|| {
                format!(
                    "names {name:?}, which is no index; the indexes are {}, or all, or none",
                    Self::all().names().join(", ")
                )
            })?;
            if enabled.contains(index) {
                return Err(format!("names {name} twice"));
            }
            enabled.bits |= Self::bit(index);
        }
        Ok(enabled)
    }

    /// Whether `index` is enabled.
    pub fn contains(self, index: EventIndex) -> bool {
        self.bits & Self::bit(index) != 0
    }

    /// The enabled indexes, in [`EventIndex::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = EventIndex> {
        EventIndex::ALL
            .into_iter()
            .filter(move |index| self.contains(*index))
    }

    /// The enabled indexes' names.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(EventIndex::name).collect()
    }

    /// Refuses a query of `index` unless it is enabled: a `Validation` error on the field that
    /// carries its key, naming the index and the setting that enables it.
    pub fn require(self, index: EventIndex) -> Result<(), Error> {
        if self.contains(index) {
            return Ok(());
        }
        let enabled = match self.names() {
            names if names.is_empty() => "none".to_owned(),
            names => names.join(","),
        };
        Err(Error::validation(
            index.key_field(),
            format!(
                "the {} index is not enabled in this store (INDEXES={enabled}): enable it with the setting INDEXES (the CDK context `indexes`); it then holds the events appended while it is enabled, not those appended without it",
                index.name()
            ),
        ))
    }

    fn bit(index: EventIndex) -> u8 {
        let position = EventIndex::ALL
            .iter()
            .position(|i| *i == index)
            .expect("every index is in ALL");
        1 << position
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_all_and_none_parse_and_bad_lists_are_refused_naming_the_name() {
        let three = EnabledIndexes::parse("byAggregateType, byUser,byTime").unwrap();
        assert_eq!(three.names(), ["byAggregateType", "byUser", "byTime"]);
        assert_eq!(EnabledIndexes::parse("all").unwrap(), EnabledIndexes::all());
        assert_eq!(
            EnabledIndexes::parse("none").unwrap(),
            EnabledIndexes::none()
        );
        assert!(EnabledIndexes::parse(" ").unwrap_err().contains("empty"));
        let unknown = EnabledIndexes::parse("byTime,byColour").unwrap_err();
        assert!(
            unknown.contains("\"byColour\"") && unknown.contains("byEventType"),
            "{unknown}"
        );
        assert!(EnabledIndexes::parse("byTime,byTime")
            .unwrap_err()
            .contains("twice"));
    }

    #[test]
    fn a_disabled_index_is_refused_on_its_key_field_naming_it() {
        let three = EnabledIndexes::parse("byAggregateType,byUser,byTime").unwrap();
        assert!(three.require(EventIndex::User).is_ok());
        match three.require(EventIndex::EventType).unwrap_err() {
            Error::Validation { field, reason } => {
                assert_eq!(field, "eventType");
                assert!(reason.contains("byEventType"), "{reason}");
                assert!(
                    reason.contains("INDEXES=byAggregateType,byUser,byTime"),
                    "{reason}"
                );
            }
            other => panic!("{other:?}"),
        }
    }
}
