//! A fault-injecting HTTP proxy of ours between the SDK and the local endpoint. Each request gets
//! a number; a schedule decides, from the number alone (so a run is repeatable), whether it passes,
//! is delayed, is answered with an error without reaching the endpoint (throttling, any service
//! error, or a transaction cancelled with a given reason, which moto, answering one request at a
//! time, never produces), or reaches the endpoint and then has its connection dropped or its
//! answer replaced by an HTTP 500 (the write happened, the client cannot know). The SDK's retries
//! and the store's idempotency must turn every one of these into nothing lost and nothing doubled,
//! and its error classification into the right typed error.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::http_message::{find, read_message};
use tokio::net::{TcpListener, TcpStream};

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fault {
    /// Forwarded after this long.
    Latency(Duration),
    /// Answered `ProvisionedThroughputExceededException` (HTTP 400); never forwarded.
    Throttle,
    /// The connection is closed before the request is forwarded.
    DropBefore,
    /// Forwarded and applied; the connection is then closed without an answer.
    DropAfter,
    /// Forwarded and applied; answered HTTP 500 instead of the endpoint's answer.
    ServerErrorAfter,
    /// A `TransactWriteItems` is forwarded and applied, then answered HTTP 500 (a write that
    /// happened, its answer lost); other requests pass.
    ServerErrorAfterTransaction,
    /// Answered with this service error (HTTP status, `__type`, message); never forwarded.
    Answer(u16, &'static str, &'static str),
    /// A `TransactWriteItems` is answered `TransactionCanceledException` with this reason code
    /// for its first action and `None` for the others; never forwarded. Other requests pass.
    Cancel(&'static str),
    /// A `PutEvents` is answered HTTP 200 with every entry refused with this error code (as
    /// EventBridge refuses entries one by one); never forwarded. Other requests pass.
    RefuseEntries(&'static str),
}

/// The request id the proxy's own answers carry.
pub const INJECTED_REQUEST_ID: &str = "injected-by-fault-proxy";

/// What the proxy did so far.
#[derive(Debug, Clone, Default)]
pub struct FaultLog {
    /// Requests received.
    pub requests: u64,
    /// Faults injected, in the order they happened.
    pub faults: Vec<Fault>,
}

/// A running proxy.
pub struct FaultProxy {
    /// Where clients should send their requests.
    pub endpoint: String,
    log: Arc<Mutex<FaultLog>>,
}

type Schedule = Arc<dyn Fn(u64) -> Option<Fault> + Send + Sync>;

impl FaultProxy {
    /// A proxy to `upstream` (`http://host:port`) on a free port of 127.0.0.1.
    pub async fn start(
        upstream: &str,
        schedule: impl Fn(u64) -> Option<Fault> + Send + Sync + 'static,
    ) -> FaultProxy {
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
        let log = Arc::new(Mutex::new(FaultLog::default()));
        let counter = Arc::new(AtomicU64::new(0));
        let schedule: Schedule = Arc::new(schedule);
        let shared = log.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, schedule, counter, log) = (
                    upstream.clone(),
                    schedule.clone(),
                    counter.clone(),
                    shared.clone(),
                );
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &*schedule, &counter, &log).await;
                });
            }
        });
        FaultProxy { endpoint, log }
    }

    /// What it did so far.
    pub fn log(&self) -> FaultLog {
        self.log.lock().expect("log lock").clone()
    }
}

