//! Correlated transactions (seed 000): a cycle is an ordered list of event types (account
//! release: created → prepared → released; maintenance: expired → purged → prepared →
//! released), followed per entity. Each instance is in progress, complete, or partial (a step
//! missing, out of order, or not finished in time), with its steps and their times.

use serde::{Deserialize, Serialize};

use crate::{RecordedEvent, Timestamp};

/// What identifies the entity a cycle follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CorrelateBy {
    /// The event's stream (one account, one stream).
    #[default]
    Stream,
    /// The event's correlation id.
    Correlation,
}

/// A cycle, as configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CycleDefinition {
    /// Its name, e.g. `account-maintenance`.
    pub name: String,
    /// The event types, in order; the first starts an instance, the last completes it.
    pub steps: Vec<String>,
    /// The entity it follows.
    #[serde(default)]
    pub correlate_by: CorrelateBy,
    /// An instance not complete this many minutes after it started is partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_minutes: Option<u32>,
}

/// Where an instance stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum CycleStatus {
    /// Started, steps still expected.
    InProgress,
    /// Every step, in order.
    Complete,
    /// A step missing, out of order, or too late; `reason` says which.
    Partial,
}

/// One step reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleStep {
    /// The event type.
    pub event_type: String,
    /// The event.
    pub event_id: String,
    /// When it happened.
    #[serde(with = "crate::time::rfc3339_millis")]
    pub at: Timestamp,
}

/// One run of a cycle for one entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CycleInstance {
    /// The cycle's name.
    pub cycle: String,
    /// The entity (stream or correlation id).
    pub entity: String,
    /// Where it stands.
    pub status: CycleStatus,
    /// Why it is partial.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The steps reached, in order.
    pub steps: Vec<CycleStep>,
    /// When the first step happened.
    #[serde(with = "crate::time::rfc3339_millis")]
    pub started: Timestamp,
    /// When the last step happened, once complete.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::time::rfc3339_millis::option"
    )]
    pub completed: Option<Timestamp>,
}

/// What one event does to a cycle's instances for its entity.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CycleChange {
    /// The instance closed as partial because this event broke or restarted it.
    pub closed: Option<CycleInstance>,
    /// The instance the event advanced or started (complete when it was the last step).
    pub current: Option<CycleInstance>,
}

impl CycleDefinition {
    /// The entity `event` belongs to for this cycle, if it takes part at all.
    pub fn entity_of(&self, event: &RecordedEvent) -> Option<String> {
        if !self.steps.iter().any(|s| s == event.event_type.as_str()) {
            return None;
        }
        match self.correlate_by {
            CorrelateBy::Stream => Some(event.stream_id.to_string()),
            CorrelateBy::Correlation => event.metadata.correlation_id.clone(),
        }
    }

    /// Applies `event` to the entity's open instance (`open`, in progress or absent). Events of
    /// a later step with no open instance are ignored: a step shared by two cycles (prepared,
    /// released) only counts where its cycle was started.
    pub fn advance(&self, open: Option<CycleInstance>, event: &RecordedEvent) -> CycleChange {
        let Some(entity) = self.entity_of(event) else {
            return CycleChange {
                current: open,
                ..CycleChange::default()
            };
        };
        let event_type = event.event_type.as_str();
        let step = CycleStep {
            event_type: event_type.to_owned(),
            event_id: event.event_id.to_string(),
            at: event.event_time,
        };
        let mut change = CycleChange::default();
        let open = match open {
            Some(instance) if self.timed_out(&instance, event.event_time) => {
                change.closed = Some(self.time_out(instance));
                None
            }
            other => other,
        };
        let Some(mut instance) = open else {
            if event_type == self.steps[0] {
                change.current = Some(self.start(entity, step));
            }
            return change;
        };
        let expected = &self.steps[instance.steps.len()];
        if event_type == expected {
            instance.steps.push(step);
            if instance.steps.len() == self.steps.len() {
                instance.status = CycleStatus::Complete;
                instance.completed = Some(event.event_time);
            }
            change.current = Some(instance);
        } else if event_type == self.steps[0] {
            change.closed = Some(self.close(instance, format!("restarted before {expected}")));
            change.current = Some(self.start(entity, step));
        } else {
            let position = self
                .steps
                .iter()
                .position(|s| s == event_type)
                .unwrap_or_default();
            let reason = if position > instance.steps.len() {
                format!("{expected} missing before {event_type}")
            } else {
                format!("{event_type} out of order, expected {expected}")
            };
            instance.steps.push(step);
            change.closed = Some(self.close(instance, reason));
        }
        change
    }

