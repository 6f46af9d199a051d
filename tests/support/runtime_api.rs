//! The Lambda Runtime API for one invocation, on a local port: it starts a function binary with
//! the environment Lambda gives it, times its first poll for work (`GET
//! /runtime/invocation/next`, which ends what Lambda reports as Init Duration), hands it one
//! event if asked, and times its answer (`POST /runtime/invocation/ID/response`).

use std::process::Stdio;
use std::time::{Duration, Instant};

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

/// Starts `binary` with Lambda's variables and `environment`, times its init and, when
/// `invocation` is given, its answer to it; the process is killed afterwards. Panics, naming
/// what happened, when the function does not poll within 10 s or answers with an error.
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
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("{binary} starts: {e}"));
    let (mut connection, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
        .await
        .unwrap_or_else(|_| panic!("{binary} polls for work within 10 s"))
        .expect("a connection");
    let mut buffer = Vec::new();
    let poll = read_message(&mut connection, &mut buffer)
        .await
        .expect("a request")
        .expect("a request before the connection closes");
    let init = started.elapsed();
    let line = String::from_utf8_lossy(&poll);
    assert!(
        line.starts_with("GET /2018-06-01/runtime/invocation/next"),
        "{binary}: unexpected first request: {line}"
    );
    let Some(event) = invocation else {
        child.kill().await.ok();
        return Timings {
            init,
            answered: None,
        };
    };
    connection
        .write_all(&next_invocation(event))
        .await
        .expect("the invocation is sent");
    let answer = next_request(&listener, connection, buffer).await;
    let answered = started.elapsed();
    child.kill().await.ok();
    let line = String::from_utf8_lossy(&answer);
    assert!(
        line.starts_with(&format!(
            "POST /2018-06-01/runtime/invocation/{REQUEST_ID}/response"
        )),
        "{binary} answered with something else: {line}"
    );
    Timings {
        init,
        answered: Some(answered),
    }
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

/// The function's next request, on the connection it kept or on a new one.
async fn next_request(
    listener: &TcpListener,
    mut connection: TcpStream,
    mut buffer: Vec<u8>,
) -> Vec<u8> {
    let wait = Duration::from_secs(30);
    tokio::time::timeout(wait, async {
        tokio::select! {
            kept = read_message(&mut connection, &mut buffer) => {
                if let Ok(Some(request)) = kept {
                    return request;
                }
                // The kept connection closed: the answer comes on a new one.
                let (mut fresh, _) = listener.accept().await.expect("a connection");
                read_message(&mut fresh, &mut Vec::new()).await.expect("a request").expect("a request")
            }
            fresh = listener.accept() => {
                let (mut fresh, _) = fresh.expect("a connection");
                read_message(&mut fresh, &mut Vec::new()).await.expect("a request").expect("a request")
            }
        }
    })
    .await
    .expect("the function answers within 30 s")
}
