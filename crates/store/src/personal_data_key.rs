//! The KMS key that wraps data subjects' keys, made where nothing else makes it: the local stack
//! and the tests (on AWS the stateful stack creates it, with its alias). Idempotent: an alias
//! that exists is kept, whatever key it names.

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use event_store_domain::{Error, FailureKind};

use crate::sdk_error::{failure, from_sdk};

/// Makes a symmetric KMS key named by `alias` (`alias/...`) unless the alias exists. Returns the
/// key's ARN.
pub async fn ensure_personal_data_key(
    kms: &aws_sdk_kms::Client,
    alias: &str,
) -> Result<String, Error> {
    if let Some(arn) = key_behind(kms, alias).await? {
        return Ok(arn);
    }
    let created = kms
        .create_key()
        .description(format!("event store: wraps data subjects' keys ({alias})"))
        .key_spec(KeySpec::SymmetricDefault)
        .key_usage(KeyUsageType::EncryptDecrypt)
        .send()
        .await
        .map_err(|e| from_sdk("CreateKey", e))?;
    let key_id = created.key_metadata.map(|m| m.key_id).ok_or_else(|| {
        failure(
            FailureKind::ServerError,
            "CreateKey",
            "no key in the answer",
        )
    })?;
    match kms
        .create_alias()
        .alias_name(alias)
        .target_key_id(&key_id)
        .send()
        .await
    {
        Ok(_) => {}
        // Another process made the alias first: its key serves (this one stays unused).
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_already_exists_exception()) => {}
        Err(e) => return Err(from_sdk("CreateAlias", e)),
    }
    key_behind(kms, alias).await?.ok_or_else(|| {
        failure(
            FailureKind::ServerError,
            "DescribeKey",
            format!("{alias} was made but does not resolve"),
        )
    })
}

/// The ARN of the key `alias` names, or none when the alias does not exist.
async fn key_behind(kms: &aws_sdk_kms::Client, alias: &str) -> Result<Option<String>, Error> {
    match kms.describe_key().key_id(alias).send().await {
        Ok(described) => Ok(described.key_metadata.and_then(|m| m.arn)),
        Err(e)
            if e.as_service_error()
                .is_some_and(|e| e.is_not_found_exception()) =>
        {
            Ok(None)
        }
        Err(e) => Err(from_sdk("DescribeKey", e)),
    }
}
