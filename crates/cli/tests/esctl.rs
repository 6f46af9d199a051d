//! `esctl` as a user runs it, against the local AWS endpoint (`make test` starts it).

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Held by the tests that run the whole pipeline hard (the demo, replays, a rebuild that scans
/// the shared local table), so they take turns: the local endpoint answers one request at a
/// time, and a rebuild's scan beside the demo made the demo's invocations wait past their
/// timeout.
static PIPELINE_HEAVY: Mutex<()> = Mutex::new(());

fn pipeline_turn() -> MutexGuard<'static, ()> {
    PIPELINE_HEAVY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The longest any esctl run of these tests may take (the demo takes about a minute): past it
/// the run is killed and its test fails, so a loop that goes nowhere fails the suite instead
/// of holding it until CI's own timeout.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// Waits for `child` as `wait_with_output` does, killing it past `RUN_LIMIT`.
fn finish(child: std::process::Child, what: &str) -> Output {
    let finished = Arc::new(AtomicBool::new(false));
    let pid = child.id().to_string();
    let watchdog = {
        let finished = finished.clone();
        std::thread::spawn(move || {
            let started = Instant::now();
            while started.elapsed() < RUN_LIMIT {
                if finished.load(Ordering::SeqCst) {
                    return false;
                }
                std::thread::sleep(Duration::from_millis(200));
            }
            let _ = Command::new("kill").args(["-9", &pid]).status();
            true
        })
    };
    let output = child.wait_with_output().expect("esctl finishes");
    finished.store(true, Ordering::SeqCst);
    let killed = watchdog.join().expect("the watchdog ends");
    assert!(
        !killed,
        "{what} did not finish within {RUN_LIMIT:?} and was killed; it printed:\n{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    output
}

fn esctl(table: &str, args: &[&str], stdin: Option<&str>) -> Output {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "AWS_ENDPOINT_URL is not set: run the tests with `make test`"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_esctl"))
        .args(["--events-table", table])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("esctl runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    finish(child, &format!("esctl {}", args.join(" ")))
}

fn table() -> String {
    format!("esctl-{}", uuid::Uuid::new_v4())
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn dev_loads_the_sample_stream_and_shows_it_with_its_state() {
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../fixtures/streams/account-123.json"
    );
    let env = format!("esctl-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let output = esctl(
        &table(),
        &["dev", "--env", &env, "--sample", sample, "--once"],
        None,
    );
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", text(&output.stderr));
    assert!(
        stdout.contains("appended 3 events to account-123"),
        "{stdout}"
    );
    assert!(stdout.contains("TransactionProcessed"), "{stdout}");
    assert!(stdout.contains("\"balance\":70.25"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "bus event-store-{env}, rule event-store-{env}-ingest"
        )),
        "{stdout}"
    );
    assert!(stdout.contains("esctl dev: pipeline ready"), "{stdout}");
}

#[test]
fn dev_without_the_functions_says_how_to_run_it() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_esctl"));
    command
        .args(["dev", "--env", "esctl-nofunctions"])
        .env_remove("LAMBDA_ENDPOINT");
    let output = command.output().expect("esctl runs");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output.stderr));
    assert!(text(&output.stderr).contains("LAMBDA_ENDPOINT"));
}

