//! The HTTP API through a real HTTP client. Every route and error status against an api served
//! in process on 127.0.0.1 over a table of its own (the same server `make dev` runs); a failing
//! DynamoDB injected through the fault proxy for 503; and, against the `api-local` that
//! `make test` runs beside the pipeline and the replay function (API_ENDPOINT), seed 003's
//! test case as the README prints it, replays started over HTTP and run until done, and the key
//! check.

use std::time::{Duration, Instant};

use api::Api;
use event_store_domain::ReducerRegistry;
use event_store_dynamodb::{DynamoEventStore, FunctionInvoker};
use event_store_tests::fault_proxy::{Fault, FaultProxy};
use event_store_tests::{endpoint, local_store, LocalStore};
use query::Query;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const KEY: &str = "test-key";

/// An api over `store`, served on a free port of 127.0.0.1; its base URL.
async fn serve(store: DynamoEventStore) -> String {
    serve_with(store, None).await
}

/// An api over `store` starting replays through `replay`, served as [`serve`] does.
async fn serve_with(store: DynamoEventStore, replay: Option<FunctionInvoker>) -> String {
    let query = Query::new(store.clone(), ReducerRegistry::with_examples());
    let api = Api::new(store, query, replay);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(api::local_server::serve(api, listener, KEY.into()));
    base
}

async fn served() -> (String, LocalStore) {
    let local = local_store().await;
    (serve(local.store.clone()).await, local)
}

async fn send(request: reqwest::RequestBuilder) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let response = request
        .header("x-api-key", KEY)
        .send()
        .await
        .expect("the api answers");
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.json().await.unwrap_or(Value::Null);
    (status, body, headers)
}

async fn get(base: &str, path: &str) -> (StatusCode, Value) {
    let (status, body, _) = send(Client::new().get(format!("{base}{path}"))).await;
    (status, body)
}

/// The status of `GET path` and the `part` (`field`, `type`) of the error it answers.
async fn refusal(base: &str, path: &str, part: &str) -> (StatusCode, Value) {
    let (status, body) = get(base, path).await;
    (status, body["error"][part].clone())
}

async fn post(base: &str, path: &str, body: &Value) -> (StatusCode, Value) {
    let (status, body, _) = send(Client::new().post(format!("{base}{path}")).json(body)).await;
    (status, body)
}

fn one_event(stream: &str, id: &str, expected: Value) -> Value {
    json!({"streamId": stream, "expectedVersion": expected, "events": [
        {"eventId": id, "eventType": "ItemAdded", "data": {"sku": id}, "metadata": {"correlationId": format!("c-{stream}"), "userId": "u-1"}}
    ]})
}

#[tokio::test]
async fn appends_answer_201_then_200_for_the_retry_and_409_422_413_400_for_what_is_wrong() {
    let (base, _local) = served().await;
    let (status, body) = post(&base, "/events", &one_event("cart-1", "e-1", json!(0))).await;
    assert_eq!(
        (status, &body["versions"]),
        (StatusCode::CREATED, &json!([1])),
        "{body}"
    );
    let (status, body) = post(&base, "/events", &one_event("cart-1", "e-1", json!(0))).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "the retry of a stored append: {body}"
    );
    assert_eq!(body["duplicate"], true);

    let (status, body) = post(&base, "/events", &one_event("cart-1", "e-2", json!(0))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(
        (&body["error"]["expected"], &body["error"]["actual"]),
        (&json!("noStream"), &json!(1))
    );

    let (status, body) = post(&base, "/events", &one_event("cart-2", "e-1", json!("any"))).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an id reused in another stream: {body}"
    );
    assert_eq!(body["error"]["storedIn"]["streamId"], "cart-1");

    let big = json!({"streamId": "cart-3", "events": [{"eventType": "Big", "data": {"blob": "x".repeat(420_000)}}]});
    let (status, body) = post(&base, "/events", &big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert_eq!(body["error"]["type"], "TooLarge");

    let (status, body) = post(
        &base,
        "/events",
        &json!({"streamId": "cart-4", "events": [{"data": {}}]}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["error"]["field"]
            .as_str()
            .unwrap()
            .starts_with("events[0]"),
        "{body}"
    );
    let (status, body, _) = send(
        Client::new()
            .post(format!("{base}/events"))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("body"))
    );

    // Nothing refused was stored: cart-1 holds e-1 alone, carts 2 to 4 nothing.
    let (_, read) = get(&base, "/streams/cart-1").await;
    assert_eq!(read["events"].as_array().unwrap().len(), 1, "{read}");
    for cart in ["cart-2", "cart-3", "cart-4"] {
        let (_, read) = get(&base, &format!("/streams/{cart}")).await;
        assert_eq!(read["events"], json!([]), "{cart}: {read}");
    }
}

