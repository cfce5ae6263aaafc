# Shared by the suites' run.sh (source it): a scratch directory, child processes stopped at exit,
# free ports and readiness checks.

# bench_init NAME: sets TMP (removed at exit), PIDS (append child PIDs; stopped at exit) and
# RESULTS (an empty JSON-lines file in TMP).
bench_init() {
  TMP="$(mktemp -d -t "crossdock-$1.XXXXXX")"
  PIDS=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  RESULTS="$TMP/results.jsonl"
  : >"$RESULTS"
}

bench_cleanup() {
  local pid
  for pid in "${PIDS[@]:-}"; do
    [[ -n "$pid" ]] || continue
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
    fi
  done
  rm -rf "$TMP"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_http() {  # wait_http URL PID SECONDS: 0 once URL answers 2xx, 1 if PID exits or time runs out
  local url=$1 pid=$2 secs=$3 i
  for ((i = 0; i < secs * 20; i++)); do
    curl -sf -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
  return 1
}
