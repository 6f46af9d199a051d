//! The DynamoDB client, built once per process from the standard AWS configuration chain. The
//! endpoint comes from `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_DYNAMODB` when set (the local
//! stack), from the region otherwise: there is no "if local" code.
//!
//! The HTTPS client is chosen here, not by the SDK crates' default features: hyper 1 with
//! rustls 0.23 and ring, one TLS stack for every AWS client in the process. (The SDK's default
//! would add aws-lc-rs, and its `rustls` feature a second, legacy hyper 0.14 + rustls 0.21 stack;
//! README: Cold starts has the measured sizes.)

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The shared SDK configuration (region, credentials, endpoint, retries, the HTTPS client).
pub async fn sdk_config() -> aws_config::SdkConfig {
    sdk_config_over(https_client()).await
}

/// The shared SDK configuration over a given HTTPS client (`make init-duration` times the two
/// apart).
pub async fn sdk_config_over(http_client: SharedHttpClient) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(http_client)
        .load()
        .await
}

/// A DynamoDB client from [`sdk_config`].
pub async fn dynamodb_client() -> Client {
    Client::new(&sdk_config().await)
}

/// hyper 1 + rustls with ring's crypto; trusted roots are the platform's, loaded here.
pub fn https_client() -> SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}
