//! The Lambda Runtime API for one invocation, on a local port: it starts a function binary with
//! the environment Lambda gives it, times its first poll for work (`GET
//! /runtime/invocation/next`, which ends what Lambda reports as Init Duration), hands it one
//! event if asked, and times its answer (`POST /runtime/invocation/ID/response`).

use std::process::Stdio;
use std::time::{Duration, Instant};

use futures::stream::{FuturesUnordered, StreamExt};
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

use crate::http_message::read_message;

/// What one start of a function took, from its process start.
#[derive(Debug, Clone, Copy)]
pub struct Timings {
    /// Until its first poll for work: Lambda's Init Duration.
    pub init: Duration,
    /// Until its answer to the one event it was given, when it was given one.
    pub answered: Option<Duration>,
}

const REQUEST_ID: &str = "measured-1";
/// How long a function may take to poll for work (Lambda's init limit).
const POLL_WAIT: Duration = Duration::from_secs(10);
/// How long it may take to answer its event.
const ANSWER_WAIT: Duration = Duration::from_secs(30);

/// Starts `binary` with Lambda's variables and `environment`, times its init and, when
/// `invocation` is given, its answer to it; the process is killed afterwards, whatever happened.
/// Panics, naming what happened and with the function's stderr, when it does not poll within
/// 10 s, does not answer within 30 s, or answers with an error.
pub async fn start_once(
    binary: &str,
    environment: &[(String, String)],
    invocation: Option<&Value>,
) -> Timings {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let address = listener.local_addr().expect("bound");
    let started = Instant::now();
    let mut child = tokio::process::Command::new(binary)
        .env("AWS_LAMBDA_RUNTIME_API", address.to_string())
        .env("AWS_LAMBDA_FUNCTION_NAME", "measured")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .envs(environment.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{binary} starts: {e}"));
    let outcome = serve_one(&listener, started, invocation).await;
    // Killed here, before any panic: the release profile aborts on panic, so no drop runs.
    child.kill().await.ok();
    match outcome {
        Ok(timings) => timings,
        Err(what) => {
            let output = child.wait_with_output().await.ok();
            let stderr = output.map_or_else(String::new, |o| {
                String::from_utf8_lossy(&o.stderr).into_owned()
            });
            panic!("{binary}: {what}; its stderr:\n{stderr}")
        }
    }
}

/// The Runtime API's side of one start: the poll, the event if there is one, the answer.
async fn serve_one(
    listener: &TcpListener,
    started: Instant,
    invocation: Option<&Value>,
) -> Result<Timings, String> {
    let (mut connection, mut buffer, poll) = tokio::time::timeout(POLL_WAIT, async {
        let (mut connection, _) = listener.accept().await.map_err(|e| e.to_string())?;
        let mut buffer = Vec::new();
        let poll = read_message(&mut connection, &mut buffer)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("the connection closed before a request")?;
        Ok::<_, String>((connection, buffer, poll))
    })
    .await
    .map_err(|_| format!("no poll for work within {POLL_WAIT:?}"))??;
    let init = started.elapsed();
    let line = String::from_utf8_lossy(&poll);
    if !line.starts_with("GET /2018-06-01/runtime/invocation/next") {
        return Err(format!("unexpected first request: {line}"));
    }
    let Some(event) = invocation else {
        return Ok(Timings {
            init,
            answered: None,
        });
    };
    connection
        .write_all(&next_invocation(event))
        .await
        .map_err(|e| format!("the invocation is not sent: {e}"))?;
    let answer = tokio::time::timeout(
        ANSWER_WAIT,
        next_request(listener, &mut connection, &mut buffer),
    )
    .await
    .map_err(|_| format!("no answer within {ANSWER_WAIT:?}"))??;
    let answered = started.elapsed();
    let line = String::from_utf8_lossy(&answer);
    if !line.starts_with(&format!(
        "POST /2018-06-01/runtime/invocation/{REQUEST_ID}/response"
    )) {
        return Err(format!("answered with something else: {line}"));
    }
    Ok(Timings {
        init,
        answered: Some(answered),
    })
}

/// The runtime's answer to the poll: the event, with the headers Lambda sends.
fn next_invocation(event: &Value) -> Vec<u8> {
    let body = event.to_string();
    let deadline = chrono::Utc::now().timestamp_millis() + 60_000;
    let mut message = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
         Lambda-Runtime-Aws-Request-Id: {REQUEST_ID}\r\n\
         Lambda-Runtime-Deadline-Ms: {deadline}\r\n\
         Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:measured\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    message.extend_from_slice(body.as_bytes());
    message
}

/// The function's next request, on the connection it kept or on any new one: its HTTP client
/// may open a connection it then leaves idle and send on the other, so every connection is read
/// at once and the first request on any of them is taken.
async fn next_request(
    listener: &TcpListener,
    connection: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> Result<Vec<u8>, String> {
    let mut fresh = FuturesUnordered::new();
    let kept = read_message(connection, buffer);
    tokio::pin!(kept);
    let mut kept_open = true;
    loop {
        tokio::select! {
            request = &mut kept, if kept_open => match request {
                Ok(Some(request)) => return Ok(request),
                // The kept connection closed: the answer comes on a new one.
                _ => kept_open = false,
            },
            Some(request) = fresh.next() => {
                if let Some(request) = request {
                    return Ok(request);
                }
            }
            accepted = listener.accept() => {
                let (connection, _) = accepted.map_err(|e| e.to_string())?;
                fresh.push(request_on(connection));
            }
        }
    }
}

/// The first request on a new connection; `None` when it closes first.
async fn request_on(mut connection: TcpStream) -> Option<Vec<u8>> {
    read_message(&mut connection, &mut Vec::new())
        .await
        .ok()
        .flatten()
}