    /// `instance`, closed as partial because it was not finished within the timeout: what the
    /// next event of its entity does to it, and what the scheduled sweep does when none comes.
    pub fn time_out(&self, instance: CycleInstance) -> CycleInstance {
        let minutes = self.timeout_minutes.unwrap_or_default();
        self.close(instance, format!("not finished within {minutes} minutes"))
    }

    /// `timed_out`, an instance the sweep closed as not finished within the timeout, in progress
    /// again when an event of its entity at `at` is still within the timeout: the sweep judged by
    /// the clock, and an event that happened in time but was projected late (a projector behind)
    /// carries the instance on. `None` when `at` is past the timeout too (the verdict stands).
    pub fn reopen(&self, timed_out: CycleInstance, at: Timestamp) -> Option<CycleInstance> {
        let instance = CycleInstance {
            status: CycleStatus::InProgress,
            reason: None,
            ..timed_out
        };
        (!self.timed_out(&instance, at)).then_some(instance)
    }

    /// Whether `instance` is still in progress past its timeout at `now`.
    pub fn timed_out(&self, instance: &CycleInstance, now: Timestamp) -> bool {
        match self.timeout_minutes {
            Some(minutes) => {
                instance.status == CycleStatus::InProgress
                    && now - instance.started > chrono::Duration::minutes(i64::from(minutes))
            }
            None => false,
        }
    }

    fn start(&self, entity: String, step: CycleStep) -> CycleInstance {
        let started = step.at;
        CycleInstance {
            cycle: self.name.clone(),
            entity,
            status: if self.steps.len() == 1 {
                CycleStatus::Complete
            } else {
                CycleStatus::InProgress
            },
            reason: None,
            completed: (self.steps.len() == 1).then_some(started),
            steps: vec![step],
            started,
        }
    }

