//! Settings read from the environment at cold start, each failure naming its variable.
//!
//! The variables are set on every function by `infra/` and by the local stack; each name is
//! declared here once, as a constant, and the README lists them.

use chrono::Duration;

use crate::{DedupeScope, EnabledIndexes, Timestamp};

/// The store's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The events table (`EVENTS_TABLE`).
    pub events_table: String,
    /// Days an event is kept before DynamoDB's TTL removes it (`EVENT_TTL_DAYS`); `None` keeps
    /// events forever.
    pub event_ttl_days: Option<u32>,
    /// A snapshot is taken every this many events (`SNAPSHOT_EVERY`); 0 turns snapshots off.
    pub snapshot_every: u32,
    /// Where an event id must be unique (`DEDUPE_SCOPE`: `store`, the default, or `stream`).
    pub dedupe_scope: DedupeScope,
    /// Whether an event with no aggregate type gets its stream's category's registered aggregate
    /// (`AGGREGATE_TYPE_FROM_CATEGORY`, default `true`): `account-123` folds as `Account`.
    pub aggregate_type_from_category: bool,
    /// The region that takes appends when the events table is a global table
    /// (`WRITE_REGION`); `None`: this store's own region does.
    pub write_region: Option<String>,
    /// The region this store runs in (`AWS_REGION`, which Lambda sets).
    pub region: Option<String>,
    /// The secondary indexes the store writes and queries (`INDEXES`); `None`: the default set
    /// of `schema/tables.json` (`defaultIndexes`), which the store crate holds.
    pub indexes: Option<EnabledIndexes>,
}

/// A setting that is missing or malformed. Its `Debug` is its message, so a function's `main`
/// that fails at cold start prints a sentence naming the variable.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("setting {variable} {reason}")]
pub struct SettingsError {
    /// The environment variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl std::fmt::Debug for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, f)
    }
}

impl Settings {
    /// The events table's name.
    pub const EVENTS_TABLE: &'static str = "EVENTS_TABLE";
    /// Event retention in days.
    pub const EVENT_TTL_DAYS: &'static str = "EVENT_TTL_DAYS";
    /// Snapshot interval in events.
    pub const SNAPSHOT_EVERY: &'static str = "SNAPSHOT_EVERY";
    /// The snapshot interval when none is set.
    pub const DEFAULT_SNAPSHOT_EVERY: u32 = 100;
    /// The longest retention accepted: 100 years.
    pub const MAX_TTL_DAYS: u32 = 36_500;
    /// The dedupe scope.
    pub const DEDUPE_SCOPE: &'static str = "DEDUPE_SCOPE";
    /// Aggregate types from stream categories.
    pub const AGGREGATE_TYPE_FROM_CATEGORY: &'static str = "AGGREGATE_TYPE_FROM_CATEGORY";
    /// The region that takes appends.
    pub const WRITE_REGION: &'static str = "WRITE_REGION";
    /// The region this store runs in.
    pub const AWS_REGION: &'static str = "AWS_REGION";
    /// The secondary indexes written and queried.
    pub const INDEXES: &'static str = "INDEXES";

    /// The defaults, over `events_table`: events kept forever, a snapshot every 100 events,
    /// store-wide dedupe, aggregate types from stream categories.
    pub fn for_table(events_table: impl Into<String>) -> Self {
        Settings {
            events_table: events_table.into(),
            event_ttl_days: None,
            snapshot_every: Self::DEFAULT_SNAPSHOT_EVERY,
            dedupe_scope: DedupeScope::Store,
            aggregate_type_from_category: true,
            write_region: None,
            region: None,
            indexes: None,
        }
    }

    /// Whether this store runs outside its write region: a replica of a global table, which
    /// takes no appends and may hold a stream's versions with holes while they replicate.
    pub fn is_replica(&self) -> bool {
        self.check_write_region().is_err()
    }

