#!/usr/bin/env bash
# Runs a command with the store's whole pipeline up on the local endpoint: `esctl dev` (what
# `make dev` runs) in the background builds the tables, bus, rule and queues from infra/'s
# definitions and runs the event source mappings (ingest queue -> persister, table stream ->
# projector) against the functions tests/with-functions.sh serves:
#
#   tests/local-aws.sh tests/with-functions.sh tests/with-pipeline.sh cargo test --workspace
#
# PIPELINE_LOG is exported for the command.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
: "${LAMBDA_ENDPOINT:?with-pipeline: run inside tests/with-functions.sh}"

# shellcheck source=tests/local-common.sh
source "$root/tests/local-common.sh"
cargo build --quiet --locked --bin esctl
log="$state_dir/pipeline-$$.log"
"$root/target/debug/esctl" dev --checkpoints "$state_dir/checkpoints-$$.json" >"$log" 2>&1 &
pipeline_pid=$!
stop() { kill "$pipeline_pid" 2>/dev/null || true; wait "$pipeline_pid" 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 300); do
  grep -q "esctl dev: pipeline ready" "$log" && break
  if ! kill -0 "$pipeline_pid" 2>/dev/null; then
    echo "with-pipeline: esctl dev exited; its log ($log):" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.2
done
grep -q "esctl dev: pipeline ready" "$log" || { echo "with-pipeline: not ready in 60 s; see $log" >&2; exit 1; }

export PIPELINE_LOG="$log"
echo "with-pipeline: pipeline up (log: $log)" >&2
"$@"
