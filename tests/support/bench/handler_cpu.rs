//! What each handler costs per event, the Lambda bill's part that is ours: CPU µs in this process
//! (the local endpoint runs in another one) and DynamoDB requests and units per event, for a
//! persister SQS batch of 10 bus events, a projector batch of 100 stream records with the seeds'
//! read models, and a query page of 100 events; each the handler as Lambda calls it, against the
//! local endpoint, averaged over a few runs. Wall time per event is measured too: what Lambda
//! bills (GB-s) on this endpoint, whose answers take as long as moto takes.

use event_store_domain::{AppendRequest, BusMapping, ExpectedVersion, ReducerRegistry};
use lambda_runtime::{Context, LambdaEvent};
use persister::Persister;
use projector::Projector;
use query::Query;
use serde_json::{json, Value};

use crate::bench::process_cpu::ProcessCpu;
use crate::read_models::{fixture_read_models, projections_table};
use crate::streams::{batch, stream_records};
use crate::{event, fresh_stream, local_store, LocalStore};

/// Runs each measurement is averaged over.
const RUNS: usize = 5;

/// One handler's cost per event.
#[derive(Debug, Clone)]
pub struct HandlerCost {
    /// What was handled.
    pub what: String,
    /// Events per invocation.
    pub events: usize,
    /// CPU µs per event in this process.
    pub cpu_micros_per_event: f64,
    /// Wall-clock µs per event, the local endpoint's answers included.
    pub wall_micros_per_event: f64,
    /// DynamoDB requests per event.
    pub requests_per_event: f64,
    /// Write units per event.
    pub write_units_per_event: f64,
    /// Read units per event.
    pub read_units_per_event: f64,
}

struct Sample {
    cpu: f64,
    wall: f64,
    requests: f64,
    wru: f64,
    rru: f64,
}

fn average(what: &str, events: usize, samples: &[Sample]) -> HandlerCost {
    let per = |f: fn(&Sample) -> f64| {
        samples.iter().map(f).sum::<f64>() / samples.len() as f64 / events as f64
    };
    HandlerCost {
        what: what.into(),
        events,
        cpu_micros_per_event: per(|s| s.cpu),
        wall_micros_per_event: per(|s| s.wall),
        requests_per_event: per(|s| s.requests),
        write_units_per_event: per(|s| s.wru),
        read_units_per_event: per(|s| s.rru),
    }
}

async fn measured(local: &LocalStore, work: impl std::future::Future<Output = ()>) -> Sample {
    local.meter.reset();
    let cpu = ProcessCpu::now();
    let wall = std::time::Instant::now();
    work.await;
    let wall = wall.elapsed().as_secs_f64() * 1e6;
    let cpu = cpu.elapsed_micros();
    let usage = local.meter.usage();
    Sample {
        cpu,
        wall,
        requests: usage.total_requests() as f64,
        wru: usage.write_units,
        rru: usage.read_units,
    }
}

/// An SQS batch of `count` bus events of seed 004's shape, each to a stream of its own.
fn sqs_batch(count: usize) -> Value {
    let records: Vec<Value> = (0..count)
        .map(|n| {
            let id = uuid::Uuid::new_v4();
            let body = json!({
                "version": "0", "id": id, "detail-type": "AccountCreated",
                "source": "bank.accounts", "account": "123456789012",
                "time": "2026-12-01T10:00:00Z", "region": "us-east-1", "resources": [],
                "detail": {"aggregateId": format!("account-{id}"), "aggregateType": "Account",
                           "accountId": format!("account-{id}"), "customerId": format!("customer-{n}"),
                           "accountType": "checking", "userId": format!("customer-{n}")}
            });
            json!({
                "messageId": format!("msg-{id}"), "receiptHandle": "handle",
                "body": body.to_string(), "attributes": {"ApproximateReceiveCount": "1"},
                "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:event-store-ingest",
                "awsRegion": "us-east-1"
            })
        })
        .collect();
    json!({"Records": records})
}

async fn persister_batch() -> HandlerCost {
    let local = local_store().await;
    let mapping = BusMapping::from_lookup(|_| None).expect("the default mapping");
    let persister = Persister::new(local.store.clone(), mapping);
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let payload = sqs_batch(10);
        samples.push(
            measured(&local, async {
                let answer = persister
                    .handle(LambdaEvent::new(payload, Context::default()))
                    .await
                    .expect("the batch is handled");
                assert_eq!(answer["batchItemFailures"], json!([]), "{answer}");
            })
            .await,
        );
    }
    average(
        "persister: an SQS batch of 10 bus events (new streams)",
        10,
        &samples,
    )
}

async fn projector_batch() -> HandlerCost {
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        // A table of its own per run: the stream records are the whole table's.
        let local = local_store().await;
        let streams: Vec<_> = (0..20).map(|_| fresh_stream("item")).collect();
        for stream in &streams {
            let events = (0..5)
                .map(|n| {
                    event(
                        "ITEM_CREATED",
                        json!({"itemId": format!("{stream}-{n}"), "amount": n}),
                    )
                })
                .collect();
            let request = AppendRequest::new(stream.clone(), ExpectedVersion::Any, events).unwrap();
            local.store.append(&request).await.expect("appended");
        }
        let records = stream_records(&local).await;
        assert_eq!(records.len(), 100);
        let read_models = projections_table(&local, "cpu").await;
        let projector = Projector::new(
            local.store.clone(),
            read_models,
            fixture_read_models(),
            ReducerRegistry::with_examples(),
        );
        samples.push(
            measured(&local, async {
                let response = projector.handle(batch(&records)).await;
                assert!(response.batch_item_failures.is_empty());
            })
            .await,
        );
    }
    average(
        "projector: a batch of 100 records (seed 003's items and the stream summaries)",
        100,
        &samples,
    )
}

async fn query_page() -> HandlerCost {
    let local = local_store().await;
    let stream = fresh_stream("page");
    for _ in 0..3 {
        let events = (0..40)
            .map(|n| event("ITEM_CREATED", json!({"itemId": n, "amount": n})))
            .collect();
        let request = AppendRequest::new(stream.clone(), ExpectedVersion::Any, events).unwrap();
        local.store.append(&request).await.expect("appended");
    }
    let handler = Query::new(local.store.clone(), ReducerRegistry::with_examples());
    let mut samples = Vec::new();
    for _ in 0..RUNS {
        let payload = json!({"op": "readStream", "streamId": stream.as_str(), "limit": 100});
        samples.push(
            measured(&local, async {
                let answer = handler
                    .handle(LambdaEvent::new(payload, Context::default()))
                    .await;
                assert_eq!(
                    answer["events"].as_array().map(Vec::len),
                    Some(100),
                    "{answer}"
                );
            })
            .await,
        );
    }
    average("query: readStream, a page of 100 events", 100, &samples)
}

/// Every handler's cost per event.
impl HandlerCost {
    /// Lambda GB-s per million events at `memory_mb`, billed on this wall time.
    pub fn gb_seconds_per_million(&self, memory_mb: u32) -> f64 {
        self.wall_micros_per_event * f64::from(memory_mb) / 1024.0
    }
}

/// The memory `infra/pipeline.json` gives each measured function (256 MB).
pub const MEASURED_MEMORY_MB: u32 = 256;

pub async fn handler_costs() -> Vec<HandlerCost> {
    vec![
        persister_batch().await,
        projector_batch().await,
        query_page().await,
    ]
}