    /// Whether this store may append: always, unless a write region is set and this store runs
    /// in another one (a replica region of a global table, where a condition would be checked
    /// against that replica alone, so two regions could both store the same version).
    pub fn check_write_region(&self) -> Result<(), crate::Error> {
        match (&self.write_region, &self.region) {
            (Some(write_region), Some(region)) if write_region != region => {
                Err(crate::Error::NotWriteRegion {
                    region: region.clone(),
                    write_region: write_region.clone(),
                })
            }
            (Some(write_region), None) => Err(crate::Error::NotWriteRegion {
                region: "an unknown region (AWS_REGION is not set)".into(),
                write_region: write_region.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Reads the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads settings through `lookup` (the environment, or a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let events_table = lookup(Self::EVENTS_TABLE)
            .filter(|name| !name.trim().is_empty())
            .ok_or(SettingsError {
                variable: Self::EVENTS_TABLE,
                reason: "is required: the name of the events table".into(),
            })?;
        check_table_name(Self::EVENTS_TABLE, &events_table)?;
        let event_ttl_days = match parse_number(&lookup, Self::EVENT_TTL_DAYS)? {
            None | Some(0) => None,
            Some(days) if days > Self::MAX_TTL_DAYS => {
                return Err(SettingsError {
                    variable: Self::EVENT_TTL_DAYS,
                    reason: format!("is {days} days, the most is {}", Self::MAX_TTL_DAYS),
                })
            }
            Some(days) => Some(days),
        };
        let snapshot_every =
            parse_number(&lookup, Self::SNAPSHOT_EVERY)?.unwrap_or(Self::DEFAULT_SNAPSHOT_EVERY);
        let dedupe_scope = match lookup(Self::DEDUPE_SCOPE).map(|t| t.trim().to_owned()) {
            None => DedupeScope::default(),
            Some(text) if text.is_empty() => DedupeScope::default(),
            Some(text) => text.parse().map_err(|reason| SettingsError {
                variable: Self::DEDUPE_SCOPE,
                reason,
            })?,
        };
        let aggregate_type_from_category =
            match lookup(Self::AGGREGATE_TYPE_FROM_CATEGORY).map(|t| t.trim().to_owned()) {
                None => true,
                Some(text) => match text.as_str() {
                    "" | "true" => true,
                    "false" => false,
                    other => {
                        return Err(SettingsError {
                            variable: Self::AGGREGATE_TYPE_FROM_CATEGORY,
                            reason: format!("is {other:?}, expected \"true\" or \"false\""),
                        })
                    }
                },
            };
        let region_named = |variable: &'static str| -> Result<Option<String>, SettingsError> {
            match lookup(variable).map(|t| t.trim().to_owned()) {
                None => Ok(None),
                Some(text) if text.is_empty() => Ok(None),
                Some(text) if is_region_name(&text) => Ok(Some(text)),
                Some(text) => Err(SettingsError {
                    variable,
                    reason: format!("is {text:?}, not a region name like eu-west-1"),
                }),
            }
        };
        Ok(Settings {
            events_table,
            event_ttl_days,
            snapshot_every,
            dedupe_scope,
            aggregate_type_from_category,
            write_region: region_named(Self::WRITE_REGION)?,
            // Read as it is: only a store with a write region compares it (and says so).
            region: lookup(Self::AWS_REGION)
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            // Empty, like every other setting here: the default.
            indexes: lookup(Self::INDEXES)
                .filter(|text| !text.trim().is_empty())
                .map(|text| EnabledIndexes::parse(&text))
                .transpose()
                .map_err(|reason| SettingsError {
                    variable: Self::INDEXES,
                    reason,
                })?,
        })
    }

    /// When an event recorded at `recorded` expires, in epoch seconds (DynamoDB's TTL format),
    /// or `None` when events are kept forever.
    pub fn expiry_for(&self, recorded: &Timestamp) -> Option<i64> {
        self.event_ttl_days
            .map(|days| (*recorded + Duration::days(i64::from(days))).timestamp())
    }
}

/// `eu-west-1`, `us-gov-east-1`: lowercase letters, digits and dashes, ending in a digit.
fn is_region_name(text: &str) -> bool {
    text.len() <= 32
        && text.contains('-')
        && text.ends_with(|c: char| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn parse_number(
    lookup: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
) -> Result<Option<u32>, SettingsError> {
    match lookup(variable).map(|text| text.trim().to_owned()) {
        None => Ok(None),
        Some(text) if text.is_empty() => Ok(None),
        Some(text) => text.parse::<u32>().map(Some).map_err(|_| SettingsError {
            variable,
            reason: format!("is {text:?}, expected a whole number of 0 or more"),
        }),
    }
}

/// DynamoDB table names: 3 to 255 characters of `a-z A-Z 0-9 _ - .`.
fn check_table_name(variable: &'static str, name: &str) -> Result<(), SettingsError> {
    let valid_chars = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !(3..=255).contains(&name.len()) || !valid_chars {
        return Err(SettingsError {
            variable,
            reason: format!(
                "is {name:?}, not a DynamoDB table name (3 to 255 of a-z A-Z 0-9 _ - .)"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn appends_are_refused_outside_the_write_region() {
        let store = |pairs: &[(&str, &str)]| {
            let mut all = vec![("EVENTS_TABLE", "events")];
            all.extend_from_slice(pairs);
            settings(&all).unwrap()
        };
        assert!(store(&[]).check_write_region().is_ok());
        assert!(store(&[("AWS_REGION", "eu-west-1")])
            .check_write_region()
            .is_ok());
        assert!(
            store(&[("AWS_REGION", "eu-west-1"), ("WRITE_REGION", "eu-west-1")])
                .check_write_region()
                .is_ok()
        );
        let replica = store(&[("AWS_REGION", "us-east-1"), ("WRITE_REGION", "eu-west-1")]);
        let refused = replica.check_write_region().unwrap_err();
        assert_eq!(refused.kind(), "NotWriteRegion");
        assert!(
            refused.to_string().contains("eu-west-1") && refused.to_string().contains("us-east-1"),
            "{refused}"
        );
        let unknown = store(&[("WRITE_REGION", "eu-west-1")]);
        assert_eq!(
            unknown.check_write_region().unwrap_err().kind(),
            "NotWriteRegion"
        );
        assert_eq!(
            settings(&[("EVENTS_TABLE", "events"), ("WRITE_REGION", "Ireland")])
                .unwrap_err()
                .variable,
            "WRITE_REGION"
        );
    }

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn only_the_table_is_required() {
        let settings = settings(&[("EVENTS_TABLE", "events")]).unwrap();
        assert_eq!(settings.events_table, "events");
        assert_eq!(settings.event_ttl_days, None);
        assert_eq!(settings.snapshot_every, 100);
        assert_eq!(settings.indexes, None);
    }

    #[test]
    fn the_indexes_are_read_and_a_bad_one_names_the_variable() {
        let indexes = |text: &str| settings(&[("EVENTS_TABLE", "events"), ("INDEXES", text)]);
        let chosen = indexes("byUser,byTime").unwrap().indexes.unwrap();
        assert_eq!(chosen.names(), ["byUser", "byTime"]);
        assert_eq!(indexes("").unwrap().indexes, None);
        assert_eq!(
            indexes("none").unwrap().indexes,
            Some(EnabledIndexes::none())
        );
        let error = indexes("byUser,byWho").unwrap_err();
        assert_eq!(error.variable, "INDEXES");
        assert!(error.reason.contains("byWho"), "{}", error.reason);
    }

    #[test]
    fn a_missing_table_names_the_variable() {
        let error = settings(&[]).unwrap_err();
        assert_eq!(error.variable, "EVENTS_TABLE");
        assert!(error
            .to_string()
            .starts_with("setting EVENTS_TABLE is required"));
    }

    #[test]
    fn a_malformed_ttl_names_the_variable_and_value() {
        let error = settings(&[("EVENTS_TABLE", "events"), ("EVENT_TTL_DAYS", "ten")]).unwrap_err();
        assert_eq!(error.variable, "EVENT_TTL_DAYS");
        assert!(error.reason.contains("\"ten\""));
    }

    #[test]
    fn zero_ttl_days_keep_events_forever() {
        let settings = settings(&[("EVENTS_TABLE", "events"), ("EVENT_TTL_DAYS", "0")]).unwrap();
        assert_eq!(settings.event_ttl_days, None);
        assert_eq!(settings.expiry_for(&chrono::Utc::now()), None);
    }

    #[test]
    fn ttl_is_the_recorded_time_plus_the_days_in_epoch_seconds() {
        let settings = settings(&[("EVENTS_TABLE", "events"), ("EVENT_TTL_DAYS", "30")]).unwrap();
        let recorded = crate::parse_time("t", "2024-01-01T00:00:00Z").unwrap();
        assert_eq!(
            settings.expiry_for(&recorded),
            Some(1_704_067_200 + 30 * 86_400)
        );
    }

    #[test]
    fn an_invalid_table_name_is_rejected() {
        let error = settings(&[("EVENTS_TABLE", "my table")]).unwrap_err();
        assert_eq!(error.variable, "EVENTS_TABLE");
    }

    #[test]
    fn the_dedupe_scope_and_categories_are_read_and_checked() {
        let defaults = settings(&[("EVENTS_TABLE", "events")]).unwrap();
        assert_eq!(defaults.dedupe_scope, DedupeScope::Store);
        assert!(defaults.aggregate_type_from_category);
        let stream = settings(&[
            ("EVENTS_TABLE", "events"),
            ("DEDUPE_SCOPE", "stream"),
            ("AGGREGATE_TYPE_FROM_CATEGORY", "false"),
        ])
        .unwrap();
        assert_eq!(stream.dedupe_scope, DedupeScope::Stream);
        assert!(!stream.aggregate_type_from_category);
        let error =
            settings(&[("EVENTS_TABLE", "events"), ("DEDUPE_SCOPE", "global")]).unwrap_err();
        assert_eq!(error.variable, "DEDUPE_SCOPE");
        let error = settings(&[
            ("EVENTS_TABLE", "events"),
            ("AGGREGATE_TYPE_FROM_CATEGORY", "yes"),
        ])
        .unwrap_err();
        assert_eq!(error.variable, "AGGREGATE_TYPE_FROM_CATEGORY");
    }

    #[test]
    fn excessive_retention_is_rejected() {
        let error =
            settings(&[("EVENTS_TABLE", "events"), ("EVENT_TTL_DAYS", "99999")]).unwrap_err();
        assert_eq!(error.variable, "EVENT_TTL_DAYS");
    }
}
