//! `api-local`: the api on 127.0.0.1 in API Gateway's place (`make dev`, the tests). The port is
//! `API_PORT` (8080 by default) and the key `API_KEY` (made up and printed when unset).

use std::net::{Ipv4Addr, SocketAddr};

#[tokio::main]
async fn main() -> Result<(), String> {
    function_support::init_logging();
    let port: u16 = match std::env::var("API_PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("API_PORT is {port}, not a port number"))?,
        Err(_) => 8080,
    };
    let api_key = std::env::var("API_KEY")
        .ok()
        .filter(|key| !key.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string());
    let api = api::build_from_env().await?;
    let address = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let listener = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| format!("cannot listen on {address}: {e}"))?;
    println!("api-local: the HTTP API on http://{address} (x-api-key: {api_key})");
    api::local_server::serve(api, listener, api_key)
        .await
        .map_err(|e| format!("the server stopped: {e}"))
}
