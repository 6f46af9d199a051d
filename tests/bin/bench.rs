//! `make bench`: measures the store on the local AWS endpoint and prints one report: appends
//! beside seed 002's algorithm (requests, WRU, CPU), seed 004's account through cqrs-es on the
//! store, on dynamo-es and with seed 002's appends (built with `--features dynamo-es`), throughput, the requests of a state load, and
//! the key-distribution simulation (which fails the run when a partition key would pass
//! DynamoDB's 1,000 WRU/s). Function sizes and init durations, and the criterion
//! micro-benchmarks, are printed by the Makefile's other steps of `make bench`.

use event_store_tests::bench::append_comparison::compare_appends;
use event_store_tests::bench::key_distribution::{simulate, Traffic, PARTITION_WRU_LIMIT};
use event_store_tests::bench::throughput::{append_rate, pipeline_rates, state_load_cost};
use event_store_tests::local_store;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    // `bench cqrs-es` prints the cqrs-es table alone.
    if std::env::args().nth(1).as_deref() == Some("handlers") {
        for cost in event_store_tests::bench::handler_cpu::handler_costs().await {
            println!("{cost:?}");
        }
        return;
    }
    if std::env::args().nth(1).as_deref() == Some("cqrs-es") {
        print_dynamo_es_comparison().await;
        return;
    }
    let local = local_store().await;
    println!("## Appends: the store beside seed 002's algorithm (query the head, a conditional put per event)\n");
    println!("1 KB events (1,000-byte items, every index written); averages of 5 runs on the local endpoint.\n");
    println!("| workload | requests | WRU | CPU µs | seed 002 requests | seed 002 WRU | seed 002 CPU µs | WRU ratio (seed 002 / ours) |");
    println!("|---|---|---|---|---|---|---|---|");
    for row in compare_appends(&local).await {
        println!(
            "| {} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.0} | {:.2} |",
            row.workload,
            row.ours.requests,
            row.ours.write_units,
            row.ours.cpu_micros,
            row.baseline.requests,
            row.baseline.write_units,
            row.baseline.cpu_micros,
            row.baseline.write_units / row.ours.write_units,
        );
    }

    print_dynamo_es_comparison().await;

    println!("\n## Throughput on the local endpoint (moto answers one request at a time: a floor, not DynamoDB's)\n");
    println!("| measure | count | per second |\n|---|---|---|");
    let mut rates = vec![
        append_rate(1, 1, 200).await,
        append_rate(16, 1, 160).await,
        append_rate(1, 1000, 200).await,
        append_rate(16, 1000, 400).await,
    ];
    rates.extend(pipeline_rates(20, 50).await);
    for rate in &rates {
        println!(
            "| {} | {} | {:.0} |",
            rate.what, rate.count, rate.per_second
        );
    }
    println!("\n## State loads: a snapshot at 100 and a tail after it (1 KB events)\n");
    println!("| tail | requests | RRU |\n|---|---|---|");
    for tail in event_store_tests::costs::LOAD_TAILS {
        let (requests, read_units) = state_load_cost(100 + tail).await;
        println!("| {tail} | {requests} | {read_units} |");
    }

    println!(
        "\n## Per event in each handler (the handler as Lambda calls it, on the local endpoint)\n"
    );
    let memory = event_store_tests::bench::handler_cpu::MEASURED_MEMORY_MB;
    println!("| handler | events per invocation | CPU µs per event | wall µs per event | GB-s per million events at {memory} MB | DynamoDB requests per event | WRU per event | RRU per event |\n|---|---|---|---|---|---|---|---|");
    for cost in event_store_tests::bench::handler_cpu::handler_costs().await {
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} | {:.2} |",
            cost.what,
            cost.events,
            cost.cpu_micros_per_event,
            cost.wall_micros_per_event,
            cost.gb_seconds_per_million(memory),
            cost.requests_per_event,
            cost.write_units_per_event,
            cost.read_units_per_event
        );
    }

    let traffic = Traffic::realistic();
    println!(
        "\n## Key distribution: one second at {} events/s of one aggregate type\n",
        traffic.events_per_second
    );
    println!(
        "{} streams (Zipf {}), {} users (Zipf {}), {} correlation ids, event types {:?}, {}-byte payloads; keys from the store's own item mapping.\n",
        traffic.streams,
        traffic.stream_skew,
        traffic.users,
        traffic.user_skew,
        traffic.correlation_ids,
        traffic.event_types,
        traffic.payload_bytes
    );
    println!("| table or index | partition keys written | hottest key | its WRU/s | under {PARTITION_WRU_LIMIT} |\n|---|---|---|---|---|");
    let hot = simulate(&traffic, 2026);
    for key in &hot {
        println!(
            "| {} | {} | `{}` | {:.0} | {} |",
            key.target,
            key.keys,
            key.key,
            key.write_units,
            if key.fits() { "yes" } else { "**NO**" }
        );
    }
    if hot.iter().any(|key| !key.fits()) {
        eprintln!("bench: a partition key passes {PARTITION_WRU_LIMIT} WRU/s");
        std::process::exit(1);
    }
}

/// Seed 004's account through cqrs-es: the store (`cqrs-es-dynamodb-store`), dynamo-es and seed
/// 002's appends, one table.
#[cfg(feature = "dynamo-es")]
async fn print_dynamo_es_comparison() {
    use event_store_tests::bench::dynamo_es_comparison::compare_with_dynamo_es;
    println!(
        "\n## cqrs-es: seed 004's account on the store, on dynamo-es 0.5, and seed 002's appends\n"
    );
    println!("The same CqrsFramework code on both stores; a command loads the account and commits its deposits; loads are cqrs-es's load_aggregate. Requests are every SDK attempt, units by DynamoDB's rules on the items each wrote and read, CPU this process's (commits: averages of 5 runs).\n");
    println!("| workload | ours (cqrs-es-dynamodb-store) | dynamo-es 0.5 | seed 002's algorithm |");
    println!("|---|---|---|---|");
    for row in compare_with_dynamo_es().await {
        println!(
            "| {} | {} | {} | {} |",
            row.workload,
            row.ours.cell(),
            row.dynamo_es.cell(),
            row.seed_002
                .as_ref()
                .map_or_else(|| "– (seed 002 gives no read)".to_owned(), |f| f.cell()),
        );
    }
}

#[cfg(not(feature = "dynamo-es"))]
async fn print_dynamo_es_comparison() {
    println!("\n(dynamo-es's comparison is built with `--features dynamo-es`, as `make bench` builds the bench)");
}
