//! `esctl append FILE`: appends a JSON append command.

use std::io::Read;
use std::path::PathBuf;

use event_store_domain::{AppendCommand, AppendOutcome, Error};
use event_store_dynamodb::DynamoEventStore;

/// Arguments of `esctl append`.
#[derive(clap::Args)]
pub struct Args {
    /// A JSON append command: {"streamId", "expectedVersion"?, "events": [...]}; - reads stdin.
    file: PathBuf,
}

/// Appends and prints the versions given.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let outcome = append_file(store, &args.file).await?;
    if json {
        println!("{}", serde_json::to_string(&outcome).unwrap_or_default());
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
    Ok(())
}

/// Appends the command in `file` (or stdin for `-`).
pub async fn append_file(
    store: &DynamoEventStore,
    file: &std::path::Path,
) -> Result<AppendOutcome, Error> {
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
    let value = serde_json::from_str(&text)
        .map_err(|e| Error::validation("file", format!("{}: not JSON: {e}", file.display())))?;
    let request = AppendCommand::from_json(value)?;
    store.append(&request).await
}
