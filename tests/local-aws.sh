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

# Logs and state go outside the workspace: cargo lambda watch rebuilds on every write inside it.
state_dir="${LOCAL_AWS_STATE_DIR:-${TMPDIR:-/tmp}/event-store-local-aws}"
mkdir -p "$state_dir"
port="${LOCAL_AWS_PORT:-$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}"
log="$state_dir/moto-$port.log"

"$python" "$root/tests/local_aws_server.py" "$port" >"$log" 2>&1 &
moto_pid=$!
stop() { kill "$moto_pid" 2>/dev/null || true; wait "$moto_pid" 2>/dev/null || true; }
trap stop EXIT
trap 'exit 130' INT TERM

for _ in $(seq 1 100); do
  if "$python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/moto-api/', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$moto_pid" 2>/dev/null || { echo "local-aws: moto's server exited; see $log" >&2; cat "$log" >&2; exit 1; }
  sleep 0.2
done

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}"
export AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export LOCAL_AWS_LOG="$log"
echo "local-aws: moto's server on $AWS_ENDPOINT_URL (log: $log)" >&2

"$@"
