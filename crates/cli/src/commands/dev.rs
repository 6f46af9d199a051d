//! `esctl dev`: what `make dev` runs. Builds the store's pipeline on the local endpoint from the
//! definitions infra/ deploys from, runs the two event source mappings (ingest queue → persister,
//! table stream → projector) against the functions `cargo lambda watch` serves, optionally loads
//! a sample stream, prints the endpoints and commands to try, and stays in the foreground until
//! Ctrl-C.

use std::path::PathBuf;

use event_store_domain::{Error, FailureKind, Settings};
use event_store_dynamodb::{store_from_settings, DynamoEventStore};
use event_store_local_stack::{
    provision, Checkpoints, Clients, FunctionInvoker, InvokeOutcome, PipelineDefinition,
    Provisioned, SqsMapping, StreamMapping,
};

use crate::commands::{append, read, state};
use crate::output::print_events;

/// The variable `tests/with-functions.sh` sets to the Lambda Invoke API's address.
pub const LAMBDA_ENDPOINT: &str = "LAMBDA_ENDPOINT";

/// What scripts wait for before using the stack.
pub const READY_LINE: &str = "esctl dev: pipeline ready";

/// Arguments of `esctl dev`.
#[derive(clap::Args)]
pub struct Args {
    /// The environment whose names to use (`{env}` in infra/pipeline.json).
    #[arg(long, default_value = "local")]
    env: String,
    /// A JSON append command to load as a sample stream.
    #[arg(long)]
    sample: Option<PathBuf>,
    /// Exit after setting up and showing the sample, without running the mappings.
    #[arg(long)]
    once: bool,
    /// Where the stream mapping keeps its checkpoints (default: under the temporary directory).
    #[arg(long)]
    checkpoints: Option<PathBuf>,
}

