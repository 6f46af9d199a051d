//! `esctl replay`: re-publishes stored events to the bus through the replay function (the local
//! stack's Invoke API when `LAMBDA_ENDPOINT` is set, Lambda otherwise), a chunk per invocation,
//! with a progress bar and ETA; `--resume ID` continues a replay that stopped; `--dry-run` counts.

use std::time::Duration;

use event_store_domain::Error;
use event_store_local_stack::{FunctionInvoker, InvokeOutcome};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

/// Arguments of `esctl replay`.
#[derive(clap::Args)]
pub struct Args {
    /// Only this stream.
    #[arg(long)]
    pub stream: Option<String>,
    /// Only this aggregate type.
    #[arg(long)]
    pub aggregate_type: Option<String>,
    /// Only this event type.
    #[arg(long)]
    pub event_type: Option<String>,
    /// From this event time (RFC 3339).
    #[arg(long)]
    pub from: Option<String>,
    /// Up to this event time (RFC 3339).
    #[arg(long)]
    pub to: Option<String>,
    /// Count what would be re-published; publish and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// At most this many events per second.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Continue the replay with this id.
    #[arg(long)]
    pub resume: Option<String>,
    /// The replay function's name (`event-store-<env>-replay` in AWS).
    #[arg(long, default_value = "replay")]
    pub function: String,
    /// Events per invocation: the bar moves after each.
    #[arg(long, default_value_t = 500)]
    pub chunk: u64,
}

/// Runs the replay to the end.
pub async fn run(args: Args, json_output: bool) -> Result<(), Error> {
    let replay = FunctionInvoker::from_env(&args.function, Duration::from_secs(900)).await;
    let filter = match &args.resume {
        Some(id) => {
            ask(&replay, json!({"op": "progress", "replayId": id})).await?["filter"].clone()
        }
        None => json!({
            "streamId": args.stream, "aggregateType": args.aggregate_type, "eventType": args.event_type,
            "from": args.from, "to": args.to,
        }),
    };
    let filter = without_nulls(filter);
    let counted = ask(
        &replay,
        json!({"op": "republish", "dryRun": true, "filter": filter}),
    )
    .await?;
    let total = counted["count"].as_u64().unwrap_or(0);
    if args.dry_run {
        if json_output {
            println!("{counted}");
        } else {
            println!("{total} events would be re-published");
        }
        return Ok(());
    }
    let bar = if json_output {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} events  {per_sec}  ETA {eta}")
            .expect("a valid template"),
    );
    let mut request = json!({"op": "republish", "filter": filter, "maxEvents": args.chunk, "eventsPerSecond": args.rate});
    if let Some(id) = &args.resume {
        request["replayId"] = json!(id);
    }
    loop {
        let answer = ask(&replay, without_nulls(request.clone())).await?;
        bar.set_position(answer["done"].as_u64().unwrap_or(0));
        if json_output {
            println!("{answer}");
        }
        if answer["status"] == "complete" {
            bar.finish();
            if !json_output {
                println!(
                    "replay {} complete: {} events re-published",
                    answer["replayId"].as_str().unwrap_or(""),
                    answer["done"]
                );
            }
            return Ok(());
        }
        request["replayId"] = answer["replayId"].clone();
    }
}

/// Invokes the function; an error payload becomes the error it names.
async fn ask(replay: &FunctionInvoker, request: Value) -> Result<Value, Error> {
    match replay.invoke(&request).await {
        InvokeOutcome::Failed(reason) => Err(Error::Unavailable(reason.into())),
        InvokeOutcome::Answered(answer) => match answer.get("error") {
            Some(error) if error["type"] == "Validation" => Err(Error::validation(
                error["field"].as_str().unwrap_or("request").to_owned(),
                error["message"].as_str().unwrap_or_default().to_owned(),
            )),
            Some(error) => Err(Error::Unavailable(error.to_string().into())),
            None => Ok(answer),
        },
    }
}

fn without_nulls(mut value: Value) -> Value {
    if let Some(object) = value.as_object_mut() {
        object.retain(|_, v| !v.is_null());
    }
    value
}
