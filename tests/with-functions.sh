#!/usr/bin/env bash
# Runs a command with the store's functions served by `cargo lambda watch` on 127.0.0.1 (the
# Lambda Invoke API), against the local AWS endpoint that tests/local-aws.sh started:
#
#   tests/local-aws.sh tests/with-functions.sh cargo test --workspace
#
# The functions are built first, so the first invoke does not wait for a compile. They get the
# names of the local pipeline (infra/pipeline.json with env "local": the tables, the bus) and
# the projector the settings in fixtures/settings/projector.json, every function the event
# types of fixtures/event-types.json and the keys table and KMS key for their personal data. LAMBDA_ENDPOINT is exported
# for the command; LAMBDA_PORT picks the port (a free one by default).
#
# The HTTP API (api-local, in API Gateway's place) is served beside them: API_ENDPOINT and
# API_KEY are exported; API_PORT picks the port (a free one by default), API_KEY the key.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/.venv/bin:$PATH"
command -v cargo-lambda >/dev/null || { echo "with-functions: cargo-lambda missing; run 'make setup'" >&2; exit 2; }
: "${AWS_ENDPOINT_URL:?with-functions: run inside tests/local-aws.sh}"

cargo build --quiet --locked -p persister -p query -p projector -p replay -p api

# shellcheck source=tests/local-common.sh
source "$root/tests/local-common.sh"
port="${LAMBDA_PORT:-$(free_port)}"
log="$state_dir/functions-$port.log"
reclaim_port functions "$port"

export FUNCTIONS_EVENTS_TABLE=event-store-local-events
# Locally every index is written and queryable (deployments default to tables.json's defaultIndexes).
export INDEXES="${INDEXES:-all}"
# The example event types (seed 002's ProductCreated in two schema versions with an upcast, a
# customer's personal data): schemas checked on append, upcasts applied on read.
export EVENT_TYPES_FILE="${EVENT_TYPES_FILE:-$root/fixtures/event-types.json}"
# Their personal data is sealed under subjects' keys in the local keys table, wrapped by the
# local KMS key (infra/pipeline.json's names; esctl dev and the tests' helpers create both).
export KEYS_TABLE="${KEYS_TABLE:-event-store-local-keys}"
export PERSONAL_DATA_KEY="${PERSONAL_DATA_KEY:-alias/event-store-local-personal-data}"
EVENTS_TABLE="$FUNCTIONS_EVENTS_TABLE" PROJECTIONS_TABLE=event-store-local-projections \
  EVENT_BUS_NAME=event-store-local PROJECTOR_SETTINGS_FILE="$root/fixtures/settings/projector.json" \
  RUST_LOG="${RUST_LOG:-info}" AWS_LAMBDA_LOG_FORMAT=JSON LAMBDA_ENDPOINT="http://127.0.0.1:$port" \
  cargo lambda watch --invoke-address 127.0.0.1 --invoke-port "$port" --ignore-changes --quiet \
  >"$log" 2>&1 &
watch_pid=$!
echo "$watch_pid" >"$state_dir/functions-$port.pid"
api_pid=""
stop() {
  [ -n "$api_pid" ] && { kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; }
  kill "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM

wait_for_port "$watch_pid" "$port" "$log" "with-functions: cargo lambda watch"

export LAMBDA_ENDPOINT="http://127.0.0.1:$port"
export LAMBDA_LOG="$log"
echo "with-functions: Lambda Invoke API on $LAMBDA_ENDPOINT (log: $log)" >&2

api_port="${API_PORT:-$(free_port)}"
api_log="$state_dir/api-$api_port.log"
reclaim_port api "$api_port"
export API_KEY="${API_KEY:-$(python3 -c 'import secrets; print(secrets.token_hex(12))')}"
EVENTS_TABLE="$FUNCTIONS_EVENTS_TABLE" PROJECTIONS_TABLE=event-store-local-projections \
  REPLAY_FUNCTION_NAME=replay API_PORT="$api_port" RUST_LOG="${RUST_LOG:-info}" \
  PROJECTOR_SETTINGS_FILE="$root/fixtures/settings/projector.json" \
  "$root/target/debug/api-local" >"$api_log" 2>&1 &
api_pid=$!
echo "$api_pid" >"$state_dir/api-$api_port.pid"
wait_for_port "$api_pid" "$api_port" "$api_log" "with-functions: api-local"
export API_ENDPOINT="http://127.0.0.1:$api_port"
echo "with-functions: HTTP API on $API_ENDPOINT, x-api-key: $API_KEY (log: $api_log)" >&2
echo "with-functions: web console on $API_ENDPOINT/console/#key=$API_KEY" >&2
"$@"