#[test]
fn exit_codes_tell_conflicts_and_invalid_input_apart() {
    let table = table();
    assert!(esctl(&table, &["create-tables"], None).status.success());
    let command =
        r#"{"streamId": "s-1", "expectedVersion": 0, "events": [{"eventType": "A", "data": {}}]}"#;
    let first = esctl(&table, &["append", "-", "--json"], Some(command));
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(text(&first.stdout).contains("\"versions\":[1]"));

    let again_other_event = command.replace("\"A\"", "\"B\"");
    let conflict = esctl(&table, &["append", "-"], Some(&again_other_event));
    assert_eq!(
        conflict.status.code(),
        Some(3),
        "{}",
        text(&conflict.stderr)
    );
    assert!(text(&conflict.stderr).contains("is at version 1"));

    let invalid = esctl(
        &table,
        &["append", "-"],
        Some(r#"{"streamId": "", "events": []}"#),
    );
    assert_eq!(invalid.status.code(), Some(2));
    assert!(text(&invalid.stderr).contains("streamId"));

    let read = esctl(&table, &["read", "s-1", "--json"], None);
    assert_eq!(text(&read.stdout).lines().count(), 1);
}

#[test]
fn query_finds_events_by_type_across_streams() {
    let table = table();
    assert!(esctl(&table, &["create-tables"], None).status.success());
    for stream in ["q-1", "q-2"] {
        let command = format!(
            r#"{{"streamId": "{stream}", "events": [{{"eventType": "Queried", "data": {{}}}}, {{"eventType": "Other", "data": {{}}}}]}}"#
        );
        let appended = esctl(&table, &["append", "-"], Some(&command));
        assert!(appended.status.success(), "{}", text(&appended.stderr));
    }
    let found = esctl(
        &table,
        &["query", "--event-type", "Queried", "--json"],
        None,
    );
    assert!(found.status.success(), "{}", text(&found.stderr));
    let streams: Vec<String> = text(&found.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["streamId"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(streams.len(), 2, "{streams:?}");
    assert!(streams.contains(&"q-1".to_owned()) && streams.contains(&"q-2".to_owned()));

    let table_view = esctl(&table, &["query", "--event-type", "Queried"], None);
    assert!(
        text(&table_view.stdout).starts_with("STREAM"),
        "{}",
        text(&table_view.stdout)
    );
    let two_keys = esctl(
        &table,
        &["query", "--event-type", "A", "--user-id", "u"],
        None,
    );
    assert_eq!(two_keys.status.code(), Some(2));
}

/// Runs `esctl tail ARGS` in the background while `act` appends, and returns what it printed.
fn tail_while(table: &str, args: &[&str], act: impl FnOnce()) -> String {
    let child = Command::new(env!("CARGO_BIN_EXE_esctl"))
        .args(["--events-table", table, "tail"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("esctl tail runs");
    std::thread::sleep(std::time::Duration::from_secs(2));
    act();
    let output = finish(child, "esctl tail");
    assert!(output.status.success(), "{}", text(&output.stderr));
    text(&output.stdout)
}

#[test]
fn tail_prints_events_as_they_arrive_on_a_stream_and_in_the_whole_store() {
    let table = table();
    assert!(esctl(&table, &["create-tables"], None).status.success());
    let before = r#"{"streamId": "t-1", "events": [{"eventType": "Before", "data": {}}]}"#;
    assert!(esctl(&table, &["append", "-"], Some(before))
        .status
        .success());

    let on_stream = tail_while(&table, &["t-1", "--count", "2", "--json"], || {
        let after = r#"{"streamId": "t-1", "events": [{"eventType": "After1", "data": {}}, {"eventType": "After2", "data": {}}]}"#;
        assert!(esctl(&table, &["append", "-"], Some(after))
            .status
            .success());
    });
    let types: Vec<String> = on_stream
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["eventType"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        types,
        ["After1", "After2"],
        "only what arrived after tail started"
    );

    let whole_store = tail_while(&table, &["--count", "1"], || {
        let elsewhere =
            r#"{"streamId": "t-2", "events": [{"eventType": "Elsewhere", "data": {}}]}"#;
        assert!(esctl(&table, &["append", "-"], Some(elsewhere))
            .status
            .success());
    });
    assert!(whole_store.starts_with("STREAM"), "{whole_store}");
    assert!(
        whole_store.contains("t-2") && whole_store.contains("Elsewhere"),
        "{whole_store}"
    );
    assert!(!whole_store.contains("After1"), "{whole_store}");
}

#[test]
fn demo_runs_the_seeds_scenarios_end_to_end_and_transactions_shows_the_cycle() {
    let _turn = pipeline_turn();
    if std::env::var("LAMBDA_ENDPOINT").is_err() {
        panic!(
            "LAMBDA_ENDPOINT is not set: run the tests with `make test`, which runs the pipeline"
        );
    }
    let demo = finish(
        Command::new(env!("CARGO_BIN_EXE_esctl"))
            .arg("demo")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("esctl demo runs"),
        "esctl demo",
    );
    let stdout = text(&demo.stdout);
    assert!(demo.status.success(), "{stdout}{}", text(&demo.stderr));
    for line in [
        "read model testItems",
        "balance 70.25 at version 3",
        "account-maintenance\" \"complete\"",
        "metering event on the bus: \"CycleCompleted\"",
        "CustomerUpdatedEvent, ValidatableEvent",
        "all four scenarios passed",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    let account = stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("transactions of "))
        .and_then(|rest| rest.split(':').next())
        .expect("the demo names the account")
        .to_owned();
    let transactions = esctl(
        "event-store-local-events",
        &["transactions", &account],
        None,
    );
    let listed = text(&transactions.stdout);
    assert!(
        transactions.status.success(),
        "{}",
        text(&transactions.stderr)
    );
    assert!(
        listed.contains("account-maintenance") && listed.contains("complete"),
        "{listed}"
    );
    assert!(
        listed.contains("ExpiredAccount > PurgedAccount > PreparedAccount > ReleasedAccount"),
        "{listed}"
    );
}

#[test]
fn replay_counts_then_republishes_a_stream_in_chunks_and_resumes() {
    let _turn = pipeline_turn();
    if std::env::var("LAMBDA_ENDPOINT").is_err() {
        panic!("LAMBDA_ENDPOINT is not set: run the tests with `make test`, which serves the replay function");
    }
    let stream = format!("replayed-{}", uuid::Uuid::new_v4().simple());
    let events: Vec<String> = (0..5)
        .map(|n| format!(r#"{{"eventType": "Replayed", "data": {{"n": {n}}}}}"#))
        .collect();
    let command = format!(
        r#"{{"streamId": "{stream}", "events": [{}]}}"#,
        events.join(",")
    );
    let table = "event-store-local-events";
    assert!(esctl(table, &["append", "-"], Some(&command))
        .status
        .success());

    let dry = esctl(table, &["replay", "--stream", &stream, "--dry-run"], None);
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert_eq!(text(&dry.stdout).trim(), "5 events would be re-published");

    let run = esctl(
        table,
        &["replay", "--stream", &stream, "--chunk", "2", "--json"],
        None,
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let answers: Vec<serde_json::Value> = text(&run.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let done: Vec<u64> = answers
        .iter()
        .map(|a| a["done"].as_u64().unwrap())
        .collect();
    assert_eq!(done, [2, 4, 5], "three invocations of at most 2 events");
    let last = answers.last().unwrap();
    assert_eq!(last["status"], "complete");

    let id = last["replayId"].as_str().unwrap();
    let resumed = esctl(table, &["replay", "--resume", id], None);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(
        text(&resumed.stdout).contains("complete: 5 events"),
        "{}",
        text(&resumed.stdout)
    );

    let unknown = esctl(table, &["replay", "--resume", "no-such-replay"], None);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stderr));
}

#[test]
fn replay_rebuild_counts_then_rebuilds_a_read_model_and_resumes() {
    let _turn = pipeline_turn();
    if std::env::var("LAMBDA_ENDPOINT").is_err() {
        panic!("LAMBDA_ENDPOINT is not set: run the tests with `make test`, which serves the replay function");
    }
    let table = "event-store-local-events";
    let dry = esctl(
        table,
        &["replay", "--rebuild", "accountBalances", "--dry-run"],
        None,
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
    assert!(
        text(&dry.stdout).contains(r#"events would be scanned to rebuild ["accountBalances"]"#),
        "{}",
        text(&dry.stdout)
    );

    let run = esctl(
        table,
        &[
            "replay",
            "--rebuild",
            "accountBalances",
            "--segments",
            "2",
            "--json",
        ],
        None,
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let answers: Vec<serde_json::Value> = text(&run.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let last = answers.last().unwrap();
    assert_eq!(last["status"], "complete", "{last}");
    assert_eq!(last["kind"], "rebuild");
    assert_eq!(last["segments"].as_array().map(Vec::len), Some(2));
    let generation = last["models"]["accountBalances"].as_u64().unwrap();
    assert!(generation >= 1, "{last}");

    let id = last["replayId"].as_str().unwrap();
    let resumed = esctl(table, &["replay", "--resume", id], None);
    assert!(resumed.status.success(), "{}", text(&resumed.stderr));
    assert!(
        text(&resumed.stdout).contains(&format!("rebuild {id} complete")),
        "{}",
        text(&resumed.stdout)
    );
    let unknown = esctl(table, &["replay", "--rebuild", "noSuchModel"], None);
    assert_eq!(unknown.status.code(), Some(2), "{}", text(&unknown.stderr));
    assert!(
        text(&unknown.stderr).contains("noSuchModel"),
        "{}",
        text(&unknown.stderr)
    );
}

#[test]
fn replay_abandon_gives_up_a_rebuild_that_then_goes_no_further() {
    let _turn = pipeline_turn();
    if std::env::var("LAMBDA_ENDPOINT").is_err() {
        panic!("LAMBDA_ENDPOINT is not set: run the tests with `make test`, which serves the replay function");
    }
    let table = "event-store-local-events";
    // More than one page of 100 items, so that a rebuild stopped after its first page is left
    // in progress.
    let events: Vec<serde_json::Value> = (0..120)
        .map(|n| serde_json::json!({"eventType": "Counted", "data": {"n": n}}))
        .collect();
    let command = serde_json::json!({
        "streamId": format!("abandoned-{}", uuid::Uuid::new_v4().simple()),
        "events": events,
    });
    let appended = esctl(
        table,
        &["append", "-", "--chunked"],
        Some(&command.to_string()),
    );
    assert!(appended.status.success(), "{}", text(&appended.stderr));
    let started = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let replay = event_store_local_stack::FunctionInvoker::from_env(
            "replay",
            std::time::Duration::from_secs(60),
        )
        .await;
        let request = serde_json::json!({
            "op": "rebuild", "models": ["accountBalances"], "maxEvents": 1, "segments": 1
        });
        match replay.invoke(&request).await {
            event_store_local_stack::InvokeOutcome::Answered(answer) => answer,
            event_store_local_stack::InvokeOutcome::Failed(reason) => panic!("{reason}"),
        }
    });
    assert_eq!(started["status"], "inProgress", "{started}");
    let id = started["replayId"].as_str().unwrap();

    let abandoned = esctl(table, &["replay", "--abandon", id], None);
    assert!(abandoned.status.success(), "{}", text(&abandoned.stderr));
    assert!(
        text(&abandoned.stdout).contains(&format!("rebuild {id} abandoned")),
        "{}",
        text(&abandoned.stdout)
    );
    let again = esctl(table, &["replay", "--abandon", id, "--json"], None);
    assert!(again.status.success(), "{}", text(&again.stderr));
    let answer: serde_json::Value = serde_json::from_str(text(&again.stdout).trim()).unwrap();
    assert_eq!(answer["status"], "abandoned", "{answer}");

    let resumed = esctl(table, &["replay", "--resume", id], None);
    assert_eq!(resumed.status.code(), Some(2), "{}", text(&resumed.stderr));
    assert!(
        text(&resumed.stderr).contains("is abandoned"),
        "{}",
        text(&resumed.stderr)
    );
    // The model can be rebuilt again at once.
    let dry = esctl(
        table,
        &["replay", "--rebuild", "accountBalances", "--dry-run"],
        None,
    );
    assert!(dry.status.success(), "{}", text(&dry.stderr));
}
