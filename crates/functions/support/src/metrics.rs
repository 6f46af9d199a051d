//! Metrics in CloudWatch Embedded Metric Format: one JSON line on stdout per invocation, which
//! CloudWatch Logs turns into metrics (namespace `EventStore`, dimension `Function`: the deployed
//! function's name, so each environment's alarms watch their own) with no API call on the hot
//! path.

use serde_json::{json, Map, Value};

/// The namespace every metric is published in.
pub const NAMESPACE: &str = "EventStore";

/// The variable Lambda sets to the function's deployed name.
const DEPLOYED_NAME: &str = "AWS_LAMBDA_FUNCTION_NAME";

/// The metrics of one invocation.
#[derive(Debug)]
pub struct Metrics {
    function: String,
    values: Vec<(&'static str, f64, &'static str)>,
}

impl Metrics {
    /// Metrics of `function`: its dimension is the deployed name Lambda gives it
    /// (`AWS_LAMBDA_FUNCTION_NAME`, e.g. `event-store-prod-projector`), else `function`.
    pub fn new(function: &'static str) -> Self {
        Self::named(
            std::env::var(DEPLOYED_NAME)
                .ok()
                .filter(|name| !name.is_empty())
                .unwrap_or_else(|| function.to_owned()),
        )
    }

    fn named(function: String) -> Self {
        Metrics {
            function,
            values: Vec::new(),
        }
    }

    /// Adds to a count (`EventsAppended`, `Duplicates`, `Conflicts`, `Failures`).
    pub fn count(&mut self, name: &'static str, value: usize) {
        match self.values.iter_mut().find(|(n, _, _)| *n == name) {
            Some((_, total, _)) => *total += value as f64,
            None => self.values.push((name, value as f64, "Count")),
        }
    }

    /// Records a duration.
    pub fn milliseconds(&mut self, name: &'static str, value: f64) {
        self.values.push((name, value, "Milliseconds"));
    }

    /// The EMF document at `timestamp_ms`, or `None` when nothing was recorded.
    pub fn to_emf(&self, timestamp_ms: i64) -> Option<Value> {
        if self.values.is_empty() {
            return None;
        }
        let definitions: Vec<Value> = self
            .values
            .iter()
            .map(|(name, _, unit)| json!({"Name": name, "Unit": unit}))
            .collect();
        let mut document = Map::new();
        document.insert(
            "_aws".into(),
            json!({
                "Timestamp": timestamp_ms,
                "CloudWatchMetrics": [{
                    "Namespace": NAMESPACE,
                    "Dimensions": [["Function"]],
                    "Metrics": definitions,
                }]
            }),
        );
        document.insert("Function".into(), json!(&self.function));
        for (name, value, _) in &self.values {
            document.insert((*name).into(), json!(value));
        }
        Some(Value::Object(document))
    }

    /// Writes the EMF line to stdout.
    pub fn flush(self) {
        if let Some(document) = self.to_emf(chrono::Utc::now().timestamp_millis()) {
            println!("{document}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_the_document_declares_each_metric() {
        let mut metrics = Metrics::named("event-store-prod-persister".into());
        metrics.count("EventsAppended", 2);
        metrics.count("EventsAppended", 3);
        metrics.milliseconds("Latency", 12.5);
        let document = metrics.to_emf(1_700_000_000_000).unwrap();
        assert_eq!(document["EventsAppended"], 5.0);
        assert_eq!(document["Function"], "event-store-prod-persister");
        let declared = &document["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(declared["Namespace"], "EventStore");
        assert_eq!(declared["Metrics"][1]["Unit"], "Milliseconds");
    }

    #[test]
    fn nothing_recorded_writes_nothing() {
        assert!(Metrics::new("query").to_emf(0).is_none());
    }
}
