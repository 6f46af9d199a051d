//! `make bench`'s pipeline part, run with the functions served (tests/with-functions.sh): the
//! projector invocations 1,000 bus events take with the projection mapping's filter and without
//! it, and the local stack's latency from a bus event to its read-model document, idle and behind
//! a backlog of 1,000.

use event_store_tests::bench::pipeline::LocalPipeline;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut pipeline = LocalPipeline::start().await;
    println!("## Projector invocations for 1,000 bus events (batch 100, window 1 s)\n");
    let (stored, counts) = pipeline.invocations(1000).await;
    println!(
        "Published 1,000 events and stored them all through the ingest queue and the persister in {:.1} s.\n",
        stored.as_secs_f64()
    );
    println!("| projection mapping | records handed to the projector | records filtered out | invocations | took |\n|---|---|---|---|---|");
    for count in counts {
        println!(
            "| {} | {} | {} | {} | {:.1} s |",
            if count.filtered {
                "with infra/pipeline.json's filter (inserted events only)"
            } else {
                "without a filter"
            },
            count.records,
            count.filtered_out,
            count.invocations,
            count.took.as_secs_f64()
        );
    }

    pipeline.run_projection().await;
    println!("\n## Local pipeline latency: a bus event to its read-model document\n");
    println!("Bus → ingest rule → queue → persister → table → stream → projector → document, as `make dev` runs it; 200 events at 5 per second.\n");
    println!("| backlog ahead | p50 | p95 | max | backlog drained in |\n|---|---|---|---|---|");
    for backlog in [0, 1000] {
        let measured = pipeline.latency(backlog, 200, 5.0).await;
        println!(
            "| {} | {:.2} s | {:.2} s | {:.2} s | {} |",
            measured.backlog,
            measured.p50.as_secs_f64(),
            measured.p95.as_secs_f64(),
            measured.max.as_secs_f64(),
            measured
                .drained
                .map_or("–".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
        );
    }
}
