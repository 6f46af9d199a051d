//! Reading HTTP/1.1 messages off a socket by hand, for the local servers of the tests (the fault
//! proxy, the Lambda Runtime API of `measure-init`): a head and its `Content-Length` body.

use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Reads one HTTP/1.1 message (head and `Content-Length` body) into its bytes, keeping what
/// follows it in `buffer`; `None` when the peer closed first.
pub async fn read_message(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
) -> std::io::Result<Option<Vec<u8>>> {
    loop {
        if let Some(head_end) = head_end(buffer) {
            let head = String::from_utf8_lossy(&buffer[..head_end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            if buffer.len() >= head_end + length {
                let message: Vec<u8> = buffer.drain(..head_end + length).collect();
                return Ok(Some(message));
            }
        }
        let mut chunk = [0u8; 16 * 1024];
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
}

/// Where a message's head ends (after its blank line), if it has arrived.
pub fn head_end(message: &[u8]) -> Option<usize> {
    find(message, b"\r\n\r\n").map(|i| i + 4)
}

/// The first position of `needle` in `haystack`.
pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