#[tokio::test]
async fn reads_page_a_stream_fold_its_state_and_find_events_by_id_and_by_index() {
    let (base, local) = served().await;
    for n in 1..=3 {
        let (status, body) = post(
            &base,
            "/events",
            &one_event("order:7", &format!("o-{n}"), json!("any")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, page) = get(&base, "/streams/order%3A7?limit=2&direction=backward").await;
    assert_eq!(status, StatusCode::OK);
    let versions: Vec<&Value> = page["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["version"])
        .collect();
    assert_eq!(versions, [&json!(3), &json!(2)], "{page}");
    let token = page["nextPageToken"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, rest) = get(
        &base,
        &format!(
            "/streams/order%3A7?limit=2&direction=backward&pageToken={}",
            urlencode(&token)
        ),
    )
    .await;
    assert_eq!(rest["events"][0]["version"], 1, "{rest}");
    let (_, range) = get(&base, "/streams/order%3A7?fromVersion=2&toVersion=2").await;
    assert_eq!(range["events"].as_array().unwrap().len(), 1);

    let (status, state) = get(&base, "/streams/order%3A7/state").await;
    assert_eq!(status, StatusCode::OK, "{state}");
    assert_eq!(state["state"]["version"], 3, "{state}");

    // Its snapshots, newest first; a token that is not one is a 400 naming it.
    let (status, none) = get(&base, "/streams/order%3A7/snapshots").await;
    assert_eq!(
        (status, &none["snapshots"]),
        (StatusCode::OK, &json!([])),
        "{none}"
    );
    local
        .store
        .write_snapshot(&event_store_domain::Snapshot {
            stream_id: event_store_domain::StreamId::new("order:7").unwrap(),
            version: event_store_domain::Version::new(2),
            aggregate_type: None,
            state: json!({"at": 2}),
            taken_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    let (status, listed) = get(&base, "/streams/order%3A7/snapshots?limit=5").await;
    assert_eq!(status, StatusCode::OK, "{listed}");
    assert_eq!(listed["snapshots"][0]["version"], 2, "{listed}");
    assert_eq!(
        listed["snapshots"][0]["state"],
        json!({"at": 2}),
        "{listed}"
    );
    assert_eq!(
        refusal(
            &base,
            "/streams/order%3A7/snapshots?pageToken=nope",
            "field"
        )
        .await,
        (StatusCode::BAD_REQUEST, json!("pageToken"))
    );
    let (status, at_two) = get(&base, "/streams/order%3A7/state?atVersion=2").await;
    assert_eq!(status, StatusCode::OK, "{at_two}");
    assert_eq!(at_two["state"]["version"], 2, "{at_two}");
    let (status, past) = get(&base, "/streams/order%3A7/state?atVersion=9").await;
    assert_eq!(
        (status, &past["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("atVersion")),
        "{past}"
    );
    let (status, at_time) = get(
        &base,
        &format!(
            "/streams/order%3A7/state?atTime={}",
            urlencode(&event_store_domain::format_time(&chrono::Utc::now()))
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{at_time}");
    assert_eq!(at_time["state"]["version"], 3, "{at_time}");
    for (query, field) in [
        ("atVersion=2&atTime=2026-01-01T00:00:00Z", "atVersion"),
        ("atTime=yesterday", "atTime"),
        ("atVersion=two", "atVersion"),
        ("atVersion=0", "atVersion"),
    ] {
        let path = format!("/streams/order%3A7/state?{query}");
        assert_eq!(
            refusal(&base, &path, "field").await,
            (StatusCode::BAD_REQUEST, json!(field)),
            "{query}"
        );
    }

    let (status, found) = get(&base, "/events/o-2").await;
    assert_eq!(
        (status, &found["event"]["version"]),
        (StatusCode::OK, &json!(2))
    );
    let (status, missing) = get(&base, "/events/nowhere").await;
    assert_eq!(
        (status, &missing["error"]["type"]),
        (StatusCode::NOT_FOUND, &json!("NotFound"))
    );

    let (_, by_type) = get(&base, "/events?eventType=ItemAdded").await;
    assert_eq!(by_type["events"].as_array().unwrap().len(), 3, "{by_type}");
    let (_, by_correlation) = get(&base, "/events?correlationId=c-order%3A7").await;
    assert_eq!(
        by_correlation["events"].as_array().unwrap().len(),
        3,
        "{by_correlation}"
    );
    let (_, by_user) = get(&base, "/events?userId=u-1&limit=1").await;
    assert_eq!(by_user["events"].as_array().unwrap().len(), 1);
    let (_, everything) = get(&base, "/events?from=2000-01-01T00:00:00Z").await;
    assert_eq!(
        everything["events"].as_array().unwrap().len(),
        3,
        "{everything}"
    );
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn wrong_parameters_routes_and_methods_are_named() {
    let (base, _local) = served().await;
    assert_eq!(
        refusal(&base, "/streams/s?limit=many", "field").await,
        (StatusCode::BAD_REQUEST, json!("limit"))
    );
    let (status, body) = get(&base, "/streams/s?colour=red").await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("colour"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("fromVersion"),
        "{body}"
    );
    assert_eq!(
        refusal(&base, "/events?eventType=A&userId=u", "field").await,
        (StatusCode::BAD_REQUEST, json!("userId"))
    );
    assert_eq!(
        refusal(&base, "/events?from=yesterday", "field").await,
        (StatusCode::BAD_REQUEST, json!("from"))
    );
    assert_eq!(
        refusal(&base, "/nowhere", "type").await,
        (StatusCode::NOT_FOUND, json!("NotFound"))
    );
    let (status, body, headers) = send(Client::new().delete(format!("{base}/events"))).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");
    assert_eq!(headers["allow"], "POST, GET");
    let (status, body) = get(&base, "/read-models/testItems").await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "no projections table here: {body}"
    );
    let (status, body) = post(&base, "/replays", &json!({"op": "republish"})).await;
    assert_eq!(
        status,
        StatusCode::NOT_IMPLEMENTED,
        "no replay function here: {body}"
    );
    let (status, body, _) = send(
        Client::new()
            .post(format!("{base}/events"))
            .header("idempotency-key", "x".repeat(256))
            .json(&one_event("w", "w-1", json!("any"))),
    )
    .await;
    assert_eq!(
        (status, &body["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("Idempotency-Key"))
    );
}

/// A store whose every transaction is applied and then answered HTTP 500 while `lost` holds
/// (the write happened, nobody can know), with one attempt per request; and its api.
async fn losing_answers(
    local: &LocalStore,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicBool>) {
    let lost = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let flag = lost.clone();
    let proxy = FaultProxy::start(&endpoint(), move |_| {
        flag.load(std::sync::atomic::Ordering::SeqCst)
            .then_some(Fault::ServerErrorAfterTransaction)
    })
    .await;
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .endpoint_url(&proxy.endpoint)
        .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    let store = DynamoEventStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        local.store.settings(),
    );
    (serve(store).await, lost)
}

#[tokio::test]
async fn an_append_whose_answer_was_lost_is_sent_again_with_its_idempotency_key_and_stored_once() {
    let local = local_store().await;
    let (base, lost) = losing_answers(&local).await;
    let stream = event_store_domain::StreamId::new("lost-answer").unwrap();
    // Seed 003's shape, which carries no eventId.
    let body = json!({"streamId": "lost-answer", "type": "ITEM_CREATED", "data": {"itemId": "1", "amount": 5}});
    let keyed = |body: &Value| {
        Client::new()
            .post(format!("{base}/events"))
            .header("idempotency-key", "order-1-create")
            .json(body)
    };
    let (status, answer, headers) = send(keyed(&body)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    assert_eq!(headers["retry-after"], "1");
    assert_eq!(
        local.all_events(&stream).await.len(),
        1,
        "the write went through although its answer was lost"
    );
    lost.store(false, std::sync::atomic::Ordering::SeqCst);
    let (status, answer, _) = send(keyed(&body)).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "answered as the duplicate it is: {answer}"
    );
    assert_eq!(answer["duplicate"], true);
    assert_eq!(local.all_events(&stream).await.len(), 1);
    // The same key on another request is the key reused, not a second append.
    let other = json!({"streamId": "lost-answer", "type": "ITEM_CREATED", "data": {"itemId": "2", "amount": 7}});
    let (status, answer, _) = send(keyed(&other)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(answer["error"]["type"], "IdReused");
    assert_eq!(local.all_events(&stream).await.len(), 1);
    // With an expected version: the retry finds the stream moved by its own first attempt, and
    // is the duplicate, not a 409.
    lost.store(true, std::sync::atomic::Ordering::SeqCst);
    let guarded = json!({"streamId": "lost-guarded", "expectedVersion": 0, "events": [{"eventType": "Opened", "data": {}}, {"eventType": "Funded", "data": {"amount": 3}}]});
    let once = |body: &Value| {
        Client::new()
            .post(format!("{base}/events"))
            .header("idempotency-key", "open-and-fund")
            .json(body)
    };
    let (status, answer, _) = send(once(&guarded)).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{answer}");
    lost.store(false, std::sync::atomic::Ordering::SeqCst);
    let (status, answer, _) = send(once(&guarded)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(answer["duplicate"], true);
    let guarded_stream = event_store_domain::StreamId::new("lost-guarded").unwrap();
    assert_eq!(local.all_events(&guarded_stream).await.len(), 2);
}

#[tokio::test]
async fn a_replica_region_answers_403_and_a_state_whose_events_expired_410() {
    let replica = event_store_tests::local_store_with(|settings| {
        settings.write_region = Some("eu-west-1".into());
        settings.region = Some("us-east-1".into());
    })
    .await;
    let base = serve(replica.store.clone()).await;
    let (status, body) = post(&base, "/events", &one_event("r", "r-1", json!("any"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["type"], "NotWriteRegion");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("eu-west-1"),
        "names the write region: {body}"
    );
    let stream = event_store_domain::StreamId::new("r").unwrap();
    assert!(replica.all_events(&stream).await.is_empty());

    let one_day = event_store_tests::local_store_with(|s| s.event_ttl_days = Some(1)).await;
    let base = serve(one_day.store.clone()).await;
    for n in 1..=2 {
        let (status, body) = post(
            &base,
            "/events",
            &one_event("gone", &format!("g-{n}"), json!("any")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let after_two_days = chrono::Utc::now().timestamp() + 2 * 86_400;
    event_store_tests::ttl::expire_items(&one_day.client, one_day.store.table(), after_two_days)
        .await;
    let (status, body) = post(&base, "/events", &one_event("gone", "g-3", json!("any"))).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = get(&base, "/streams/gone/state").await;
    assert_eq!(status, StatusCode::GONE, "{body}");
    assert_eq!(body["error"]["type"], "Expired");
}

#[tokio::test]
async fn without_the_key_the_api_answers_403_and_does_nothing() {
    let (base, local) = served().await;
    for key in [None, Some("wrong")] {
        let mut request = Client::new()
            .post(format!("{base}/events"))
            .json(&one_event("k", "k-1", json!("any")));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let stream = event_store_domain::StreamId::new("k").unwrap();
    assert!(local.all_events(&stream).await.is_empty());
}

#[tokio::test]
async fn a_failing_dynamodb_is_503_with_retry_after_and_a_retry_then_stores_once() {
    let local = local_store().await;
    // Every request throttled until the switch flips.
    let healthy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = healthy.clone();
    let proxy = FaultProxy::start(&endpoint(), move |_| {
        (!flag.load(std::sync::atomic::Ordering::SeqCst)).then_some(Fault::Throttle)
    })
    .await;
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .endpoint_url(&proxy.endpoint)
        .retry_config(aws_smithy_types::retry::RetryConfig::standard().with_max_attempts(2))
        .build();
    let store = DynamoEventStore::new(
        aws_sdk_dynamodb::Client::from_conf(config),
        local.store.settings(),
    );
    let base = serve(store).await;
    let (status, body, headers) = send(
        Client::new()
            .post(format!("{base}/events"))
            .json(&one_event("t", "t-1", json!("any"))),
    )
    .await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["retryable"], true);
    assert_eq!(headers["retry-after"], "1");
    assert!(
        !body.to_string().contains("ThrottlingException"),
        "no AWS text: {body}"
    );
    healthy.store(true, std::sync::atomic::Ordering::SeqCst);
    let (status, body) = post(&base, "/events", &one_event("t", "t-1", json!("any"))).await;
    assert!(
        matches!(status, StatusCode::CREATED | StatusCode::OK),
        "{status} {body}"
    );
    let stream = event_store_domain::StreamId::new("t").unwrap();
    assert_eq!(local.all_events(&stream).await.len(), 1);
}

#[tokio::test]
async fn the_openapi_document_is_served_and_docs_holds_the_same() {
    let (base, _local) = served().await;
    let (status, served) = get(&base, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, api::openapi_document());
    let path = event_store_tests::readme::repository().join("docs/openapi.json");
    let checked_in: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_default())
            .unwrap_or(Value::Null);
    if checked_in != served {
        if std::env::var("UPDATE_OPENAPI").is_ok() {
            std::fs::write(&path, serde_json::to_string_pretty(&served).unwrap() + "\n").unwrap();
        }
        panic!("docs/openapi.json differs from the routes: run `UPDATE_OPENAPI=1 make test` (or this test) and commit it");
    }
}

/// The api-local `make test` runs beside the pipeline (API_ENDPOINT, API_KEY).
fn pipeline_api() -> (String, String) {
    let base = std::env::var("API_ENDPOINT")
        .expect("API_ENDPOINT is not set: run the tests with `make test`");
    let key = std::env::var("API_KEY").expect("API_KEY is set beside API_ENDPOINT");
    (base, key)
}

/// The JSON answer of `GET {base}{path}` on the pipeline's api, sent with its key.
async fn pipeline_get(base: &str, key: &str, path: &str) -> Value {
    Client::new()
        .get(format!("{base}{path}"))
        .header("x-api-key", key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Runs `line` (a README curl command) with make dev's address and key pointed at this run's.
fn run_line(line: &str, base: &str, key: &str) -> String {
    let line = line
        .replace("http://127.0.0.1:8080", base)
        .replace("local-dev-key", key);
    let output = std::process::Command::new("bash")
        .args(["-c", &line])
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "{line}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn seed_003s_test_case_runs_as_the_readme_prints_it() {
    let (base, key) = pipeline_api();
    let lines = event_store_tests::readme::readme_block("<!-- seed-003-curl -->");
    assert_eq!(lines.len(), 6, "the six steps: {lines:?}");
    let item = |answer: &str| -> Option<Value> {
        let answer: Value = serde_json::from_str(answer).ok()?;
        answer["documents"]
            .as_array()?
            .iter()
            .find(|d| d["key"] == "1")
            .map(|d| d["document"].clone())
    };
    // What each listing must show once the projector caught up: item 1 at 225, at 500, gone.
    let expected = [
        Some(json!({"itemId": "1", "amount": 225})),
        Some(json!({"itemId": "1", "amount": 500})),
        None,
    ];
    for (step, line) in lines.iter().enumerate() {
        if step % 2 == 0 {
            let answer: Value = serde_json::from_str(&run_line(line, &base, &key)).expect("JSON");
            assert!(answer["versions"].is_array(), "step {}: {answer}", step + 1);
            continue;
        }
        let want = &expected[step / 2];
        let started = Instant::now();
        loop {
            let listed = run_line(line, &base, &key);
            if &item(&listed) == want {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "step {}: {listed} never showed {want:?}",
                step + 1
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    }
}

#[tokio::test]
async fn a_replay_started_over_http_runs_until_done_and_its_progress_is_followed() {
    let (base, key) = pipeline_api();
    let client = Client::new();
    let stream = format!("http-replay-{}", uuid::Uuid::new_v4());
    for n in 1..=3 {
        let response = client.post(format!("{base}/events")).header("x-api-key", &key)
            .json(&json!({"streamId": stream, "events": [{"eventType": "Replayed", "data": {"n": n}}]}))
            .send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let dry = client
        .post(format!("{base}/replays"))
        .header("x-api-key", &key)
        .json(&json!({"op": "republish", "dryRun": true, "filter": {"streamId": stream}}))
        .send()
        .await
        .unwrap();
    assert_eq!(dry.status(), StatusCode::OK);
    assert_eq!(dry.json::<Value>().await.unwrap()["count"], 3);
    let started = client
        .post(format!("{base}/replays"))
        .header("x-api-key", &key)
        .json(&json!({"op": "republish", "filter": {"streamId": stream}}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), StatusCode::ACCEPTED);
    let location = started.headers()["location"].to_str().unwrap().to_owned();
    let answer: Value = started.json().await.unwrap();
    assert_eq!(
        location,
        format!("/replays/{}", answer["replayId"].as_str().unwrap())
    );
    let waited = Instant::now();
    loop {
        let progress = pipeline_get(&base, &key, &location).await;
        if progress["status"] == "complete" {
            assert_eq!(progress["done"], 3, "{progress}");
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "the replay went no further: {progress}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let unknown = client
        .get(format!("{base}/replays/no-such-replay"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let resume = client
        .post(format!("{base}/replays"))
        .header("x-api-key", &key)
        .json(&json!({"op": "progress", "replayId": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resume.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_replay_whose_chain_stopped_is_resumed_over_http_and_runs_until_done() {
    let (base, key) = pipeline_api();
    let client = Client::new();
    let stream = format!("http-resume-{}", uuid::Uuid::new_v4());
    for n in 1..=3 {
        let response = client.post(format!("{base}/events")).header("x-api-key", &key)
            .json(&json!({"streamId": stream, "events": [{"eventType": "Resumed", "data": {"n": n}}]}))
            .send().await.unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    // A replay asked for one event and no chain: it stays in progress, as a chain that stopped.
    let functions = event_store_tests::invoke::functions().await;
    let stalled = event_store_tests::invoke::invoke(
        &functions,
        "replay",
        &json!({"op": "republish", "filter": {"streamId": stream}, "maxEvents": 1}),
    )
    .await;
    assert_eq!(stalled["status"], "inProgress", "{stalled}");
    let replay_id = stalled["replayId"].as_str().unwrap().to_owned();
    let resume = |id: String| {
        let (client, base, key) = (client.clone(), base.clone(), key.clone());
        async move {
            let response = client
                .post(format!("{base}/replays/{id}/resume"))
                .header("x-api-key", &key)
                .send()
                .await
                .unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    };
    let (status, resumed) = resume(replay_id.clone()).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{resumed}");
    let waited = Instant::now();
    loop {
        let progress = pipeline_get(&base, &key, &format!("/replays/{replay_id}")).await;
        if progress["status"] == "complete" {
            assert_eq!(progress["done"], 3, "each event once: {progress}");
            break;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "the resumed replay went no further: {progress}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let (status, finished) = resume(replay_id.clone()).await;
    assert_eq!(status, StatusCode::OK, "nothing to resume: {finished}");
    assert_eq!(finished["status"], "complete");
    let (status, _) = resume("no-such-replay".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_replay_whose_answer_was_lost_is_named_and_sent_again_starts_once() {
    let lambda = std::env::var("LAMBDA_ENDPOINT")
        .expect("LAMBDA_ENDPOINT is not set: run the tests with `make test`");
    // The first invocation runs, and its answer never reaches the api.
    let proxy = FaultProxy::start(&lambda, |n| (n == 0).then_some(Fault::DropAfter)).await;
    let replay = FunctionInvoker::at(&proxy.endpoint, "replay", Duration::from_secs(25)).await;
    let local = local_store().await;
    let base = serve_with(local.store.clone(), Some(replay)).await;
    let filter = json!({"streamId": format!("never-written-{}", uuid::Uuid::new_v4())});
    let idempotency_key = format!("replay-{}", uuid::Uuid::new_v4());
    let start = |body: Value| {
        Client::new()
            .post(format!("{base}/replays"))
            .header("idempotency-key", &idempotency_key)
            .json(&body)
    };
    let (status, lost, _) = send(start(json!({"op": "republish", "filter": filter}))).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{lost}");
    let replay_id = lost["error"]["replayId"]
        .as_str()
        .expect("names the replay")
        .to_owned();
    assert_eq!(lost["error"]["progress"], format!("/replays/{replay_id}"));
    let (status, progress) = get(&base, &format!("/replays/{replay_id}")).await;
    assert_eq!(status, StatusCode::OK, "the replay began: {progress}");
    let (status, again, _) = send(start(json!({"op": "republish", "filter": filter}))).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["replayId"], replay_id.as_str());
    assert_eq!(again["alreadyStarted"], true);
    let (status, other, _) = send(start(json!({"op": "republish", "filter": {}}))).await;
    assert_eq!(
        (status, &other["error"]["field"]),
        (StatusCode::BAD_REQUEST, &json!("newReplayId")),
        "{other}"
    );
}

#[tokio::test]
async fn read_models_documents_and_transactions_are_served_from_the_projections_table() {
    let (base, key) = pipeline_api();
    let client = Client::new();
    let item = format!("http-{}", uuid::Uuid::new_v4());
    let response = client.post(format!("{base}/events")).header("x-api-key", &key)
        .json(&json!({"streamId": format!("items-{item}"), "type": "ITEM_CREATED", "data": {"itemId": item, "amount": 3}}))
        .send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let waited = Instant::now();
    loop {
        let found = client
            .get(format!("{base}/read-models/testItems/{item}"))
            .header("x-api-key", &key)
            .send()
            .await
            .unwrap();
        if found.status() == StatusCode::OK {
            assert_eq!(
                found.json::<Value>().await.unwrap()["document"]["amount"],
                3
            );
            break;
        }
        assert_eq!(found.status(), StatusCode::NOT_FOUND);
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "never projected"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let listed = pipeline_get(&base, &key, "/read-models/testItems?limit=1").await;
    assert_eq!(listed["documents"].as_array().unwrap().len(), 1, "{listed}");
    let transactions = client
        .get(format!("{base}/transactions/account-http-none"))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(transactions.status(), StatusCode::OK);
    assert_eq!(
        transactions.json::<Value>().await.unwrap()["transactions"],
        json!([])
    );

    // The list of read models: the settings' (fixtures/settings/projector.json), code's, the store's.
    let models = pipeline_get(&base, &key, "/read-models").await;
    let names: Vec<&str> = models["models"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        &names[..3],
        ["testItems", "customers", "accountBalances"],
        "{models}"
    );
    assert!(
        names.contains(&"$streams") && names.contains(&"$replays"),
        "{models}"
    );
    let items = &models["models"][0];
    assert_eq!(items["origin"], "declared");
    assert_eq!(items["rebuildable"], true);
    assert!(items["generation"].is_u64(), "{items}");
    assert!(items["eventTypes"]
        .as_array()
        .unwrap()
        .contains(&json!("ITEM_CREATED")));
}

#[tokio::test]
async fn an_event_breaking_its_schema_is_a_400_naming_the_pointer_and_a_version_1_event_reads_in_version_2s_shape(
) {
    let local = local_store().await;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../fixtures/event-types.json"
    ))
    .unwrap();
    let catalog = event_store_domain::EventCatalog::from_json(&text).unwrap();
    let base = serve(local.store.clone().with_catalog(catalog)).await;
    let product = |id: &str, data: Value| {
        json!({"streamId": "product-9", "events": [
            {"eventId": id, "eventType": "ProductCreated", "data": data, "metadata": {"schemaVersion": "1.0"}}
        ]})
    };
    let (status, body) = post(
        &base,
        "/events",
        &product("p-bad", json!({"productId": "p-9", "name": "", "price": 4})),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "events[0].data/name");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("minLength")),
        "{body}"
    );
    let (status, body) = post(
        &base,
        "/events",
        &product(
            "p-good",
            json!({"productId": "p-9", "name": "Desk", "price": 4}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = get(&base, "/streams/product-9").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["events"].as_array().map(Vec::len), Some(1), "{body}");
    assert_eq!(
        body["events"][0]["data"],
        json!({"productId": "p-9", "title": "Desk", "price": {"amount": 4, "currency": "EUR"}})
    );
    assert_eq!(body["events"][0]["metadata"]["schemaVersion"], "2.0");
    let (_, body) = get(&base, "/events/p-good").await;
    assert_eq!(body["event"]["data"]["title"], "Desk", "{body}");
}

#[tokio::test]
async fn a_forget_records_the_iam_caller_is_refused_off_its_route_and_a_keyless_store_says_why_not()
{
    let local = event_store_tests::local_store_with_personal_data().await;
    let query = Query::new(local.store.clone(), ReducerRegistry::with_examples());
    let api = Api::new(local.store.clone(), query, None);
    let subject = format!("ada-{}", uuid::Uuid::new_v4().simple());
    // As API Gateway hands it over after IAM authorized the caller.
    let caller = "arn:aws:sts::123456789012:assumed-role/dpo/alice";
    let answer = api
        .respond(
            api::ApiRequest::new(
                "POST",
                &format!("/subjects/{subject}/forget?by=someone-else"),
            )
            .with_caller(caller)
            .through_resource("/subjects/{subjectId}/forget"),
        )
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);

    // The same forget through the proxy resource (which the API key alone opens, e.g. with a
    // trailing slash API Gateway did not match to the forget route): refused, nothing done.
    let other = format!("{subject}-other");
    let refused = api
        .respond(
            api::ApiRequest::new("POST", &format!("/subjects/{other}/forget/"))
                .through_resource("/{proxy+}"),
        )
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert_eq!(refused.body["error"]["type"], "Forbidden");
    assert!(local
        .all_events(
            &event_store_domain::StreamId::new(event_store_domain::erasure_stream(&other)).unwrap()
        )
        .await
        .is_empty());
    let record = local
        .all_events(
            &event_store_domain::StreamId::new(event_store_domain::erasure_stream(&subject))
                .unwrap(),
        )
        .await;
    assert_eq!(record[0].metadata.user_id.as_deref(), Some(caller));

    // Without keys: a 400 naming what is missing, nothing recorded.
    let (base, _plain) = served().await;
    let (status, body) = post(&base, &format!("/subjects/{subject}/forget"), &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["field"], "subjectId", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("KEYS_TABLE"),
        "{body}"
    );
}

#[tokio::test]
async fn the_console_is_served_without_the_key_and_the_data_it_asks_for_with_it() {
    let (base, _local) = served().await;
    let client = Client::new();
    for (path, content_type, holds) in [
        ("/console/", "text/html", "<main id=\"view\""),
        // Redirected to /console/, whose relative links name the modules.
        ("/console", "text/html", "console.js"),
        ("/console/live-tail.js", "text/javascript", "liveTail"),
        ("/console/console.js", "text/javascript", "renderStreams"),
        ("/console/console.css", "text/css", "@media"),
    ] {
        let response = client.get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let headers = response.headers().clone();
        assert!(
            headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with(content_type),
            "{path}: {headers:?}"
        );
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'"));
        assert!(response.text().await.unwrap().contains(holds), "{path}");
    }
    let missing = client
        .get(format!("{base}/console/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // The page, asked for on every load, names its files under its build's path, kept for good.
    let page = client.get(format!("{base}/console/")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let page = page.text().await.unwrap();
    let build = page
        .split("src=\"v/")
        .nth(1)
        .and_then(|rest| rest.split_once("/console.js\""))
        .map(|(build, _)| build.to_owned())
        .unwrap_or_else(|| panic!("the page names no build: {page}"));
    for name in ["console.js", "api.js", "console.css"] {
        let kept = client
            .get(format!("{base}/console/v/{build}/{name}"))
            .send()
            .await
            .unwrap();
        assert_eq!(kept.status(), StatusCode::OK, "{name}");
        assert_eq!(
            kept.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
    }
    let stale = client
        .get(format!("{base}/console/v/0000000000000000/console.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::NOT_FOUND);
    assert!(
        stale.text().await.unwrap().contains(&build),
        "names the build served"
    );
    // What the console shows still takes the key.
    let data = client
        .get(format!("{base}/events?direction=backward"))
        .send()
        .await
        .unwrap();
    assert_eq!(data.status(), StatusCode::FORBIDDEN);
}
