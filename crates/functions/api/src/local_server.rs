//! API Gateway's part under `make dev`: an HTTP/1 server on 127.0.0.1 that checks the API key
//! (`x-api-key`, as a usage plan does; not for the console's files) and hands each request to
//! the same handler the Lambda function runs.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde_json::json;
use tokio::net::TcpListener;

use crate::api_request::parse_query;
use crate::{Api, ApiRequest, ApiResponse};

/// The largest body accepted: API Gateway takes 10 MB, but a Lambda function is handed at most
/// 6 MB, so that is what reaches the api function behind it.
pub const MAX_BODY_BYTES: usize = 6 * 1024 * 1024;

/// Serves `api` on `listener` until the process ends, each connection on its own task.
pub async fn serve(api: Api, listener: TcpListener, api_key: String) -> std::io::Result<()> {
    let shared = Arc::new((api, api_key));
    loop {
        let (stream, _) = listener.accept().await?;
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(answer(&shared.0, &shared.1, request).await) }
            });
            if let Err(error) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                tracing::debug!(%error, "connection ended");
            }
        });
    }
}

async fn answer(api: &Api, api_key: &str, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let given = request
        .headers()
        .get("x-api-key")
        .and_then(|v| v.to_str().ok());
    // The console's files hold no data: the page asks for the key and sends it with each call.
    let console = crate::is_console_request(request.method().as_str(), request.uri().path());
    if given != Some(api_key) && !console {
        // API Gateway's own answer to a missing or wrong key.
        return to_response(ApiResponse::json(
            403,
            json!({"message": "Forbidden: send the API key in the x-api-key header"}),
        ));
    }
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = parse_query(request.uri().query().unwrap_or(""));
    let idempotency_key = request
        .headers()
        .get(crate::IDEMPOTENCY_KEY_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = match http_body_util::Limited::new(request.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes().to_vec(),
        Err(_) => {
            return to_response(ApiResponse::json(
                413,
                json!({"message": format!("Request Too Long: the body exceeds {MAX_BODY_BYTES} bytes")}),
            ))
        }
    };
    let response = api
        .serve(ApiRequest {
            method,
            path,
            query,
            body,
            idempotency_key,
            caller: None,
            resource: None,
        })
        .await;
    response.map(|body| Full::new(Bytes::from(body)))
}

fn to_response(response: ApiResponse) -> Response<Full<Bytes>> {
    response
        .into_http()
        .map(|body| Full::new(Bytes::from(body)))
}
