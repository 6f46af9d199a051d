//! The api's dependencies from the environment, once per cold start (the Lambda entry point and
//! `api-local` share it): the store, the query function's reader with the read models (and the
//! list of them the projector's settings declare), and the replay function's client when
//! `REPLAY_FUNCTION_NAME` names one.

use std::time::Duration;

use event_store_dynamodb::FunctionInvoker;
use query::Query;

use crate::Api;

/// The replay function replays are started and followed through (infra sets it).
pub const REPLAY_FUNCTION_NAME: &str = "REPLAY_FUNCTION_NAME";

/// How long the replay function may take to checkpoint a new replay or answer its progress:
/// within the api function's own 26 s (infra/pipeline.json), itself within API Gateway's 29 s,
/// so a slow start is the api's 503 naming the replay, never the gateway's bare 504.
const REPLAY_ANSWER_TIMEOUT: Duration = Duration::from_secs(25);

/// The api as the environment configures it.
pub async fn build_from_env() -> Result<Api, String> {
    let query = Query::from_env().await.map_err(|e| e.to_string())?;
    let store = query.store().clone();
    let replay = match std::env::var(REPLAY_FUNCTION_NAME) {
        Ok(name) if !name.is_empty() => {
            Some(FunctionInvoker::from_env(name, REPLAY_ANSWER_TIMEOUT).await)
        }
        _ => None,
    };
    Ok(Api::new(store, query, replay))
}
