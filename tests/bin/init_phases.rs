//! `make init-duration`'s second table: where a function's init goes beyond hello's. The steps
//! the query function takes before its first poll (`crates/functions/query/src/main.rs`), each
//! timed on its own in a fresh process: the process start to `main` (exec, the loader), the
//! tokio runtime, the logging set-up, the settings, the HTTPS client, the SDK's configuration
//! chain, the DynamoDB client, the store and its reducers. The lambda_runtime client's own start is hello's too.
//!
//! Usage: `init-phases [--runs N]`: it starts itself N times (default 30) and prints each step's
//! median in µs. Its own binary (the tests crate's) is larger than a function's, so the first
//! step is an upper bound of a function's.

use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use event_store_domain::{ReducerRegistry, Settings};
use event_store_dynamodb::{https_client, sdk_config_over, DynamoEventStore};

/// The parent's clock at spawn, in µs since the epoch, handed to the child.
const SPAWNED_AT: &str = "INIT_PHASES_SPAWNED_AT_US";

const STEPS: [&str; 8] = [
    "process start to main",
    "tokio runtime",
    "logging set-up",
    "settings",
    "HTTPS client (TLS roots)",
    "SDK configuration chain",
    "DynamoDB client",
    "store and reducers",
];

fn main() {
    let at_main = epoch_micros();
    match std::env::var(SPAWNED_AT) {
        Ok(spawned) => one_start(at_main - spawned.parse::<u128>().expect("µs since the epoch")),
        Err(_) => parent(),
    }
}

fn parent() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runs = match args.as_slice() {
        [] => 30,
        [flag, n] if flag == "--runs" => n.parse().expect("--runs takes a number"),
        _ => panic!("usage: init-phases [--runs N]"),
    };
    let own = std::env::current_exe().expect("own path");
    let mut samples: Vec<Vec<u128>> = vec![Vec::with_capacity(runs); STEPS.len()];
    for _ in 0..runs {
        let output = Command::new(&own)
            .env(SPAWNED_AT, epoch_micros().to_string())
            .env("EVENTS_TABLE", "events")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", "measured")
            .env("AWS_SECRET_ACCESS_KEY", "measured")
            .output()
            .expect("started");
        assert!(output.status.success(), "a start failed: {output:?}");
        let text = String::from_utf8(output.stdout).expect("utf-8");
        let line = text
            .lines()
            .find_map(|line| line.strip_prefix("phases "))
            .expect("the child prints its phases");
        let micros: Vec<u128> = line.split(' ').map(|n| n.parse().expect("µs")).collect();
        assert_eq!(micros.len(), STEPS.len(), "one figure per step: {line}");
        for (step, value) in micros.into_iter().enumerate() {
            samples[step].push(value);
        }
    }
    println!("init phases (the query function's steps; median of {runs} starts, µs):");
    let mut total = 0;
    for (name, mut values) in STEPS.iter().zip(samples) {
        values.sort_unstable();
        let median = values[values.len() / 2];
        total += median;
        println!("  {name:<26} {median:>7}");
    }
    println!("  {:<26} {total:>7}", "sum of medians");
}

/// One timed init; the figures go to stdout on one line for the parent.
fn one_start(to_main: u128) {
    let mut phases = vec![to_main];
    let started = Instant::now();
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    phases.push(started.elapsed().as_micros());
    runtime.block_on(async {
        let timed = Instant::now();
        function_support::init_logging();
        phases.push(timed.elapsed().as_micros());

        let timed = Instant::now();
        let settings = Settings::from_env().expect("settings");
        phases.push(timed.elapsed().as_micros());

        let timed = Instant::now();
        let http_client = https_client();
        phases.push(timed.elapsed().as_micros());

        let timed = Instant::now();
        let config = sdk_config_over(http_client).await;
        phases.push(timed.elapsed().as_micros());

        let timed = Instant::now();
        let client = aws_sdk_dynamodb::Client::new(&config);
        phases.push(timed.elapsed().as_micros());

        let timed = Instant::now();
        let store = DynamoEventStore::new(client, &settings);
        let reducers = ReducerRegistry::with_examples();
        phases.push(timed.elapsed().as_micros());
        drop((store, reducers));
    });
    let figures: Vec<String> = phases.iter().map(u128::to_string).collect();
    println!("phases {}", figures.join(" "));
}

fn epoch_micros() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_micros()
}
