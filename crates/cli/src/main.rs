//! `esctl`: the event store's operator and local-stack commands.
//!
//! Exit codes scripts can rely on: 0 done, 1 failed (the store or the endpoint), 2 bad usage or
//! invalid input, 3 optimistic-concurrency conflict.
#![forbid(unsafe_code)]

mod commands;
mod failure;
mod output;
mod target;

use clap::{Parser, Subcommand};
use event_store_domain::Error;

/// The event store's operator and local-stack commands.
#[derive(Parser)]
#[command(name = "esctl", version, about)]
struct Cli {
    /// Where the store lives.
    #[command(flatten)]
    target: target::Target,
    /// Print JSON instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the store's tables (idempotent).
    CreateTables(commands::create_tables::Args),
    /// Append events from a JSON append command (a file, or - for stdin).
    Append(commands::append::Args),
    /// Read a stream.
    Read(commands::read::Args),
    /// One event by its id alone.
    Event(commands::event::Args),
    /// Load a stream's state (snapshot + events, through its aggregate's reducer).
    State(commands::state::Args),
    /// Events across streams, by aggregate type, event type, correlation id or user id.
    Query(commands::query::Args),
    /// Follow a stream, or the whole store, as events arrive.
    Tail(commands::tail::Args),
    /// Erase a data subject's personal data (crypto-shredding: their keys are deleted).
    Forget(commands::forget::Args),
    /// The cycles (transactions) an entity went through.
    Transactions(commands::transactions::Args),
    /// Re-publish stored events to the bus through the replay function, with progress.
    Replay(commands::replay::Args),
    /// Build the pipeline on the local endpoint, run its event source mappings, and wait for Ctrl-C.
    Dev(commands::dev::Args),
    /// The seeds' scenarios end to end on the local stack (what `make demo` runs).
    Demo(commands::demo::Args),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    // What the local event source mappings do (batches, failures) goes to stderr; RUST_LOG
    // overrides.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "warn,event_store_local_stack=info".into()),
        )
        .init();
    let store = cli.target.store().await;
    let result = match cli.command {
        Command::CreateTables(args) => commands::create_tables::run(&store, args).await,
        Command::Append(args) => commands::append::run(&store, args, cli.json).await,
        Command::Read(args) => commands::read::run(&store, args, cli.json).await,
        Command::Event(args) => commands::event::run(&store, args, cli.json).await,
        Command::State(args) => commands::state::run(&store, args, cli.json).await,
        Command::Query(args) => commands::query::run(&store, args, cli.json).await,
        Command::Tail(args) => commands::tail::run(&store, args, cli.json).await,
        Command::Forget(args) => commands::forget::run(&store, args, cli.json).await,
        Command::Transactions(args) => commands::transactions::run(&store, args, cli.json).await,
        Command::Replay(args) => commands::replay::run(args, cli.json).await,
        Command::Dev(args) => commands::dev::run(args).await,
        Command::Demo(args) => commands::demo::run(args).await,
    };
    if let Err(error) = result {
        eprintln!("esctl: {error}");
        // The operator at the terminal gets what callers of the functions never see: the
        // service's own text and the error chain.
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            eprintln!("  caused by: {cause}");
            source = cause.source();
        }
        std::process::exit(exit_code(&error));
    }
}

fn exit_code(error: &Error) -> i32 {
    match error {
        Error::Validation { .. }
        | Error::TooLarge { .. }
        | Error::IdReused(_)
        | Error::PartlyStored { .. } => 2,
        Error::Conflict { .. } => 3,
        Error::Unavailable(_)
        | Error::Refused(_)
        | Error::Expired { .. }
        | Error::Corrupt { .. }
        | Error::NotWriteRegion { .. } => 1,
    }
}
