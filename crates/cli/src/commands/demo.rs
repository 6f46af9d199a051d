//! `esctl demo` (what `make demo` runs): the seeds' scenarios end to end on the local stack that
//! `make dev` runs, each step printed. Events are published on the bus; the ingest rule, queue,
//! persister, table stream and projector do the rest; answers come from the query function
//! through the Invoke API. Any expectation not met within a minute fails the demo (exit 1).

use std::time::{Duration, Instant};

use event_store_domain::{Error, FailureKind};
use event_store_dynamodb::sdk_error::from_sdk;
use event_store_dynamodb::{EventBridgePublisher, Publication};
use event_store_local_stack::{Clients, FunctionInvoker, InvokeOutcome, PipelineDefinition};
use serde_json::{json, Value};

use crate::commands::dev::LAMBDA_ENDPOINT;
use crate::failure::failed;

/// How long one step may take to show its effect.
const PATIENCE: Duration = Duration::from_secs(60);

/// Arguments of `esctl demo`.
#[derive(clap::Args)]
pub struct Args {
    /// The environment `esctl dev` runs (`{env}` in infra/pipeline.json).
    #[arg(long, default_value = "local")]
    env: String,
}

struct Demo {
    pipeline: PipelineDefinition,
    clients: Clients,
    query: FunctionInvoker,
    run: String,
}

/// Runs the four scenarios.
pub async fn run(args: Args) -> Result<(), Error> {
    let endpoint = std::env::var(LAMBDA_ENDPOINT).map_err(|_| {
        Error::validation(
            LAMBDA_ENDPOINT,
            "esctl demo needs the functions and the pipeline: run it with `make demo`",
        )
    })?;
    let demo = Demo {
        pipeline: PipelineDefinition::for_env(&args.env),
        clients: Clients::from_env().await,
        query: FunctionInvoker::at(&endpoint, "query", Duration::from_secs(10)).await,
        run: chrono::Utc::now().format("%H%M%S%3f").to_string(),
    };
    demo.seed_003_items().await?;
    demo.seed_004_account().await?;
    demo.seed_000_cycle().await?;
    demo.seed_001_follow_up().await?;
    println!("\nall four scenarios passed");
    Ok(())
}

impl Demo {
    async fn seed_003_items(&self) -> Result<(), Error> {
        println!("\nseed 003: items created, changed, deleted -> read model testItems");
        let stream = format!("demo-items-{}", self.run);
        let (a, b) = (format!("a-{}", self.run), format!("b-{}", self.run));
        let events = [
            (
                "ITEM_CREATED",
                json!({"streamId": stream, "itemId": a, "amount": 225}),
            ),
            (
                "ITEM_CREATED",
                json!({"streamId": stream, "itemId": b, "amount": 10}),
            ),
            (
                "ITEM_AMOUNT_CHANGED",
                json!({"streamId": stream, "itemId": a, "amount": 500}),
            ),
            ("ITEM_DELETED", json!({"streamId": stream, "itemId": b})),
        ];
        for (n, (event_type, detail)) in events.into_iter().enumerate() {
            self.publish("poc", event_type, detail).await?;
            self.stored(&stream, n + 1).await?;
        }
        let expected = json!({"itemId": a, "amount": 500});
        self.until(
            json!({"op": "getReadModel", "model": "testItems", "key": a}),
            |answer| answer["document"] == expected,
        )
        .await?;
        println!("  read model testItems[{a}] = {expected}");
        self.until(
            json!({"op": "getReadModel", "model": "testItems", "key": b}),
            |answer| answer["document"].is_null(),
        )
        .await?;
        println!("  read model testItems[{b}] is gone (deleted)");
        Ok(())
    }

    async fn seed_004_account(&self) -> Result<(), Error> {
        println!("\nseed 004: account created, deposit, withdrawal -> reconstructed balance");
        let account = format!("demo-account-{}", self.run);
        let common = json!({"aggregateId": account, "aggregateType": "Account"});
        let events = [
            (
                "bank.accounts",
                "AccountCreated",
                json!({"accountId": account, "customerId": "c-1", "accountType": "checking"}),
            ),
            (
                "bank.payments",
                "TransactionProcessed",
                json!({"transactionId": "tx-1", "amount": 100.5, "type": "deposit"}),
            ),
            (
                "bank.payments",
                "TransactionProcessed",
                json!({"transactionId": "tx-2", "amount": 30.25, "type": "withdrawal"}),
            ),
        ];
        for (n, (source, event_type, mut detail)) in events.into_iter().enumerate() {
            merge(&mut detail, &common);
            self.publish(source, event_type, detail).await?;
            self.stored(&account, n + 1).await?;
        }
        let answer = self
            .until(json!({"op": "loadState", "streamId": account}), |answer| {
                answer["state"]["version"] == 3
            })
            .await?;
        let balance = &answer["state"]["state"]["balance"];
        println!("  loadState: balance {balance} at version 3");
        expect(
            balance == &json!(70.25),
            format!("balance 70.25, found {balance}"),
        )
    }

