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

# Frees PORT from a server a crashed earlier run left behind on it: the process recorded in
# $state_dir/NAME-PORT.pid is stopped if it is still alive and still one of ours (moto's server
# or cargo lambda watch). A port held by anything else is reported, not touched.
reclaim_port() {
  local name="$1" port="$2" pid_file="$state_dir/$1-$2.pid" pid
  if [ -f "$pid_file" ]; then
    pid="$(cat "$pid_file")"
    if kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -e local_aws_server -e "lambda watch" -e api-local; then
      echo "$name: stopping process $pid left by an earlier run" >&2
      kill "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    rm -f "$pid_file"
  fi
  if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" 2>/dev/null; then
    echo "$name: port $port is taken by another program; free it or choose another port" >&2
    return 1
  fi
}
