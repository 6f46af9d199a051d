//! Steps of `features/personal-data.feature`: personal values sealed by the functions (which run
//! with `fixtures/event-types.json` and the local keys, tests/with-functions.sh), forgotten
//! through the HTTP API or esctl, and looked for on every read path.

use cucumber::{then, when};
use serde_json::{json, Value};

use super::StoreWorld;

#[when(regex = r#"^the api is asked (GET|POST) "([^"]+)"$"#)]
async fn api_is_asked(world: &mut StoreWorld, method: String, path: String) {
    let base = std::env::var("API_ENDPOINT")
        .expect("API_ENDPOINT is not set: run the features with `make test`");
    let key = std::env::var("API_KEY").expect("API_KEY is set beside API_ENDPOINT");
    let url = format!("{base}{}", world.fresh(&path));
    let client = reqwest::Client::new();
    let request = match method.as_str() {
        "GET" => client.get(&url),
        _ => client.post(&url),
    };
    let response = request
        .header("x-api-key", key)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    let status = response.status();
    let body = response.text().await.expect("a body");
    assert!(status.is_success(), "{method} {url}: {status} {body}");
    world.answer = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{body}: {e}"));
}

#[when(expr = "esctl is run with {string}")]
async fn esctl_is_run(world: &mut StoreWorld, arguments: String) {
    let esctl = format!("{}/../target/debug/esctl", env!("CARGO_MANIFEST_DIR"));
    assert!(
        std::path::Path::new(&esctl).exists(),
        "{esctl} is missing: `make test` builds it (tests/with-pipeline.sh), or run `cargo build --bin esctl`"
    );
    let arguments = world.fresh(&arguments);
    let output = tokio::process::Command::new(&esctl)
        .args(arguments.split_whitespace())
        .env(
            "EVENTS_TABLE",
            std::env::var("FUNCTIONS_EVENTS_TABLE").expect("set by tests/with-functions.sh"),
        )
        .output()
        .await
        .expect("esctl runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "esctl {arguments}: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let lines: Vec<Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect();
    // `read` prints an event per line; other commands print one answer.
    world.answer = if lines.iter().all(|l| l.get("eventType").is_some()) {
        json!({ "events": lines })
    } else {
        lines.into_iter().next().unwrap_or(Value::Null)
    };
}

#[then(
    regex = r#"^the (?:api's )?answer says (\d+) keys? of "([^"]+)" (?:was|were) forgotten(, already recorded)?$"#
)]
fn keys_forgotten(world: &mut StoreWorld, count: usize, subject: String, again: String) {
    let answer = &world.answer;
    assert_eq!(
        answer["subjectId"],
        json!(world.fresh(&subject)),
        "{answer}"
    );
    assert_eq!(answer["keysForgotten"], json!(count), "{answer}");
    assert_eq!(
        answer["recorded"]["duplicate"],
        json!(!again.is_empty()),
        "{answer}"
    );
}

#[then(regex = r#"^event (\d+) of the answer has data (\{.*\})$"#)]
fn event_has_data(world: &mut StoreWorld, position: usize, data: String) {
    let expected: Value = serde_json::from_str(&world.fresh(&data)).expect("JSON in the step");
    let event = &world.answer["events"][position - 1];
    assert_eq!(event["data"], expected, "{}", world.answer);
}

#[then(regex = r#"^event (\d+) of the answer is a "(\w+)" of "([^"]+)"$"#)]
fn event_is_a(world: &mut StoreWorld, position: usize, event_type: String, subject: String) {
    let event = &world.answer["events"][position - 1];
    assert_eq!(event["eventType"], json!(event_type), "{}", world.answer);
    assert_eq!(
        event["data"]["subjectId"],
        json!(world.fresh(&subject)),
        "{}",
        world.answer
    );
}

#[then(regex = r#"^event (\d+) of the answer was asked for by "([^"]+)"$"#)]
fn event_asked_by(world: &mut StoreWorld, position: usize, by: String) {
    let event = &world.answer["events"][position - 1];
    assert_eq!(event["metadata"]["userId"], json!(by), "{}", world.answer);
}

/// The quoted texts of `list` (`"a", "b" or "c"`).
fn quoted(list: &str) -> Vec<String> {
    list.split('"')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

fn says_nothing_of(text: &str, list: &str) {
    let texts = quoted(list);
    assert!(!texts.is_empty(), "no texts in {list}");
    for plaintext in texts {
        assert!(!text.contains(&plaintext), "{plaintext} is in {text}");
    }
}

#[then(regex = r#"^the answer says nothing of (.+)$"#)]
fn answer_says_nothing_of(world: &mut StoreWorld, list: String) {
    assert!(!world.answer.is_null(), "no answer");
    says_nothing_of(&world.answer.to_string(), &list);
}

#[then(regex = r#"^what arrived on that queue says "([^"]+)" and nothing of (.+)$"#)]
fn arrived_says_nothing_of(world: &mut StoreWorld, kept: String, list: String) {
    let arrived = Value::from(world.arrived.clone()).to_string();
    assert!(arrived.contains(&kept), "{kept} is not in {arrived}");
    says_nothing_of(&arrived, &list);
}
