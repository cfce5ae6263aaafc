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

stop_pid() {  # stop_pid PID SECONDS: SIGTERM, then SIGKILL after SECONDS (the suite defines log)
  local pid=$1 secs=$2 i
  kill "$pid" 2>/dev/null || return 0
  for ((i = 0; i < secs * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "pid $pid did not stop within ${secs}s; killing it"
    kill -9 "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

# CPU accounting from /proc: a process's VmRSS-style field in KiB, its user+system ticks, and the
# whole machine's busy and total ticks (CLK_TCK ticks per second).
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
proc_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
machine_ticks() { awk '/^cpu /{busy=$2+$3+$4+$7+$8+$9; print busy, busy+$5+$6}' /proc/stat; }
CLK_TCK="$(getconf CLK_TCK)"
