//! The scripts behind `make dev` and `make test`, as a user meets them: a run that crashed (killed
//! with SIGKILL, so its traps never ran) leaves moto's server on its fixed port, and the next run
//! on that port stops it and starts cleanly.

use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn answers(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}

#[test]
fn a_second_run_after_a_crash_reclaims_its_port() {
    let port = free_port();
    let mut crashed = Command::new("bash")
        .arg("tests/local-aws.sh")
        .args(["sleep", "600"])
        .env("LOCAL_AWS_PORT", port.to_string())
        .current_dir(repository())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !answers(port) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "moto never listened on {port}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // SIGKILL the script: its EXIT trap does not run and moto's server is left behind.
    crashed.kill().unwrap();
    crashed.wait().unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        answers(port),
        "the crashed run's server still holds the port"
    );

    let second = Command::new("bash")
        .arg("tests/local-aws.sh")
        .args(["bash", "-c", "echo endpoint=$AWS_ENDPOINT_URL"])
        .env("LOCAL_AWS_PORT", port.to_string())
        .current_dir(repository())
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&second.stdout),
        String::from_utf8_lossy(&second.stderr),
    );
    assert!(second.status.success(), "{stdout}{stderr}");
    assert!(stderr.contains("left by an earlier run"), "{stderr}");
    assert!(
        stdout.contains(&format!("endpoint=http://127.0.0.1:{port}")),
        "{stdout}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        !answers(port),
        "the second run stopped its own server when it ended"
    );
}
