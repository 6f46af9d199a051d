//! `make init-duration`: how long each function takes from process start to its first poll for
//! work (`GET /runtime/invocation/next`), which is what Lambda reports as Init Duration.
//!
//! It plays the Lambda Runtime API on a local port, starts a function binary with the
//! environment the function gets in AWS (settings, region, credentials), and times the first
//! request. Usage: `measure-init BINARY [RUNS]`.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let binary = args.next().expect("usage: measure-init BINARY [RUNS]");
    let runs: usize = args
        .next()
        .map(|r| r.parse().expect("RUNS is a number"))
        .unwrap_or(20);
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        samples.push(init_once(&binary).await);
    }
    samples.sort();
    let millis = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{binary}: init median {:.1} ms, min {:.1} ms, max {:.1} ms over {runs} starts",
        millis(samples[runs / 2]),
        millis(samples[0]),
        millis(samples[runs - 1])
    );
}

async fn init_once(binary: &str) -> Duration {
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
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "measured")
        .env("AWS_SECRET_ACCESS_KEY", "measured")
        .env("EVENTS_TABLE", "events")
        .env("PROJECTIONS_TABLE", "projections")
        .env("EVENT_BUS_NAME", "bus")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("the function binary starts");
    let (mut connection, _) = tokio::time::timeout(Duration::from_secs(10), listener.accept())
        .await
        .expect("the function polls within 10 s")
        .expect("a connection");
    let mut request = [0u8; 256];
    let read = connection.read(&mut request).await.expect("a request");
    let elapsed = started.elapsed();
    let line = String::from_utf8_lossy(&request[..read]);
    assert!(
        line.starts_with("GET /2018-06-01/runtime/invocation/next"),
        "unexpected first request: {line}"
    );
    child.kill().await.ok();
    elapsed
}
