#!/usr/bin/env bash
# Run the end-to-end tests against the release build: a fresh SQLite file, a
# free port, a known admin password; the server is stopped afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/target/release/rung"
if [ ! -x "$bin" ] || [ ! -f "$root/target/site/pkg/rung.wasm" ]; then
  echo "end2end/run.sh: build first with 'cargo leptos build --release'" >&2
  exit 1
fi
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export BASE_URL="http://127.0.0.1:$port"
export RUNG_PUBLIC_URL="$BASE_URL"
export DATABASE_URL="sqlite://$tmp/e2e.db"
export RUNG_QUIZZES="$root/quizzes"
export RUNG_ADMIN_EMAIL="admin@rung.local"
export RUNG_ADMIN_PASSWORD="e2e-$(python3 -c 'import secrets; print(secrets.token_urlsafe(12))')"
export RUNG_BIN="$bin"
export LEPTOS_SITE_ROOT="$root/target/site"

"$bin" serve --addr "127.0.0.1:$port" >"$tmp/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

cd "$root/end2end"
if ! npx playwright test "$@"; then
  echo "---- server log (last 60 lines) ----" >&2
  tail -n 60 "$tmp/server.log" >&2
  exit 1
fi