/// Sets up, runs, shows, waits.
pub async fn run(args: Args) -> Result<(), Error> {
    let pipeline = PipelineDefinition::for_env(&args.env);
    let clients = Clients::from_env().await;
    let provisioned = provision(&clients, &pipeline).await.map_err(unavailable)?;
    println!(
        "tables {} and {}, bus {}, rule {} -> queue {} (dead letters: {}), ready",
        pipeline.tables.events,
        pipeline.tables.projections,
        pipeline.bus,
        pipeline.ingest.rule,
        pipeline.ingest.queue,
        pipeline.ingest.dead_letter_queue
    );

    let mut mappings = Vec::new();
    if !args.once {
        let endpoint = std::env::var(LAMBDA_ENDPOINT).map_err(|_| {
            Error::validation(
                LAMBDA_ENDPOINT,
                "esctl dev runs the functions' event source mappings through the Lambda Invoke API: run it with `make dev`, or set LAMBDA_ENDPOINT",
            )
        })?;
        let checkpoints = args.checkpoints.clone().unwrap_or_else(|| {
            std::env::temp_dir()
                .join("event-store-local")
                .join(format!("checkpoints-{}.json", args.env))
        });
        mappings = start_mappings(&clients, &provisioned, &endpoint, checkpoints).await?;
        println!(
            "mappings: {} -> persister, {} stream -> projector ({})",
            pipeline.ingest.queue, pipeline.tables.events, endpoint
        );
    }
    println!("{READY_LINE}");

    if let Some(sample) = &args.sample {
        let store = store_for(&pipeline).await?;
        show_sample(&store, sample).await?;
    }
    print_try_it(&pipeline);
    if args.once {
        return Ok(());
    }
    println!("\nCtrl-C stops everything make dev started.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| crate::failure::failed(FailureKind::Other, "ctrl_c", e))?;
    for mapping in mappings {
        mapping.abort();
    }
    Ok(())
}

async fn start_mappings(
    clients: &Clients,
    provisioned: &Provisioned,
    endpoint: &str,
    checkpoints: PathBuf,
) -> Result<Vec<tokio::task::JoinHandle<()>>, Error> {
    let pipeline = &provisioned.pipeline;
    let ingest = SqsMapping::new(
        clients.sqs.clone(),
        provisioned.queue_url(&pipeline.ingest.queue),
        provisioned.queue_arn(&pipeline.ingest.queue),
        FunctionInvoker::at(endpoint, "persister", timeout_of(pipeline, "persister")).await,
        pipeline.ingest.mapping,
    );
    let projection = StreamMapping::new(
        clients.streams.clone(),
        clients.sqs.clone(),
        &provisioned.stream_arn,
        provisioned.queue_url(&pipeline.projection.failure_queue),
        FunctionInvoker::at(endpoint, "projector", timeout_of(pipeline, "projector")).await,
        pipeline.projection.mapping.clone(),
        Checkpoints::open(checkpoints).map_err(unavailable)?,
    );
    let sweeper =
        FunctionInvoker::at(endpoint, "projector", timeout_of(pipeline, "projector")).await;
    let every = std::time::Duration::from_secs(60 * pipeline.projection.cycle_sweep.every_minutes);
    Ok(vec![
        tokio::spawn(ingest.run()),
        tokio::spawn(projection.run()),
        tokio::spawn(sweep_cycles(sweeper, every)),
    ])
}

/// What the cycle sweep's schedule does in AWS: invokes the projector with the sweep input every
/// `every` (infra/pipeline.json's `cycleSweep`).
async fn sweep_cycles(projector: FunctionInvoker, every: std::time::Duration) {
    let mut timer = tokio::time::interval(every);
    timer.tick().await;
    loop {
        timer.tick().await;
        match projector
            .invoke(&serde_json::json!({"sweep": "cycles"}))
            .await
        {
            InvokeOutcome::Answered(answer) => {
                tracing::info!(%answer, "cycle sweep");
            }
            InvokeOutcome::Failed(reason) => tracing::warn!(%reason, "cycle sweep failed"),
        }
    }
}

/// The function's timeout in infra/pipeline.json.
fn timeout_of(pipeline: &PipelineDefinition, function: &str) -> std::time::Duration {
    std::time::Duration::from_secs(u64::from(pipeline.functions[function].timeout_seconds))
}

async fn store_for(pipeline: &PipelineDefinition) -> Result<DynamoEventStore, Error> {
    let settings = Settings::from_lookup(|name| match name {
        Settings::EVENTS_TABLE => Some(pipeline.tables.events.clone()),
        other => std::env::var(other).ok(),
    })
    .map_err(|e| Error::validation(e.variable, e.to_string()))?;
    store_from_settings(&settings)
        .await
        .map_err(|e| Error::validation(e.variable, e.to_string()))
}

/// Appends the sample stream and prints it back with its state.
async fn show_sample(store: &DynamoEventStore, sample: &std::path::Path) -> Result<(), Error> {
    let outcome = append::append_file(store, sample).await?;
    println!(
        "appended {} events to {} from {}{}",
        outcome.versions.len(),
        outcome.stream_id,
        sample.display(),
        if outcome.duplicate {
            " (already stored)"
        } else {
            ""
        }
    );
    let stream = outcome.stream_id.to_string();
    println!("\nread back:");
    let events = read::read(
        store,
        &read::Args {
            stream: stream.clone(),
            backward: false,
            from: None,
            to: None,
            limit: None,
        },
    )
    .await?;
    print_events(&events);
    let aggregate_type = events
        .first()
        .and_then(|e| e.aggregate_type.as_ref())
        .map(|t| t.to_string());
    let loaded = state::load(
        store,
        &state::Args {
            stream,
            aggregate_type,
        },
    )
    .await?;
    println!(
        "\nstate at version {}: {}",
        loaded.version,
        serde_json::to_string(&loaded.state).unwrap_or_default()
    );
    Ok(())
}

/// The endpoints and the README's commands, with this run's addresses.
fn print_try_it(pipeline: &PipelineDefinition) {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "(AWS)".into());
    println!("\nlocal AWS endpoint: {endpoint}");
    if let Ok(functions) = std::env::var(LAMBDA_ENDPOINT) {
        println!("functions (Lambda Invoke API): {functions}");
    }
    let functions = std::env::var(LAMBDA_ENDPOINT).unwrap_or_else(|_| "(none)".into());
    println!("\ntry, in another shell (any credentials work):");
    println!(
        "  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1"
    );
    println!(
        "  .venv/bin/aws events put-events --endpoint-url {endpoint} --entries file://fixtures/put-events/seed-004-account-created.json"
    );
    println!(
        "  .venv/bin/aws events put-events --endpoint-url {endpoint} --entries file://fixtures/put-events/seed-004-deposit.json"
    );
    println!(
        "  .venv/bin/aws lambda invoke --endpoint-url {functions} --function-name query \\\n      \
         --payload '{{\"op\": \"loadState\", \"streamId\": \"account-cli-1\"}}' /dev/stdout"
    );
    println!(
        "  AWS_ENDPOINT_URL={endpoint} target/debug/esctl --events-table {} read account-cli-1",
        pipeline.tables.events
    );
}

fn unavailable(error: event_store_local_stack::LocalStackError) -> Error {
    crate::failure::failed(FailureKind::Connection, "local stack", error)
}
