#!/usr/bin/env bash
# Runs a command against the local AWS endpoint (moto's server on 127.0.0.1, a free port):
# starts it, waits until it answers, exports the standard AWS_* variables, runs the command,
# and stops the server however the command ends. Each run gets its own server, so a crashed
# earlier run never gets in the way.
#
#   tests/local-aws.sh cargo test --workspace
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="$root/.venv/bin/python"
[ -x "$python" ] || { echo "local-aws: $python missing; run 'make setup' first" >&2; exit 2; }

# shellcheck source=tests/local-common.sh
source "$root/tests/local-common.sh"
port="${LOCAL_AWS_PORT:-$(free_port)}"
log="$state_dir/moto-$port.log"
reclaim_port local-aws "$port"

"$python" "$root/tests/local_aws_server.py" "$port" >"$log" 2>&1 &
moto_pid=$!
echo "$moto_pid" >"$state_dir/local-aws-$port.pid"
stop() { kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM

wait_for_port "$moto_pid" "$port" "$log" "local-aws: moto's server"

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export LOCAL_AWS_LOG="$log"
echo "local-aws: moto's server on $AWS_ENDPOINT_URL (log: $log)" >&2

"$@"
