//! `esctl replay`: re-publishes stored events to the bus, or (`--rebuild`) rebuilds read models,
//! through the replay function (the local stack's Invoke API when `LAMBDA_ENDPOINT` is set, Lambda
//! otherwise), a chunk per invocation, with a progress bar and ETA; `--resume ID` continues a
//! replay of either kind that stopped; `--abandon ID` gives up a rebuild (its half-built
//! generations are deleted by the sweep, the live ones stay); `--dry-run` counts.

use std::time::Duration;

use event_store_domain::{Error, FailureKind};
use event_store_local_stack::{FunctionInvoker, InvokeOutcome};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};

use crate::failure::failed;

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
    /// Rebuild these read models (all when none is named) instead of re-publishing: each into a
    /// new generation that goes live once complete.
    #[arg(long, num_args = 0.., value_name = "MODEL")]
    pub rebuild: Option<Vec<String>>,
    /// Scan segments a rebuild reads at once.
    #[arg(long, default_value_t = 4)]
    pub segments: u32,
    /// Count what would be re-published (or scanned); publish and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// At most this many events per second.
    #[arg(long)]
    pub rate: Option<f64>,
    /// Continue the replay with this id.
    #[arg(long, conflicts_with = "abandon")]
    pub resume: Option<String>,
    /// Give up the rebuild with this id: nothing switches, its generations are deleted.
    #[arg(long, value_name = "ID")]
    pub abandon: Option<String>,
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
    if let Some(id) = &args.abandon {
        let answer = ask(&replay, json!({"op": "abandon", "replayId": id})).await?;
        match json_output {
            true => println!("{answer}"),
            false => println!(
                "rebuild {id} abandoned after {} events; live stays: {}",
                answer["done"], answer["models"]
            ),
        }
        return Ok(());
    }
    let resumed = match &args.resume {
        Some(id) => Some(ask(&replay, json!({"op": "progress", "replayId": id})).await?),
        None => None,
    };
    let (counting, mut request) = requests(&args, resumed.as_ref());
    let counted = ask(&replay, counting).await?;
    let total = counted["count"].as_u64().unwrap_or(0);
    let rebuilding = request["op"] == "rebuild";
    if args.dry_run {
        if json_output {
            println!("{counted}");
        } else if rebuilding {
            println!(
                "{total} events would be scanned to rebuild {}",
                counted["models"]
            );
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
    if let Some(id) = &args.resume {
        request["replayId"] = json!(id);
    }
    let mut progress = Progress::default();
    loop {
        let answer = ask(&replay, without_nulls(request.clone())).await?;
        let done = answer["done"].as_u64().unwrap_or(0);
        bar.set_position(done);
        if json_output {
            println!("{answer}");
        }
        if answer["status"] == "complete" {
            bar.finish();
            if !json_output {
                let id = answer["replayId"].as_str().unwrap_or("");
                match rebuilding {
                    true => println!(
                        "rebuild {id} complete: {} events scanned, {} applied, live now: {}",
                        answer["done"], answer["applied"], answer["models"]
                    ),
                    false => println!(
                        "replay {id} complete: {} events re-published",
                        answer["done"]
                    ),
                }
            }
            return Ok(());
        }
        if answer["status"] != "inProgress" {
            bar.abandon();
            return Err(Error::validation(
                "replayId",
                format!(
                    "replay {} is {}: it goes no further",
                    answer["replayId"].as_str().unwrap_or(""),
                    answer["status"].as_str().unwrap_or("over")
                ),
            ));
        }
        if progress.stalled(done) {
            bar.abandon();
            return Err(failed(
                FailureKind::ServerError,
                "replay",
                format!(
                    "{STALLED_CHUNKS} chunks in a row went no further than {done} events: resume \
                     later with --resume {}",
                    answer["replayId"].as_str().unwrap_or("")
                ),
            ));
        }
        request["replayId"] = answer["replayId"].clone();
    }
}

/// Chunks in a row that may end without one more event done before esctl stops asking.
const STALLED_CHUNKS: u32 = 5;

/// How far the chunks went, to tell a replay that goes on from one that stands still.
#[derive(Default)]
struct Progress {
    done: Option<u64>,
    standing: u32,
}

impl Progress {
    /// Records a chunk's `done`; true once `STALLED_CHUNKS` chunks in a row did not move it.
    fn stalled(&mut self, done: u64) -> bool {
        match self.done {
            Some(before) if done <= before => self.standing += 1,
            _ => self.standing = 0,
        }
        self.done = Some(done);
        self.standing >= STALLED_CHUNKS
    }
}

/// The dry run that counts, and the request each chunk sends: a rebuild when `--rebuild` asks for
/// one or the resumed replay is one, a republish otherwise.
fn requests(args: &Args, resumed: Option<&Value>) -> (Value, Value) {
    let resumed_rebuild = resumed.filter(|p| p["kind"] == "rebuild");
    if args.rebuild.is_some() || resumed_rebuild.is_some() {
        let models = match (resumed_rebuild, &args.rebuild) {
            (Some(progress), _) => json!(progress["models"]
                .as_object()
                .map(|m| m.keys().cloned().collect::<Vec<_>>())),
            (None, Some(models)) if !models.is_empty() => json!(models),
            _ => Value::Null,
        };
        let counting = without_nulls(json!({"op": "rebuild", "dryRun": true, "models": models}));
        let request = without_nulls(json!({
            "op": "rebuild", "models": models, "segments": args.segments, "maxEvents": args.chunk,
        }));
        return (counting, request);
    }
    let filter = without_nulls(match resumed {
        Some(progress) => progress["filter"].clone(),
        None => json!({
            "streamId": args.stream, "aggregateType": args.aggregate_type,
            "eventType": args.event_type, "from": args.from, "to": args.to,
        }),
    });
    let counting = json!({"op": "republish", "dryRun": true, "filter": filter});
    let request = without_nulls(json!({
        "op": "republish", "filter": filter, "maxEvents": args.chunk, "eventsPerSecond": args.rate,
    }));
    (counting, request)
}

/// Invokes the function; an error payload becomes the error it names.
async fn ask(replay: &FunctionInvoker, request: Value) -> Result<Value, Error> {
    match replay.invoke(&request).await {
        InvokeOutcome::Failed(reason) => Err(failed(FailureKind::Connection, "Invoke", reason)),
        InvokeOutcome::Answered(answer) => match answer.get("error") {
            Some(error) if error["type"] == "Validation" => Err(Error::validation(
                error["field"].as_str().unwrap_or("request").to_owned(),
                error["message"].as_str().unwrap_or_default().to_owned(),
            )),
            Some(error) => Err(failed(
                if error["retryable"] == true {
                    FailureKind::ServerError
                } else {
                    FailureKind::Other
                },
                "replay",
                error,
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_that_go_no_further_stop_the_loop_and_progress_resets_it() {
        let mut progress = Progress::default();
        assert!(!progress.stalled(10));
        for _ in 1..STALLED_CHUNKS {
            assert!(!progress.stalled(10));
        }
        assert!(progress.stalled(10));
        let mut progress = Progress::default();
        for chunk in 0..(STALLED_CHUNKS as u64 * 3) {
            assert!(!progress.stalled(chunk / 2), "moves every other chunk");
        }
    }
}
