//! `esctl` as a user runs it, against the local AWS endpoint (`make test` starts it).

use std::io::Write;
use std::process::{Command, Output, Stdio};

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
    child.wait_with_output().expect("esctl finishes")
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
