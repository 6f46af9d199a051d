# Shared by tests/local-aws.sh and tests/with-functions.sh (sourced, not run).

# Where logs and state go: outside the workspace, since cargo lambda watch rebuilds on every
# write inside it.
state_dir="${LOCAL_AWS_STATE_DIR:-${TMPDIR:-/tmp}/event-store-local-aws}"
mkdir -p "$state_dir"

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until PORT accepts connections, or fails (showing LOG) if PID exits or 30 s pass.
wait_for_port() {
  local pid="$1" port="$2" log="$3" name="$4"
  for _ in $(seq 1 150); do
    if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "$name exited; its log ($log):" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "$name did not listen on port $port within 30 s; see $log" >&2
  return 1
}