/// Serves one client connection, request after request (keep-alive).
async fn serve(
    mut client: TcpStream,
    upstream: &str,
    schedule: &(dyn Fn(u64) -> Option<Fault> + Send + Sync),
    counter: &AtomicU64,
    log: &Mutex<FaultLog>,
) -> std::io::Result<()> {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_message(&mut client, &mut buffer).await? else {
            return Ok(());
        };
        let number = counter.fetch_add(1, Ordering::SeqCst);
        let fault = schedule(number);
        {
            let mut log = log.lock().expect("log lock");
            log.requests += 1;
            log.faults.extend(fault);
        }
        match fault {
            Some(Fault::DropBefore) => return Ok(()),
            Some(Fault::Throttle) => {
                client
                    .write_all(&error_response(
                        400,
                        "Bad Request",
                        "ProvisionedThroughputExceededException",
                    ))
                    .await?;
                continue;
            }
            Some(Fault::Answer(status, error_type, message)) => {
                client
                    .write_all(&error_response_with(status, error_type, message, ""))
                    .await?;
                continue;
            }
            Some(Fault::Cancel(code)) => {
                if let Some(actions) = transaction_actions(&request) {
                    let reasons: Vec<String> = (0..actions)
                        .map(|i| {
                            let code = if i == 0 { code } else { "None" };
                            format!(r#"{{"Code":"{code}"}}"#)
                        })
                        .collect();
                    let extra = format!(r#","CancellationReasons":[{}]"#, reasons.join(","));
                    client
                        .write_all(&error_response_with(
                            400,
                            "TransactionCanceledException",
                            "Transaction cancelled, please refer cancellation reasons for specific reasons",
                            &extra,
                        ))
                        .await?;
                    continue;
                }
            }
            Some(Fault::RefuseEntries(code)) => {
                if let Some(entries) = put_events_entries(&request) {
                    let refused: Vec<String> = (0..entries)
                        .map(|_| format!(r#"{{"ErrorCode":"{code}","ErrorMessage":"injected"}}"#))
                        .collect();
                    let body = format!(
                        r#"{{"FailedEntryCount":{entries},"Entries":[{}]}}"#,
                        refused.join(",")
                    );
                    client
                        .write_all(
                            format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: {INJECTED_REQUEST_ID}\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            )
                            .as_bytes(),
                        )
                        .await?;
                    continue;
                }
            }
            Some(Fault::Latency(delay)) => tokio::time::sleep(delay).await,
            _ => {}
        }
        let answer = forward(upstream, &request).await?;
        match fault {
            Some(Fault::DropAfter) => return Ok(()),
            Some(Fault::ServerErrorAfterTransaction) if transaction_actions(&request).is_none() => {
                client.write_all(&answer).await?
            }
            Some(Fault::ServerErrorAfter | Fault::ServerErrorAfterTransaction) => {
                client
                    .write_all(&error_response(
                        500,
                        "Internal Server Error",
                        "InternalServerError",
                    ))
                    .await?
            }
            _ => client.write_all(&answer).await?,
        }
    }
}

/// Sends `request` on a connection of its own and reads the whole answer, which is returned with
/// a `Content-Length` so the client's connection can stay open.
async fn forward(upstream: &str, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut connection = TcpStream::connect(upstream).await?;
    connection
        .write_all(&with_connection_close(request))
        .await?;
    let mut answer = Vec::new();
    connection.read_to_end(&mut answer).await?;
    let head_end = find(&answer, b"\r\n\r\n").map_or(answer.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&answer[..head_end]).to_string();
    let has_length = head.lines().any(|line| {
        let lower = line.to_ascii_lowercase();
        lower.starts_with("content-length:") || lower.starts_with("transfer-encoding:")
    });
    if has_length {
        return Ok(answer);
    }
    let body = &answer[head_end..];
    let mut rebuilt = head.trim_end_matches("\r\n").to_owned();
    rebuilt.push_str(&format!("\r\nContent-Length: {}\r\n\r\n", body.len()));
    let mut bytes = rebuilt
        .replace("\r\nConnection: close", "")
        .replace("\r\nconnection: close", "")
        .into_bytes();
    bytes.extend_from_slice(body);
    Ok(bytes)
}

/// The request with its `Connection` header replaced by `Connection: close`.
fn with_connection_close(request: &[u8]) -> Vec<u8> {
    let head_end = find(request, b"\r\n\r\n").map_or(request.len(), |i| i + 4);
    let head = String::from_utf8_lossy(&request[..head_end]);
    let mut lines: Vec<&str> = head
        .split("\r\n")
        .filter(|line| !line.is_empty() && !line.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let mut bytes = format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes();
    bytes.extend_from_slice(&request[head_end..]);
    bytes
}

fn error_response(status: u16, _reason: &str, error_type: &str) -> Vec<u8> {
    error_response_with(status, error_type, "injected by the fault proxy", "")
}

/// An error answer as DynamoDB gives one: `__type`, `message`, any `extra` members, and a
/// request id header.
fn error_response_with(status: u16, error_type: &str, message: &str, extra: &str) -> Vec<u8> {
    let body = format!(
        r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{error_type}","message":"{message}"{extra}}}"#
    );
    let reason = if status >= 500 {
        "Internal Server Error"
    } else {
        "Bad Request"
    };
    format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/x-amz-json-1.0\r\nx-amzn-RequestId: {INJECTED_REQUEST_ID}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// How many actions a `TransactWriteItems` request holds, or `None` for another request.
fn transaction_actions(request: &[u8]) -> Option<usize> {
    let head_end = find(request, b"\r\n\r\n").map(|i| i + 4)?;
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    if !head.contains("x-amz-target: dynamodb_20120810.transactwriteitems") {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(&request[head_end..]).ok()?;
    body["TransactItems"].as_array().map(Vec::len)
}

/// How many entries a `PutEvents` request sends; `None` for any other request.
fn put_events_entries(request: &[u8]) -> Option<usize> {
    let head_end = find(request, b"\r\n\r\n").map(|i| i + 4)?;
    let head = String::from_utf8_lossy(&request[..head_end]).to_ascii_lowercase();
    if !head.contains("x-amz-target: awsevents.putevents") {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(&request[head_end..]).ok()?;
    body["Entries"].as_array().map(Vec::len)
}
