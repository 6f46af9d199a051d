//! `esctl forget SUBJECT`: erases a data subject's personal data by deleting their keys
//! (crypto-shredding); from then on every read path shows `[erased]` for their values.

use event_store_domain::Error;
use event_store_dynamodb::DynamoEventStore;

/// Arguments of `esctl forget`.
#[derive(clap::Args)]
pub struct Args {
    /// The data subject, as the event types file names it (e.g. a customer id).
    pub subject: String,
    /// Who asks (stored as the forget's `metadata.userId`).
    #[arg(long)]
    pub by: Option<String>,
}

/// Forgets the subject and says what it did.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let forgotten = store.forget(&args.subject, args.by.as_deref()).await?;
    if json {
        println!(
            "{}",
            serde_json::json!({
                "subjectId": forgotten.subject_id,
                "keysForgotten": forgotten.keys_forgotten,
                "recorded": forgotten.recorded,
            })
        );
    } else {
        println!(
            "forgot {}: {} key(s) deleted now; recorded in {} at version {}{}",
            forgotten.subject_id,
            forgotten.keys_forgotten,
            forgotten.recorded.stream_id,
            forgotten
                .recorded
                .versions
                .first()
                .map_or("?".into(), |v| v.to_string()),
            if forgotten.recorded.duplicate {
                " (already recorded)"
            } else {
                ""
            }
        );
    }
    Ok(())
}
