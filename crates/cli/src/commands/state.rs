//! `esctl state STREAM`: a stream's current state.

use event_store_domain::{Error, ReducerRegistry, State, StreamId};
use event_store_dynamodb::DynamoEventStore;

/// Arguments of `esctl state`.
#[derive(clap::Args)]
pub struct Args {
    /// The stream.
    pub stream: String,
    /// The aggregate type whose reducer folds it (the JSON merge reducer when absent).
    #[arg(long)]
    pub aggregate_type: Option<String>,
}

/// Prints the state.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let mut state = load(store, &args).await?;
    store.reveal(&mut [&mut state.state]).await?;
    if json {
        println!("{}", serde_json::to_string(&state).unwrap_or_default());
    } else {
        println!(
            "{} at version {} (snapshot: {}, events folded: {})",
            state.stream_id,
            state.version,
            state
                .snapshot_version
                .map_or("none".into(), |v| v.to_string()),
            state.events_applied
        );
        println!(
            "{}",
            serde_json::to_string_pretty(&state.state).unwrap_or_default()
        );
    }
    Ok(())
}

/// Loads the state `args` names.
pub async fn load(store: &DynamoEventStore, args: &Args) -> Result<State, Error> {
    let stream = StreamId::new(args.stream.as_str())?;
    let registry = ReducerRegistry::with_examples();
    store
        .load_state(
            &stream,
            registry.reducer_for(args.aggregate_type.as_deref()),
        )
        .await
}
