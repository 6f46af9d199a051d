//! The DynamoDB client, built once per process from the standard AWS configuration chain. The
//! endpoint comes from `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_DYNAMODB` when set (the local
//! stack), from the region otherwise: there is no "if local" code.

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;

/// The shared SDK configuration (region, credentials, endpoint, retries).
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// A DynamoDB client from [`sdk_config`].
pub async fn dynamodb_client() -> Client {
    Client::new(&sdk_config().await)
}
