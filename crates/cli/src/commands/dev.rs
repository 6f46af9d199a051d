//! `esctl dev`: what `make dev` runs. Creates the tables on the local endpoint, appends a sample
//! stream, reads it back with its state, prints how to use the endpoint, and waits for Ctrl-C.

use std::path::PathBuf;

use event_store_domain::Error;
use event_store_dynamodb::{create_events_table, DynamoEventStore};

use crate::commands::{append, read, state};
use crate::output::print_events;

/// Arguments of `esctl dev`.
#[derive(clap::Args)]
pub struct Args {
    /// A JSON append command to load as the sample stream.
    #[arg(long)]
    sample: PathBuf,
    /// Exit after showing the sample instead of waiting for Ctrl-C.
    #[arg(long)]
    once: bool,
}

/// Prints the endpoints and commands to try against them, with the ports of this run.
fn print_try_it(table: &str, stream: &str) {
    let endpoint = std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "(AWS)".into());
    let credentials =
        "AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1";
    println!("\nlocal AWS endpoint: {endpoint}");
    println!("\ntry, in another shell:");
    println!(
        "  {credentials} .venv/bin/aws dynamodb query --endpoint-url {endpoint} --table-name {table} \\\n    \
         --key-condition-expression 'streamId = :s' --expression-attribute-values '{{\":s\": {{\"S\": \"{stream}\"}}}}'"
    );
    println!("  AWS_ENDPOINT_URL={endpoint} EVENTS_TABLE={table} target/debug/esctl read {stream}");
    if let Ok(functions) = std::env::var("LAMBDA_ENDPOINT") {
        println!("\nfunctions (Lambda Invoke API): {functions}");
        println!(
            "  {credentials} .venv/bin/aws lambda invoke --endpoint-url {functions} --function-name query \\\n    \
             --payload '{{\"queryType\": \"reconstructState\", \"aggregateId\": \"{stream}\"}}' /dev/stdout"
        );
        println!(
            "  {credentials} .venv/bin/aws lambda invoke --endpoint-url {functions} --function-name persister \\\n    \
             --payload file://fixtures/invoke/seed-004-command.json /dev/stdout"
        );
    }
}

/// Sets up, shows, waits.
pub async fn run(store: &DynamoEventStore, args: Args) -> Result<(), Error> {
    create_events_table(store.client(), store.table()).await?;
    println!("events table {} ready", store.table());

    let outcome = append::append_file(store, &args.sample).await?;
    println!(
        "appended {} events to {} from {}{}",
        outcome.versions.len(),
        outcome.stream_id,
        args.sample.display(),
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
            stream: stream.clone(),
            aggregate_type,
        },
    )
    .await?;
    println!(
        "\nstate at version {}: {}",
        loaded.version,
        serde_json::to_string(&loaded.state).unwrap_or_default()
    );

    print_try_it(store.table(), &stream);
    if args.once {
        return Ok(());
    }
    println!("\nCtrl-C stops the local endpoint.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Error::Unavailable(Box::new(e)))?;
    Ok(())
}
