#!/usr/bin/env bash
# A throwaway Tryton 6.0 server for the connector tests: SQLite, 127.0.0.1, a free port, stopped by
# its PID.
#
#   tryton.sh install       Debian packages, when missing (scripts/install-deps.sh)
#   tryton.sh template      the initialised database, made once (~15 s) and reused from
#                           $CROSSDOCK_TRYTON_TEMPLATE (default build/tryton-template/)
#   tryton.sh up DIR        install + template, copy the template into DIR, start trytond on a free
#                           port, seed company, accounts, products, parties and stock. Writes
#                           DIR/env (TRYTON_URL TRYTON_DB TRYTON_PORT TRYTON_PASSWORD TRYTON_PID)
#   tryton.sh start DIR     start trytond again on DIR's database and port (after stop)
#   tryton.sh stop DIR [--kill]   stop it by PID (SIGTERM; --kill: SIGKILL, no chance to clean up)
#   tryton.sh down DIR      stop and delete DIR
#
# trytond runs under Debian's /usr/bin/python3 (its shebang); the seeding is stdlib-only python3.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
TEMPLATE="${CROSSDOCK_TRYTON_TEMPLATE:-$ROOT/build/tryton-template}"
PASSWORD="CrossDock-Admin-2026!"
DB=crossdock
MODULES="company product stock stock_supply purchase purchase_request sale sale_supply account
  account_product account_invoice account_invoice_stock"

log() { echo "tryton.sh: $*" >&2; }

have_tryton() {
  command -v trytond >/dev/null 2>&1 && command -v trytond-admin >/dev/null 2>&1 &&
    [ -d /usr/lib/python3/dist-packages/trytond/modules/account_invoice_stock ]
}

cmd_install() {
  if have_tryton; then return 0; fi
  log "installing Tryton from Debian"
  bash "$ROOT/scripts/install-deps.sh"
  have_tryton || { log "Tryton is still missing after install-deps.sh"; exit 1; }
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

write_conf() {  # DIR PORT
  cat > "$1/trytond.conf" <<EOF
[database]
uri = sqlite://
path = $1/db
language = en
[web]
listen = 127.0.0.1:$2
root = $1/www
[session]
timeout = 86400
[queue]
worker = False
EOF
}

stamp() {
  echo "trytond $(dpkg-query -W -f='${Version}' tryton-server 2>/dev/null) modules: $(echo $MODULES)"
}

cmd_template() {
  cmd_install
  mkdir -p "$(dirname "$TEMPLATE")"
  # One builder at a time; the others wait and reuse its result. The lock is held on fd 9 of a
  # subshell only, so no server started later inherits it.
  (
    flock 9
    build_template
  ) 9>"$TEMPLATE.lock"
}

build_template() {
  if [ -f "$TEMPLATE/$DB.sqlite" ] && [ "$(cat "$TEMPLATE/stamp" 2>/dev/null)" = "$(stamp)" ]; then
    return 0
  fi
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/crossdock-tryton-init.XXXXXX")"
  mkdir -p "$work/db" "$work/www"
  write_conf "$work" 0
  touch "$work/db/$DB.sqlite"  # the SQLite backend only opens an existing file
  printf '%s\n' "$PASSWORD" > "$work/admin.pass"
  log "initialising the template database (about 15 s, once)"
  local t0=$SECONDS
  # shellcheck disable=SC2086
  if ! TRYTONPASSFILE="$work/admin.pass" trytond-admin -c "$work/trytond.conf" -d "$DB" \
      -u $MODULES --activate-dependencies --email admin@example.invalid >"$work/init.log" 2>&1; then
    tail -20 "$work/init.log" >&2
    rm -rf "$work"
    exit 1
  fi
  rm -rf "$TEMPLATE.new"
  mkdir -p "$TEMPLATE.new"
  cp "$work/db/$DB.sqlite" "$TEMPLATE.new/$DB.sqlite"
  stamp > "$TEMPLATE.new/stamp"
  rm -rf "$TEMPLATE"
  mv "$TEMPLATE.new" "$TEMPLATE"
  rm -rf "$work"
  log "template ready in $((SECONDS - t0)) s at $TEMPLATE"
}

wait_ready() {  # DIR
  # shellcheck disable=SC1091
  . "$1/env"
  for _ in $(seq 1 300); do
    if curl -fsS -m 2 -H 'Content-Type: application/json' \
        -d '{"id":0,"method":"common.server.version","params":[]}' "$TRYTON_URL" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$(cat "$1/trytond.pid" 2>/dev/null || echo 0)" 2>/dev/null; then
      log "trytond exited:"; tail -20 "$1/trytond.log" >&2; exit 1
    fi
    sleep 0.1
  done
  log "trytond did not answer in 30 s"; tail -20 "$1/trytond.log" >&2; exit 1
}

start_server() {  # DIR
  local dir="$1"
  # shellcheck disable=SC1091
  . "$dir/env"
  if [ -f "$dir/trytond.pid" ] && kill -0 "$(cat "$dir/trytond.pid")" 2>/dev/null; then
    log "already running (pid $(cat "$dir/trytond.pid"))"; return 0
  fi
  rm -f "$dir/trytond.pid"
  setsid trytond -c "$dir/trytond.conf" -d "$DB" >>"$dir/trytond.log" 2>&1 < /dev/null &
  echo $! > "$dir/trytond.pid"
  wait_ready "$dir"
  sed -i "s/^TRYTON_PID=.*/TRYTON_PID=$(cat "$dir/trytond.pid")/" "$dir/env"
}

cmd_up() {
  local dir="${1:?usage: tryton.sh up DIR}"
  cmd_template
  mkdir -p "$dir/db" "$dir/www"
  dir="$(cd "$dir" && pwd)"
  cp "$TEMPLATE/$DB.sqlite" "$dir/db/$DB.sqlite"
  local port
  port="$(free_port)"
  write_conf "$dir" "$port"
  cat > "$dir/env" <<EOF
TRYTON_URL=http://127.0.0.1:$port/
TRYTON_PORT=$port
TRYTON_DB=$DB
TRYTON_USER=admin
TRYTON_PASSWORD='$PASSWORD'
TRYTON_PID=
EOF
  start_server "$dir"
  python3 "$HERE/seed.py" --url "http://127.0.0.1:$port/" --database "$DB" --password "$PASSWORD"
  cat "$dir/env"
}

cmd_stop() {
  local dir="${1:?usage: tryton.sh stop DIR [--kill]}" sig=TERM
  [ "${2:-}" = "--kill" ] && sig=KILL
  [ -f "$dir/trytond.pid" ] || return 0
  local pid
  pid="$(cat "$dir/trytond.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -s "$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
    kill -0 "$pid" 2>/dev/null && kill -s KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/trytond.pid"
}

case "${1:-}" in
  install) cmd_install ;;
  template) cmd_template ;;
  up) cmd_up "${2:-}" ;;
  start) start_server "$(cd "${2:?usage: tryton.sh start DIR}" && pwd)" ;;
  stop) cmd_stop "${2:-}" "${3:-}" ;;
  down) cmd_stop "${2:?usage: tryton.sh down DIR}"; rm -rf "$2" ;;
  *) sed -n '2,16p' "$0" >&2; exit 2 ;;
esac
