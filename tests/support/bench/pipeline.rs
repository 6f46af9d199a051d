//! The local pipeline end to end, as `make dev` runs it: events published on the bus, the
//! ingest rule and queue, the SQS mapping to the persister, the table's stream and its mapping to
//! the projector, each function served by `cargo lambda watch` (tests/with-functions.sh). Two
//! measures: how many projector invocations 1,000 bus events take with the projection mapping's
//! filter and without it, and how long a bus event takes to become its read-model document (p50
//! and p95), on an idle pipeline and behind a backlog.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use event_store_domain::{Direction, PageRequest, Settings, StreamId, StreamRead};
use event_store_dynamodb::{DynamoEventStore, DynamoReadModels, EventBridgePublisher, Publication};
use event_store_local_stack::{
    provision, Checkpoints, Clients, FunctionInvoker, PipelineDefinition, Provisioned, SqsMapping,
    StreamMapping, StreamMappingDefinition,
};
use serde_json::json;

/// The read model seed 003's ITEM_CREATED lands in (fixtures/settings/projector.json).
const ITEMS_MODEL: &str = "testItems";

/// The local stack of env `local`, provisioned, with its ingest mapping running.
pub struct LocalPipeline {
    clients: Clients,
    pipeline: PipelineDefinition,
    provisioned: Provisioned,
    endpoint: String,
    store: DynamoEventStore,
    read_models: DynamoReadModels,
    publisher: EventBridgePublisher,
    run: String,
    published: usize,
    checkpoints: std::path::PathBuf,
}

/// What a projection mapping handed the projector for a number of bus events.
#[derive(Debug, Clone)]
pub struct InvocationCount {
    /// With the mapping's filter from infra/pipeline.json.
    pub filtered: bool,
    /// Records the projector was handed.
    pub records: usize,
    /// Records the filter kept from it.
    pub filtered_out: usize,
    /// Projector invocations.
    pub invocations: usize,
    /// How long the mapping took to hand the projector everything.
    pub took: Duration,
}

/// Latencies from publication on the bus to the read-model document, in one setting.
#[derive(Debug, Clone)]
pub struct Latencies {
    /// Events published ahead of the measured ones, all at once.
    pub backlog: usize,
    /// Events measured.
    pub measured: usize,
    /// Median.
    pub p50: Duration,
    /// 95th percentile.
    pub p95: Duration,
    /// Slowest.
    pub max: Duration,
    /// From the backlog's first publication to its last document (with a backlog).
    pub drained: Option<Duration>,
}

impl LocalPipeline {
    /// Provisions the local stack (what `esctl dev` does) and starts the ingest mapping; the
    /// projection mapping is run by each measure.
    pub async fn start() -> Self {
        let endpoint = std::env::var("LAMBDA_ENDPOINT")
            .expect("LAMBDA_ENDPOINT: run under tests/with-functions.sh (make bench does)");
        let pipeline = PipelineDefinition::for_env("local");
        let clients = Clients::from_env().await;
        let provisioned = provision(&clients, &pipeline)
            .await
            .expect("the local stack provisions");
        let settings = Settings::for_table(&pipeline.tables.events);
        let store = DynamoEventStore::new(clients.dynamodb.clone(), &settings);
        let read_models =
            DynamoReadModels::new(clients.dynamodb.clone(), &pipeline.tables.projections);
        let publisher = EventBridgePublisher::new(clients.events.clone(), &pipeline.bus);
        let ingest = SqsMapping::new(
            clients.sqs.clone(),
            provisioned.queue_url(&pipeline.ingest.queue),
            provisioned.queue_arn(&pipeline.ingest.queue),
            FunctionInvoker::at(&endpoint, "persister", Duration::from_secs(30)).await,
            pipeline.ingest.mapping,
        );
        tokio::spawn(ingest.run());
        let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_owned();
        let checkpoints = std::env::temp_dir().join(format!("bench-checkpoints-{run}.json"));
        LocalPipeline {
            clients,
            pipeline,
            provisioned,
            endpoint,
            store,
            read_models,
            publisher,
            run,
            published: 0,
            checkpoints,
        }
    }

    /// Publishes `count` seed-003 ITEM_CREATED events on the bus, over 20 streams, 10 per
    /// PutEvents; returns their item ids in publication order.
    async fn publish(&mut self, count: usize) -> Vec<String> {
        let items: Vec<String> = (self.published..self.published + count)
            .map(|n| format!("bench-{}-{n}", self.run))
            .collect();
        let entries: Vec<Publication> = items
            .iter()
            .enumerate()
            .map(|(n, item)| Publication {
                source: "poc".into(),
                detail_type: "ITEM_CREATED".into(),
                detail: json!({"streamId": self.stream_of(self.published + n), "itemId": item, "amount": n}),
                resources: Vec::new(),
                subject: None,
            })
            .collect();
        self.publisher.publish(&entries).await.expect("published");
        self.published += count;
        items
    }

    fn stream_of(&self, n: usize) -> String {
        format!("bench-{}-{}", self.run, n % 20)
    }

