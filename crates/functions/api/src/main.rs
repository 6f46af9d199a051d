//! The api function's Lambda entry point: the store, the query function's reader and the replay
//! function's client once, then each API Gateway request through the handler.

use api::ApiRequest;
use lambda_http::request::RequestContext;
use lambda_http::{run, service_fn, Body, Error, Request, RequestExt, Response};

#[tokio::main]
async fn main() -> Result<(), Error> {
    function_support::init_logging();
    let api = &api::build_from_env().await?;
    run(service_fn(move |request: Request| async move {
        Ok::<Response<Body>, Error>(api.serve(to_request(request)).await.map(Body::from))
    }))
    .await
}

/// API Gateway's request as the handler's: the path without the stage.
fn to_request(request: Request) -> ApiRequest {
    let query = request
        .query_string_parameters()
        .iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
    let idempotency_key = request
        .headers()
        .get(api::IDEMPOTENCY_KEY_HEADER)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    // The IAM caller's ARN, when API Gateway authorized the request by IAM (the forget route).
    let (caller, resource) = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(context)) => (
            context.identity.user_arn.clone(),
            context.resource_path.clone(),
        ),
        _ => (None, None),
    };
    ApiRequest {
        method: request.method().as_str().to_owned(),
        path: request.raw_http_path().to_owned(),
        query,
        body: request.body().to_vec(),
        idempotency_key,
        caller,
        resource,
    }
}
