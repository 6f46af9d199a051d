//! `make init-duration`: how long each function takes from process start to its first poll for
//! work (Lambda's Init Duration), as a ratio to a hello-world `lambda_runtime` function built
//! with the same profile, and, on the local endpoint, how long until its first answer with its
//! DynamoDB connection opened during init (`CONNECT_AT_INIT`, the default) or on first use.
//!
//! Usage: `measure-init [--runs N] HELLO FUNCTION...` (binaries; HELLO first). Without
//! `AWS_ENDPOINT_URL` only init is measured, with `CONNECT_AT_INIT=false` (no endpoint to reach).

use std::time::Duration;

use event_store_tests::fixture;
use event_store_tests::runtime_api::{start_once, Timings};
use serde_json::{json, Value};

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut runs = 30;
    if let Some(at) = args.iter().position(|a| a == "--runs") {
        runs = args
            .get(at + 1)
            .and_then(|n| n.parse().ok())
            .expect("--runs takes a number");
        args.drain(at..at + 2);
    }
    let [hello, functions @ ..] = args.as_slice() else {
        panic!("usage: measure-init [--runs N] HELLO FUNCTION...");
    };
    let endpoint = std::env::var("AWS_ENDPOINT_URL").ok();
    let tables = match &endpoint {
        Some(_) => Some(MeasuredTables::create().await),
        None => None,
    };
    let environment = |connect: bool| -> Vec<(String, String)> {
        let mut variables = vec![("CONNECT_AT_INIT".to_owned(), connect.to_string())];
        for (name, fallback) in [
            ("AWS_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "measured"),
            ("AWS_SECRET_ACCESS_KEY", "measured"),
        ] {
            if std::env::var(name).is_err() {
                variables.push((name.into(), fallback.into()));
            }
        }
        let (events, projections) = tables
            .as_ref()
            .map_or(("events".into(), "projections".into()), |t| {
                (t.events.clone(), t.projections.clone())
            });
        variables.push(("EVENTS_TABLE".into(), events));
        variables.push(("PROJECTIONS_TABLE".into(), projections));
        variables.push(("EVENT_BUS_NAME".into(), "bus".into()));
        variables
    };

    println!(
        "init: median of {runs} starts per row (min-max), release profile, {} {}; \
         first answer: process start to the answer of the row's event",
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    if endpoint.is_none() {
        println!("(no AWS_ENDPOINT_URL: init only, connection not opened at init)");
    }
    println!(
        "{:<10} {:>20} {:>8} {:>22} {:>18} {:>22}",
        "function",
        "init ms",
        "× hello",
        "init ms, connect@init",
        "1st answer ms",
        "1st answer, connect@init"
    );
    let hello_timings = measure(hello, runs, &environment(false), &|| {
        Some(json!({"hello": "world"}))
    })
    .await;
    let hello_init = median(&hello_timings, |t| Some(t.init)).expect("timed");
    print_row(&label(hello), &hello_timings, None, hello_init);
    for function in functions {
        let name = label(function);
        let invocation = || endpoint.as_ref().and_then(|_| endpoint_event(&name));
        let late = measure(function, runs, &environment(false), &invocation).await;
        let early = match endpoint {
            Some(_) => Some(measure(function, runs, &environment(true), &invocation).await),
            None => None,
        };
        print_row(&name, &late, early.as_deref(), hello_init);
    }
}

/// The event each function answers on the local endpoint (`None`: init only): the query
/// function's state load, the persister's direct append of two events to a new stream (new ids
/// each start), the projector's stream batch.
fn endpoint_event(function: &str) -> Option<Value> {
    match function {
        "query" => Some(fixture("invoke/query-reconstruct-state.json")),
        "persister" => {
            let mut command = fixture("invoke/append-command.json");
            command["streamId"] = json!(format!("measured-{}", uuid::Uuid::new_v4()));
            for event in command["events"].as_array_mut().expect("events") {
                event["eventId"] = json!(uuid::Uuid::new_v4().to_string());
            }
            Some(command)
        }
        "projector" => Some(fixture("streams/dynamodb-batch.json")),
        _ => None,
    }
}

async fn measure(
    binary: &str,
    runs: usize,
    environment: &[(String, String)],
    invocation: &dyn Fn() -> Option<Value>,
) -> Vec<Timings> {
    let mut timings = Vec::with_capacity(runs);
    for _ in 0..runs {
        timings.push(start_once(binary, environment, invocation().as_ref()).await);
    }
    timings
}

fn print_row(name: &str, late: &[Timings], early: Option<&[Timings]>, hello_init: Duration) {
    let init = median(late, |t| Some(t.init)).expect("timed");
    let cell = |timings: Option<&[Timings]>, pick: fn(&Timings) -> Option<Duration>| {
        timings
            .and_then(|t| median(t, pick))
            .map_or("-".to_owned(), |d| format!("{:.1}", millis(d)))
    };
    println!(
        "{name:<10} {:>20} {:>8.2} {:>22} {:>18} {:>22}",
        spread(late),
        init.as_secs_f64() / hello_init.as_secs_f64(),
        cell(early, |t| Some(t.init)),
        cell(Some(late), |t| t.answered),
        cell(early, |t| t.answered),
    );
}

fn spread(timings: &[Timings]) -> String {
    let mut inits: Vec<Duration> = timings.iter().map(|t| t.init).collect();
    inits.sort();
    format!(
        "{:.1} ({:.1}-{:.1})",
        millis(inits[inits.len() / 2]),
        millis(inits[0]),
        millis(inits[inits.len() - 1])
    )
}

fn median(timings: &[Timings], pick: fn(&Timings) -> Option<Duration>) -> Option<Duration> {
    let mut picked: Vec<Duration> = timings.iter().filter_map(pick).collect();
    picked.sort();
    picked.get(picked.len() / 2).copied()
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// `target/release/persister` → `persister`.
fn label(binary: &str) -> String {
    binary.rsplit('/').next().unwrap_or(binary).to_owned()
}

/// The tables the measured functions use, new on the local endpoint.
struct MeasuredTables {
    events: String,
    projections: String,
}

impl MeasuredTables {
    async fn create() -> Self {
        let client = event_store_dynamodb::dynamodb_client().await;
        let suffix = uuid::Uuid::new_v4();
        let tables = MeasuredTables {
            events: format!("init-events-{suffix}"),
            projections: format!("init-projections-{suffix}"),
        };
        event_store_dynamodb::create_events_table(&client, &tables.events)
            .await
            .expect("the events table is created");
        event_store_dynamodb::create_projections_table(&client, &tables.projections)
            .await
            .expect("the projections table is created");
        tables
    }
}