    fn close(&self, mut instance: CycleInstance, reason: String) -> CycleInstance {
        instance.status = CycleStatus::Partial;
        instance.reason = Some(reason);
        instance
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{EventType, NewEvent, StreamId, Version};
    use chrono::{Duration, TimeZone, Utc};
    use serde_json::json;

    fn maintenance() -> CycleDefinition {
        CycleDefinition {
            name: "account-maintenance".into(),
            steps: [
                "ExpiredAccount",
                "PurgedAccount",
                "PreparedAccount",
                "ReleasedAccount",
            ]
            .map(String::from)
            .to_vec(),
            correlate_by: CorrelateBy::Stream,
            timeout_minutes: Some(60),
        }
    }

    fn event(event_type: &str, minute: i64) -> RecordedEvent {
        let at = Utc.with_ymd_and_hms(2024, 2, 1, 8, 0, 0).unwrap() + Duration::minutes(minute);
        let new = NewEvent::new(EventType::new(event_type).unwrap(), json!({})).with_event_time(at);
        RecordedEvent::record(
            StreamId::new("210987654321").unwrap(),
            Version::new(1),
            new,
            at,
        )
    }

    /// Feeds events in order; returns the open instance and every closed one.
    #[track_caller]
    fn run(
        cycle: &CycleDefinition,
        events: &[(&str, i64)],
    ) -> (Option<CycleInstance>, Vec<CycleInstance>) {
        let (mut open, mut closed) = (None, Vec::new());
        for (event_type, minute) in events {
            let change = cycle.advance(open.take(), &event(event_type, *minute));
            closed.extend(change.closed);
            match change.current {
                Some(instance) if instance.status == CycleStatus::InProgress => {
                    open = Some(instance)
                }
                Some(finished) => closed.push(finished),
                None => {}
            }
        }
        (open, closed)
    }

    #[test]
    fn every_step_in_order_completes_the_cycle() {
        let (open, closed) = run(
            &maintenance(),
            &[
                ("ExpiredAccount", 0),
                ("PurgedAccount", 5),
                ("PreparedAccount", 10),
                ("ReleasedAccount", 12),
            ],
        );
        assert!(open.is_none());
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].status, CycleStatus::Complete);
        assert_eq!(closed[0].steps.len(), 4);
        assert_eq!(
            closed[0].completed.unwrap() - closed[0].started,
            Duration::minutes(12)
        );
    }

    #[test]
    fn a_missing_step_makes_it_partial_naming_the_step() {
        let (_, closed) = run(
            &maintenance(),
            &[("ExpiredAccount", 0), ("PreparedAccount", 10)],
        );
        assert_eq!(closed[0].status, CycleStatus::Partial);
        assert_eq!(
            closed[0].reason.as_deref(),
            Some("PurgedAccount missing before PreparedAccount")
        );
    }

    #[test]
    fn a_step_out_of_order_makes_it_partial() {
        let (_, closed) = run(
            &maintenance(),
            &[
                ("ExpiredAccount", 0),
                ("PurgedAccount", 1),
                ("PurgedAccount", 2),
            ],
        );
        assert_eq!(
            closed[0].reason.as_deref(),
            Some("PurgedAccount out of order, expected PreparedAccount")
        );
    }

    #[test]
    fn too_slow_a_cycle_is_partial_and_the_next_start_opens_a_new_one() {
        let (open, closed) = run(
            &maintenance(),
            &[
                ("ExpiredAccount", 0),
                ("PurgedAccount", 5),
                ("ExpiredAccount", 90),
            ],
        );
        assert_eq!(
            closed[0].reason.as_deref(),
            Some("not finished within 60 minutes")
        );
        assert_eq!(open.unwrap().steps.len(), 1);
    }

    #[test]
    fn a_later_step_without_a_started_cycle_is_ignored() {
        let release = CycleDefinition {
            name: "account-release".into(),
            steps: ["CreatedAccount", "PreparedAccount", "ReleasedAccount"]
                .map(String::from)
                .to_vec(),
            correlate_by: CorrelateBy::Stream,
            timeout_minutes: None,
        };
        let (open, closed) = run(&release, &[("PreparedAccount", 0), ("ReleasedAccount", 1)]);
        assert!(open.is_none() && closed.is_empty());
    }

    #[test]
    fn an_instance_the_sweep_timed_out_goes_on_with_an_event_that_happened_in_time() {
        let cycle = maintenance();
        let (open, _) = run(&cycle, &[("ExpiredAccount", 0), ("PurgedAccount", 5)]);
        let timed_out = cycle.time_out(open.unwrap());
        assert_eq!(timed_out.status, CycleStatus::Partial);
        // Prepared at minute 30, within the 60 minutes, but projected after the sweep.
        let prepared = event("PreparedAccount", 30);
        let reopened = cycle
            .reopen(timed_out.clone(), prepared.event_time)
            .unwrap();
        assert_eq!(
            (reopened.status, reopened.reason.clone()),
            (CycleStatus::InProgress, None)
        );
        let change = cycle.advance(Some(reopened), &prepared);
        assert_eq!(change.current.unwrap().steps.len(), 3);
        // An event past the timeout leaves the verdict as it is.
        assert_eq!(
            cycle.reopen(timed_out, event("PreparedAccount", 61).event_time),
            None
        );
    }

    #[test]
    fn events_of_other_types_leave_the_instance_alone() {
        let (open, closed) = run(
            &maintenance(),
            &[("ExpiredAccount", 0), ("SomethingElse", 1)],
        );
        assert!(closed.is_empty());
        assert_eq!(open.unwrap().steps.len(), 1);
    }
}