    async fn seed_000_cycle(&self) -> Result<(), Error> {
        println!(
            "\nseed 000: an account's maintenance cycle -> complete, metering event published"
        );
        let account = format!("21{}", self.run);
        for (n, step) in [
            "ExpiredAccount",
            "PurgedAccount",
            "PreparedAccount",
            "ReleasedAccount",
        ]
        .iter()
        .enumerate()
        {
            self.publish(
                "SustainablePersonalAccounts",
                step,
                json!({"Account": account}),
            )
            .await?;
            self.stored(&account, n + 1).await?;
        }
        let answer = self
            .until(
                json!({"op": "transactionsForEntity", "entity": account}),
                |answer| {
                    answer["transactions"].as_array().is_some_and(|t| {
                        t.iter().any(|t| {
                            t["cycle"] == "account-maintenance" && t["status"] == "complete"
                        })
                    })
                },
            )
            .await?;
        let cycles: Vec<String> = answer["transactions"]
            .as_array()
            .map(|t| {
                t.iter()
                    .map(|t| format!("{} {}", t["cycle"], t["status"]))
                    .collect()
            })
            .unwrap_or_default();
        println!("  transactions of {account}: {}", cycles.join(", "));
        let metering = self.metering_event(&account).await?;
        println!(
            "  metering event on the bus: {} {} ({} s)",
            metering["detail-type"],
            metering["detail"]["cycle"],
            metering["detail"]["durationSeconds"]
        );
        Ok(())
    }

    async fn seed_001_follow_up(&self) -> Result<(), Error> {
        println!("\nseed 001: an UpdatedEvent -> a ValidatableEvent follow-up, stored in the same stream");
        let entity = format!("demo-customer-{}", self.run);
        self.publish(
            "kahula.customers",
            "CustomerUpdatedEvent",
            json!({"entityId": entity, "DOMAIN": "customer", "saga_id": format!("saga-{}", self.run)}),
        )
        .await?;
        let answer = self
            .until(json!({"op": "readStream", "streamId": entity}), |answer| {
                answer["events"].as_array().is_some_and(|e| e.len() >= 2)
            })
            .await?;
        let types: Vec<&str> = answer["events"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["eventType"].as_str()).collect())
            .unwrap_or_default();
        println!("  stream {entity}: {}", types.join(", "));
        expect(
            types == ["CustomerUpdatedEvent", "ValidatableEvent"],
            format!("a follow-up, found {types:?}"),
        )
    }

    async fn publish(&self, source: &str, detail_type: &str, detail: Value) -> Result<(), Error> {
        let publisher = EventBridgePublisher::new(self.clients.events.clone(), &self.pipeline.bus);
        publisher
            .publish(&[Publication {
                source: source.to_owned(),
                detail_type: detail_type.to_owned(),
                detail: detail.clone(),
                resources: Vec::new(),
                subject: None,
            }])
            .await?;
        println!("  -> published {detail_type} {detail}");
        Ok(())
    }

    /// Waits until `stream` holds `count` events.
    async fn stored(&self, stream: &str, count: usize) -> Result<(), Error> {
        let answer = self
            .until(json!({"op": "readStream", "streamId": stream}), |answer| {
                answer["events"]
                    .as_array()
                    .is_some_and(|e| e.len() >= count)
            })
            .await?;
        let last = &answer["events"][count - 1];
        println!("     stored in {stream} at version {}", last["version"]);
        Ok(())
    }

    /// Asks the query function until `done` accepts the answer.
    async fn until(&self, request: Value, done: impl Fn(&Value) -> bool) -> Result<Value, Error> {
        let started = Instant::now();
        loop {
            let answer = match self.query.invoke(&request).await {
                InvokeOutcome::Answered(answer) => answer,
                InvokeOutcome::Failed(reason) => {
                    return Err(failed(FailureKind::Connection, "Invoke", reason))
                }
            };
            if done(&answer) {
                return Ok(answer);
            }
            if started.elapsed() > PATIENCE {
                return Err(failed(
                    FailureKind::Timeout,
                    "demo",
                    format!("after {PATIENCE:?}, {request} still answers {answer}"),
                ));
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The metering event for `entity`, from the local queue subscribed to what the store publishes.
    async fn metering_event(&self, entity: &str) -> Result<Value, Error> {
        let sqs = &self.clients.sqs;
        let url = sqs
            .get_queue_url()
            .queue_name(format!("{}-published", self.pipeline.bus))
            .send()
            .await
            .map_err(|e| from_sdk("GetQueueUrl", e))?
            .queue_url
            .unwrap_or_default();
        let started = Instant::now();
        while started.elapsed() < PATIENCE {
            let received = sqs
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .send()
                .await
                .map_err(|e| from_sdk("ReceiveMessage", e))?;
            for message in received.messages() {
                let event: Value =
                    serde_json::from_str(message.body().unwrap_or("null")).unwrap_or(Value::Null);
                if event["source"] == "event-store.metering" && event["detail"]["entity"] == entity
                {
                    sqs.delete_message()
                        .queue_url(&url)
                        .receipt_handle(message.receipt_handle().unwrap_or_default())
                        .send()
                        .await
                        .map_err(|e| from_sdk("DeleteMessage", e))?;
                    return Ok(event);
                }
            }
            if received.messages().is_empty() {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        Err(failed(
            FailureKind::Timeout,
            "demo",
            format!("no metering event for {entity} within {PATIENCE:?}"),
        ))
    }
}

fn merge(detail: &mut Value, common: &Value) {
    if let (Some(detail), Some(common)) = (detail.as_object_mut(), common.as_object()) {
        for (name, value) in common {
            detail.insert(name.clone(), value.clone());
        }
    }
}

fn expect(holds: bool, what: String) -> Result<(), Error> {
    if holds {
        Ok(())
    } else {
        Err(failed(
            FailureKind::Other,
            "demo",
            format!("expected {what}"),
        ))
    }
}
