//! `esctl append FILE [--chunked]`: appends a JSON append command; with `--chunked`, more events
//! than one append holds, in atomic chunks (the whole is not atomic).

use std::io::Read;
use std::path::PathBuf;

use event_store_domain::{AppendCommand, AppendOutcome, Error};
use event_store_dynamodb::DynamoEventStore;

/// Arguments of `esctl append`.
#[derive(clap::Args)]
pub struct Args {
    /// A JSON append command: {"streamId", "expectedVersion"?, "events": [...]}; - reads stdin.
    file: PathBuf,
    /// Above the limit of one append (49 events store-wide, 99 per stream), append in chunks:
    /// each chunk atomic and exactly once, the whole not atomic (a failure leaves the chunks
    /// before it stored, and says so).
    #[arg(long)]
    chunked: bool,
}

/// Appends and prints the versions given (a line per chunk with `--chunked`).
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    if args.chunked {
        let value = read_command(&args.file)?;
        let (stream, expected, events) = AppendCommand::parts_of(value)?;
        return match store.append_chunked(&stream, expected, events).await {
            Ok(chunks) => {
                for outcome in &chunks {
                    print_outcome(outcome, json);
                }
                Ok(())
            }
            Err(failure) => {
                for outcome in &failure.stored {
                    print_outcome(outcome, json);
                }
                eprintln!(
                    "esctl: events from index {} on were not stored",
                    failure.first_unstored
                );
                Err(failure.error)
            }
        };
    }
    let outcome = append_file(store, &args.file).await?;
    print_outcome(&outcome, json);
    Ok(())
}

fn print_outcome(outcome: &AppendOutcome, json: bool) {
    if json {
        println!("{}", serde_json::to_string(outcome).unwrap_or_default());
    } else {
        let first = outcome
            .versions
            .first()
            .map(|v| v.get())
            .unwrap_or_default();
        let note = if outcome.duplicate {
            " (already stored: nothing written)"
        } else {
            ""
        };
        println!(
            "{}: versions {first}..={}{note}",
            outcome.stream_id,
            outcome.last_version()
        );
    }
}

/// Appends the command in `file` (or stdin for `-`).
pub async fn append_file(
    store: &DynamoEventStore,
    file: &std::path::Path,
) -> Result<AppendOutcome, Error> {
    let request = AppendCommand::from_json(read_command(file)?)?;
    store.append(&request).await
}

/// The JSON command in `file` (or stdin for `-`).
fn read_command(file: &std::path::Path) -> Result<serde_json::Value, Error> {
    let text = if file.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::validation("file", format!("stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| Error::validation("file", format!("{}: {e}", file.display())))?
    };
    serde_json::from_str(&text)
        .map_err(|e| Error::validation("file", format!("{}: not JSON: {e}", file.display())))
}
