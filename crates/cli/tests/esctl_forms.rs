//! Every form of every `esctl` command the README documents, run as written: the README's block
//! is read, and each form (a command and the flags it shows, optional ones included) must be
//! covered by a run here that uses all of them and succeeds with the output it should have.
//! `dev` and `demo` run in `esctl.rs`, where they can take turns with the pipeline.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const README: &str = include_str!("../../../README.md");
const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/streams/account-123.json"
);
/// The commands `esctl.rs` runs.
const RUN_ELSEWHERE: [&str; 2] = ["dev", "demo"];

/// Each documented form: the command and the flags its line shows.
fn documented_forms() -> Vec<(String, BTreeSet<String>)> {
    let block = README
        .split("<!-- esctl-forms")
        .nth(1)
        .and_then(|rest| rest.split("```sh\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the README's esctl block");
    block
        .lines()
        .filter_map(|line| line.split('#').next())
        .filter_map(|line| line.trim().strip_prefix("esctl "))
        .map(|form| {
            let mut words = form.split_whitespace();
            let command = words.next().expect("a command").to_owned();
            let flags = words
                .map(|w| w.trim_matches(|c| c == '[' || c == ']'))
                .filter(|w| w.starts_with("--"))
                .map(str::to_owned)
                .collect();
            (command, flags)
        })
        .collect()
}

struct Run {
    args: Vec<String>,
    output: Output,
}

fn esctl(table: &str, projections: &str, args: &[&str], stdin: Option<&str>) -> Run {
    assert!(
        std::env::var("AWS_ENDPOINT_URL").is_ok(),
        "AWS_ENDPOINT_URL is not set: run the tests with `make test`"
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_esctl"))
        .args(["--events-table", table])
        .args(args)
        .env("PROJECTIONS_TABLE", projections)
        // Its own keys table (create-tables makes it); forget asks DynamoDB only, not KMS.
        .env("KEYS_TABLE", format!("{table}-keys"))
        .env("PERSONAL_DATA_KEY", "alias/esctl-forms-personal-data")
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
    let output = child.wait_with_output().expect("esctl finishes");
    assert!(
        output.status.success(),
        "esctl {}: {}{}",
        args.join(" "),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        output,
    }
}

fn stdout(run: &Run) -> String {
    String::from_utf8_lossy(&run.output.stdout).into_owned()
}

fn json_lines(run: &Run) -> Vec<serde_json::Value> {
    stdout(run)
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn every_documented_form_of_every_command_runs_as_written() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (table, projections) = (format!("esctl-forms-{id}"), format!("esctl-forms-p-{id}"));
    let run = |args: &[&str]| esctl(&table, &projections, args, None);
    let mut runs = Vec::new();

    let created = run(&["create-tables"]);
    assert!(
        stdout(&created).contains("events table")
            && stdout(&created).contains("projections table")
            && stdout(&created).contains("keys table"),
        "{}",
        stdout(&created)
    );
    runs.push(created);
    let appended = run(&["append", FIXTURE]);
    assert!(
        stdout(&appended).contains("account-123: versions 1..=3"),
        "{}",
        stdout(&appended)
    );
    runs.push(appended);

    let many: Vec<serde_json::Value> = (0..60)
        .map(|n| serde_json::json!({"eventType": "Counted", "data": {"n": n}}))
        .collect();
    let command =
        serde_json::json!({"streamId": "chunked-1", "expectedVersion": 0, "events": many});
    let file = std::env::temp_dir().join(format!("esctl-chunked-{id}.json"));
    std::fs::write(&file, command.to_string()).unwrap();
    let chunked = run(&["append", file.to_str().unwrap(), "--chunked", "--json"]);
    let chunks = json_lines(&chunked);
    assert_eq!(chunks.len(), 2, "{}", stdout(&chunked));
    assert_eq!(
        chunks[1]["versions"].as_array().unwrap().last(),
        Some(&serde_json::json!(60))
    );
    runs.push(chunked);

    let read = run(&[
        "read",
        "account-123",
        "--backward",
        "--from",
        "1",
        "--to",
        "3",
        "--limit",
        "2",
        "--json",
    ]);
    let versions: Vec<u64> = json_lines(&read)
        .iter()
        .map(|e| e["version"].as_u64().unwrap())
        .collect();
    assert_eq!(versions, vec![3, 2]);
    runs.push(read);

    let by_id = run(&["event", "7b0f1c2e-4a61-4c55-9a39-0c8f3f4d1001", "--json"]);
    let found = json_lines(&by_id);
    assert_eq!(found[0]["eventType"], "AccountCreated");
    assert_eq!(found[0]["payloadHash"].as_str().map(str::len), Some(64));
    runs.push(by_id);

    let state = run(&["state", "account-123", "--aggregate-type", "Account"]);
    assert!(
        stdout(&state).contains("\"balance\": 70.25"),
        "{}",
        stdout(&state)
    );
    runs.push(state);

    let by_type = run(&[
        "query",
        "--event-type",
        "TransactionProcessed",
        "--from",
        "2024-01-01T00:00:00Z",
        "--to",
        "2024-12-31T00:00:00Z",
        "--backward",
        "--limit",
        "3",
        "--json",
    ]);
    let times: Vec<String> = json_lines(&by_type)
        .iter()
        .map(|e| e["eventTime"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        times,
        ["2024-01-15T11:00:00.000Z", "2024-01-15T10:30:00.000Z"]
    );
    runs.push(by_type);
    let by_aggregate = run(&[
        "query",
        "--aggregate-type",
        "Account",
        "--limit",
        "3",
        "--json",
    ]);
    assert_eq!(json_lines(&by_aggregate).len(), 3);
    runs.push(by_aggregate);
    let by_correlation = run(&["query", "--correlation-id", "tx-789", "--json"]);
    assert_eq!(json_lines(&by_correlation).len(), 1);
    runs.push(by_correlation);
    let by_user = run(&["query", "--user-id", "customer-456", "--backward", "--json"]);
    assert_eq!(json_lines(&by_user)[0]["version"], 3);
    runs.push(by_user);

    let tail = run(&[
        "tail",
        "account-123",
        "--from-start",
        "--count",
        "3",
        "--json",
    ]);
    assert_eq!(json_lines(&tail).len(), 3);
    runs.push(tail);
    let transactions = run(&["transactions", "210987654321"]);
    runs.push(transactions);

    let forgotten = run(&["forget", "customer-456", "--by", "dpo@example.com"]);
    assert!(
        stdout(&forgotten).contains("forgot customer-456: 0 key(s) deleted now; recorded in erasure-customer-456 at version 1"),
        "{}",
        stdout(&forgotten)
    );
    runs.push(forgotten);

    for (command, flags) in documented_forms() {
        if RUN_ELSEWHERE.contains(&command.as_str()) {
            continue;
        }
        let covered = runs
            .iter()
            .any(|run| run.args[0] == command && flags.iter().all(|flag| run.args.contains(flag)));
        assert!(
            covered,
            "the README's `esctl {command}` with {flags:?} is run by no test"
        );
    }
}

#[test]
fn the_readme_block_lists_every_command_and_the_parser_takes_them() {
    let forms = documented_forms();
    let documented: BTreeSet<&str> = forms.iter().map(|(c, _)| c.as_str()).collect();
    for command in [
        "create-tables",
        "append",
        "read",
        "event",
        "state",
        "query",
        "tail",
        "transactions",
        "forget",
        "dev",
        "demo",
    ] {
        assert!(
            documented.contains(command),
            "{command} is not in the README's esctl block"
        );
    }
    // The exclusive key group of `query` holds only the keys: a key combines with every other
    // flag, and two keys are refused by the parser.
    let output = Command::new(env!("CARGO_BIN_EXE_esctl"))
        .args(["query", "--event-type", "A", "--user-id", "u"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot be used with"));
}