    /// Waits until every event published so far is stored.
    async fn all_stored(&self) {
        let streams: Vec<StreamId> = (0..20.min(self.published))
            .map(|n| StreamId::new(self.stream_of(n)).unwrap())
            .collect();
        let started = Instant::now();
        loop {
            let mut stored = 0;
            for stream in &streams {
                let last = StreamRead {
                    from_version: None,
                    to_version: None,
                    direction: Direction::Backward,
                    page: PageRequest::first(1),
                };
                let page = self.store.read_stream(stream, &last).await.expect("read");
                stored += page.items.first().map_or(0, |e| e.version.get() as usize);
            }
            if stored >= self.published {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(600),
                "only {stored} of {} events stored after 10 minutes",
                self.published
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    async fn projection_mapping(&self, filter: Option<serde_json::Value>) -> StreamMapping {
        let mut settings: StreamMappingDefinition = self.pipeline.projection.mapping.clone();
        if let Some(filter) = filter {
            settings.filter = filter;
        }
        StreamMapping::new(
            self.clients.streams.clone(),
            self.clients.sqs.clone(),
            &self.provisioned.stream_arn,
            self.provisioned
                .queue_url(&self.pipeline.projection.failure_queue),
            FunctionInvoker::at(&self.endpoint, "projector", Duration::from_secs(60)).await,
            settings,
            Checkpoints::open(self.checkpoints.clone()).expect("checkpoints"),
        )
    }

    /// Projector invocations for `events` bus events: the events are stored first, then the
    /// table's stream is handed to the projector through a mapping without the filter (every
    /// record: events, heads, guards) and through one with it, each from the stream's start.
    pub async fn invocations(&mut self, events: usize) -> (Duration, Vec<InvocationCount>) {
        let started = Instant::now();
        for _ in 0..events / 10 {
            self.publish(10).await;
        }
        self.all_stored().await;
        let stored = started.elapsed();
        let mut counts = Vec::new();
        for filtered in [false, true] {
            let _ = std::fs::remove_file(&self.checkpoints);
            let everything = json!({});
            let mut mapping = self
                .projection_mapping((!filtered).then_some(everything))
                .await;
            let mut count = InvocationCount {
                filtered,
                records: 0,
                filtered_out: 0,
                invocations: 0,
                took: Duration::ZERO,
            };
            let started = Instant::now();
            loop {
                let report = mapping.pass().await.expect("a pass");
                if report.read + report.filtered == 0 {
                    break;
                }
                count.records += report.read;
                count.filtered_out += report.filtered;
                count.invocations += report.invocations;
            }
            count.took = started.elapsed();
            counts.push(count);
        }
        (stored, counts)
    }

    /// Starts the projection mapping (with its filter) from where the last one stopped.
    pub async fn run_projection(&self) {
        tokio::spawn(self.projection_mapping(None).await.run());
    }

    /// Publishes `backlog` events at once, then `measured` more at `per_second`, and measures
    /// each measured event from its publication to its document being readable.
    pub async fn latency(&mut self, backlog: usize, measured: usize, per_second: f64) -> Latencies {
        let model = self
            .read_models
            .live_name(ITEMS_MODEL)
            .await
            .expect("model");
        let started = Instant::now();
        let mut backlog_items: VecDeque<String> = VecDeque::new();
        for _ in 0..backlog / 10 {
            backlog_items.extend(self.publish(10).await);
        }
        let mut waiting: VecDeque<(String, Instant)> = VecDeque::new();
        let mut latencies = Vec::new();
        let mut drained = None;
        let pause = Duration::from_secs_f64(1.0 / per_second);
        let mut next_publication = Instant::now();
        let mut sent = 0;
        while latencies.len() < measured {
            if sent < measured && Instant::now() >= next_publication {
                let item = self.publish(1).await.remove(0);
                waiting.push_back((item, Instant::now()));
                sent += 1;
                next_publication += pause;
            }
            // Documents appear in about publication order: look at the oldest waiting first,
            // and on to the next while they are there (a later one seen late only adds to its
            // own figure).
            while let Some(item) = backlog_items.front() {
                if self.visible(&model, item).await {
                    backlog_items.pop_front();
                } else {
                    break;
                }
            }
            if backlog > 0 && backlog_items.is_empty() && drained.is_none() {
                drained = Some(started.elapsed());
            }
            while let Some((item, at)) = waiting.front() {
                if self.visible(&model, item).await {
                    latencies.push(at.elapsed());
                    waiting.pop_front();
                } else {
                    break;
                }
            }
            assert!(
                started.elapsed() < Duration::from_secs(900),
                "{} of {measured} documents after 15 minutes",
                latencies.len()
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        latencies.sort();
        let at =
            |q: f64| latencies[((latencies.len() as f64 * q).ceil() as usize).saturating_sub(1)];
        Latencies {
            backlog,
            measured,
            p50: at(0.50),
            p95: at(0.95),
            max: *latencies.last().unwrap(),
            drained,
        }
    }

    async fn visible(&self, model: &str, item: &str) -> bool {
        self.read_models
            .get(model, item)
            .await
            .expect("read")
            .and_then(|d| d.document)
            .is_some()
    }
}
