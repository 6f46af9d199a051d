//! The local endpoint killed mid-batch and started again: a server of this test's own, keeping
//! DynamoDB's tables in a file across restarts (`LOCAL_AWS_STATE_FILE`), is killed with SIGKILL
//! while a writer appends batches at expected versions; once it is back, the writer's retries
//! finish. Every batch is then stored whole and once, in order: no partial batch is visible, none
//! is lost, none doubled.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::Client;
use aws_smithy_types::retry::RetryConfig;
use event_store_domain::{AppendRequest, Error, EventId, ExpectedVersion, Settings, Version};
use event_store_dynamodb::{create_events_table, DynamoEventStore};
use event_store_tests::{event, fresh_stream, CapacityMeter};
use serde_json::json;

const BATCHES: usize = 30;
const PER_BATCH: usize = 10;

/// A local endpoint process of this test's own; killed when dropped.
struct Endpoint {
    port: u16,
    state_file: PathBuf,
    process: Child,
}

impl Endpoint {
    fn start(port: u16, state_file: PathBuf) -> Endpoint {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let python = root.join(".venv/bin/python");
        assert!(
            python.exists(),
            "{} is missing: run the tests with `make test`, which installs it",
            python.display()
        );
        let process = Command::new(python)
            .arg(root.join("tests/local_aws_server.py"))
            .arg(port.to_string())
            .env("LOCAL_AWS_STATE_FILE", &state_file)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the local endpoint starts");
        let endpoint = Endpoint {
            port,
            state_file,
            process,
        };
        endpoint.wait_until_listening();
        endpoint
    }

    fn wait_until_listening(&self) {
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the local endpoint never listened on {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, then the same server again on the same port and state file.
    fn kill_and_restart(mut self) -> Endpoint {
        self.process.kill().expect("killed");
        self.process.wait().expect("reaped");
        Endpoint::start(self.port, self.state_file.clone())
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

/// A metered client of `endpoint` that keeps retrying through a restart (up to 20 attempts,
/// backing off up to a second).
async fn client(endpoint: &str, meter: &CapacityMeter) -> Client {
    let shared = event_store_dynamodb::sdk_config().await;
    let config = aws_sdk_dynamodb::config::Builder::from(&shared)
        .endpoint_url(endpoint)
        .interceptor(meter.clone())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(20)
                .with_initial_backoff(Duration::from_millis(50))
                .with_max_backoff(Duration::from_secs(1)),
        )
        .build();
    Client::from_conf(config)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endpoint_killed_mid_batch_leaves_no_partial_batch_after_retries() {
    let state_file = std::env::temp_dir().join(format!("restart-{}.state", uuid::Uuid::new_v4()));
    let endpoint = Endpoint::start(free_port(), state_file.clone());
    let meter = CapacityMeter::default();
    let client = client(&endpoint.url(), &meter).await;
    let settings = Settings::for_table(format!("restart-{}", uuid::Uuid::new_v4().simple()));
    create_events_table(&client, &settings.events_table)
        .await
        .expect("created");
    let store = DynamoEventStore::new(client.clone(), &settings);
    let stream = fresh_stream("restart");

    let writer = {
        let (store, stream) = (store.clone(), stream.clone());
        tokio::spawn(async move {
            let mut version = Version::NONE;
            for batch in 0..BATCHES {
                let events: Vec<_> = (0..PER_BATCH)
                    .map(|k| {
                        event("Tick", json!({"batch": batch}))
                            .with_id(EventId::new(format!("b{batch}-{k}")).unwrap())
                    })
                    .collect();
                let request =
                    AppendRequest::new(stream.clone(), ExpectedVersion::Exact(version), events)
                        .unwrap();
                let mut attempts = 0;
                version = loop {
                    attempts += 1;
                    match store.append(&request).await {
                        Ok(outcome) => break outcome.last_version(),
                        Err(Error::Unavailable(_)) if attempts < 6 => continue,
                        Err(other) => panic!("batch {batch}: {other}"),
                    }
                };
            }
        })
    };

    let sent_before = meter.total();
    while meter.total() < sent_before + 8 {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let endpoint = tokio::task::spawn_blocking(move || endpoint.kill_and_restart())
        .await
        .unwrap();
    writer.await.expect("the writer finished after the restart");
    let attempts = meter.total() - sent_before;
    eprintln!("{attempts} requests for {BATCHES} batches across the restart");
    assert!(
        attempts > BATCHES,
        "the restart cost no retry: {attempts} requests"
    );

    let events = DynamoEventStore::new(client, &settings)
        .read_stream(&stream, &event_store_domain::StreamRead::forward(1000))
        .await
        .expect("readable after the restart")
        .items;
    let versions: Vec<u64> = events.iter().map(|e| e.version.get()).collect();
    assert_eq!(
        versions,
        (1..=(BATCHES * PER_BATCH) as u64).collect::<Vec<_>>()
    );
    let ids: Vec<String> = events.iter().map(|e| e.event_id.to_string()).collect();
    let expected: Vec<String> = (0..BATCHES)
        .flat_map(|batch| (0..PER_BATCH).map(move |k| format!("b{batch}-{k}")))
        .collect();
    assert_eq!(ids, expected, "every batch whole, once, in order");
    drop(endpoint);
    let _ = std::fs::remove_file(state_file);
}
