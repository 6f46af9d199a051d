//! `esctl transactions ENTITY`: the cycles (seed 000's transactions) an entity went through,
//! as the projector keeps them: which steps happened, complete or not, and when.

use event_store_domain::{Error, PageRequest};
use event_store_dynamodb::{DynamoEventStore, DynamoReadModels, TRANSACTIONS_MODEL};
use serde_json::Value;

/// Arguments of `esctl transactions`.
#[derive(clap::Args)]
pub struct Args {
    /// The entity (an account id, a stream id).
    pub entity: String,
    /// The projections table.
    #[arg(
        long,
        env = "PROJECTIONS_TABLE",
        default_value = "event-store-local-projections"
    )]
    pub projections_table: String,
}

/// Prints the entity's transactions, newest first.
pub async fn run(store: &DynamoEventStore, args: Args, json: bool) -> Result<(), Error> {
    let read_models = DynamoReadModels::new(store.client().clone(), &args.projections_table);
    let prefix = format!("{}#", args.entity);
    let mut page = PageRequest::first(100);
    let mut transactions: Vec<Value> = Vec::new();
    // The live generation: `$transactions` can be rebuilt.
    let live = read_models.live_name(TRANSACTIONS_MODEL).await?;
    loop {
        let found = read_models
            .list_prefixed(&live, Some(&prefix), true, &page)
            .await?;
        transactions.extend(found.items.into_iter().filter_map(|d| d.document));
        match found.next_page_token {
            Some(token) => page.page_token = Some(token),
            None => break,
        }
    }
    if json {
        crate::output::print_json_lines(&transactions);
        return Ok(());
    }
    if transactions.is_empty() {
        println!("no transactions for {}", args.entity);
        return Ok(());
    }
    println!(
        "{:<24}  {:<10}  {:<24}  STEPS",
        "CYCLE", "STATUS", "STARTED"
    );
    for transaction in &transactions {
        let text = |field: &str| transaction[field].as_str().unwrap_or("-").to_owned();
        let steps: Vec<String> = transaction["steps"]
            .as_array()
            .map(|steps| {
                steps
                    .iter()
                    .filter_map(|s| s["eventType"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        println!(
            "{:<24}  {:<10}  {:<24}  {}",
            text("cycle"),
            text("status"),
            text("started"),
            steps.join(" > ")
        );
    }
    Ok(())
}
