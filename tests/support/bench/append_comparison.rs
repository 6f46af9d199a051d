//! Append workloads measured side by side: the store's append and seed 002's algorithm on the
//! same events in the same stream state, each on the local endpoint through the metered client:
//! requests, write units by DynamoDB's item-size rule (every index write included) and the CPU
//! time our process spent per append.

use event_store_domain::DedupeScope;
use event_store_domain::{AppendRequest, ExpectedVersion, NewEvent, StreamId, Version};

use crate::bench::process_cpu::ProcessCpu;
use crate::bench::seed_002_baseline;
use crate::costs::one_kb_event;
use crate::{fresh_stream, LocalStore};

/// How each append states what it expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A new stream (expected version 0): dedupe by position.
    NewStream,
    /// An existing stream at a known version: dedupe by position and event id.
    ExpectedVersion,
    /// No expected version (the bus path): exact dedupe by event id (a guard item per event).
    ExactDedupe,
}

impl Mode {
    fn label(self) -> &'static str {
        match self {
            Mode::NewStream => "new stream (expected version 0)",
            Mode::ExpectedVersion => "at an expected version",
            Mode::ExactDedupe => "no expected version, exact dedupe by id",
        }
    }

    /// The most events one append of this mode takes (one transaction's actions).
    fn max_batch(self) -> usize {
        let _ = self;
        DedupeScope::Store.max_events_per_append()
    }
}

/// One side's figures for a workload, per logical append.
#[derive(Debug, Clone, Default)]
pub struct Side {
    /// Requests sent.
    pub requests: f64,
    /// Write units.
    pub write_units: f64,
    /// Read units.
    pub read_units: f64,
    /// CPU time of our process, microseconds.
    pub cpu_micros: f64,
}

/// One workload, both sides.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// What was appended.
    pub workload: String,
    /// The store.
    pub ours: Side,
    /// Seed 002's algorithm.
    pub baseline: Side,
}

const REPETITIONS: usize = 5;

/// Every workload: 1, 10 and 100 events, in each mode.
pub async fn compare_appends(local: &LocalStore) -> Vec<Comparison> {
    let mut rows = Vec::new();
    for batch in [1usize, 10, 100] {
        for mode in [Mode::NewStream, Mode::ExpectedVersion, Mode::ExactDedupe] {
            rows.push(compare(local, batch, mode).await);
        }
    }
    rows
}

async fn compare(local: &LocalStore, batch: usize, mode: Mode) -> Comparison {
    let mut ours = Side::default();
    let mut baseline = Side::default();
    for _ in 0..REPETITIONS {
        let events: Vec<NewEvent> = (0..batch).map(|_| one_kb_event("Benched")).collect();
        let stream = prepared_stream(local, mode).await;
        add(
            &mut ours,
            measure(local, ours_append(local, &stream, mode, &events)).await,
        );
        let stream = prepared_stream(local, mode).await;
        let table = local.store.table().to_owned();
        add(
            &mut baseline,
            measure(local, async {
                seed_002_baseline::append(&local.client, &table, &stream, &events).await;
            })
            .await,
        );
    }
    let chunks = batch.div_ceil(mode.max_batch());
    let workload = match chunks {
        1 => format!("{batch} × 1 KB, {}", mode.label()),
        n => format!(
            "{batch} × 1 KB, {} ({n} appends of ≤ {})",
            mode.label(),
            mode.max_batch()
        ),
    };
    Comparison {
        workload,
        ours: average(ours),
        baseline: average(baseline),
    }
}

/// A stream in the state `mode` appends to: none yet, or one event.
async fn prepared_stream(local: &LocalStore, mode: Mode) -> StreamId {
    let stream = fresh_stream("bench");
    if mode != Mode::NewStream {
        let first = AppendRequest::single(
            stream.clone(),
            ExpectedVersion::NoStream,
            one_kb_event("Benched"),
        )
        .expect("valid");
        local.store.append(&first).await.expect("prepared");
    }
    stream
}

async fn ours_append(local: &LocalStore, stream: &StreamId, mode: Mode, events: &[NewEvent]) {
    let mut version = match mode {
        Mode::NewStream => 0,
        _ => 1,
    };
    for chunk in events.chunks(mode.max_batch()) {
        let expected = match mode {
            Mode::ExactDedupe => ExpectedVersion::Any,
            _ if version == 0 => ExpectedVersion::NoStream,
            _ => ExpectedVersion::Exact(Version::new(version)),
        };
        let request = AppendRequest::new(stream.clone(), expected, chunk.to_vec()).expect("valid");
        let outcome = local.store.append(&request).await.expect("appended");
        version = outcome.last_version().get();
    }
}

async fn measure(local: &LocalStore, work: impl std::future::Future<Output = ()>) -> Side {
    local.meter.reset();
    let cpu = ProcessCpu::now();
    work.await;
    let cpu_micros = cpu.elapsed_micros();
    let usage = local.meter.usage();
    Side {
        requests: usage.total_requests() as f64,
        write_units: usage.write_units,
        read_units: usage.read_units,
        cpu_micros,
    }
}

fn add(total: &mut Side, one: Side) {
    total.requests += one.requests;
    total.write_units += one.write_units;
    total.read_units += one.read_units;
    total.cpu_micros += one.cpu_micros;
}

fn average(total: Side) -> Side {
    let n = REPETITIONS as f64;
    Side {
        requests: total.requests / n,
        write_units: total.write_units / n,
        read_units: total.read_units / n,
        cpu_micros: total.cpu_micros / n,
    }
}
