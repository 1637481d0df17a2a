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
export RUNG_JWT_SECRET="$(python3 -c 'import secrets; print(secrets.token_hex(32))')"
# The forged-token matrix (below) sends each request as its own client.
export RUNG_TRUSTED_PROXIES="127.0.0.1"
export LEPTOS_SITE_ROOT="$root/target/site"
# Every secret the run uses (tokens, passwords, cookies) is noted here by the
# specs; none may appear in the server's log, at its most verbose.
export RUNG_E2E_SECRETS="$tmp/secrets.txt"
echo "$RUNG_ADMIN_PASSWORD" >"$RUNG_E2E_SECRETS"
export RUST_LOG="debug,hyper=info,hyper_util=info,h2=info,sqlx=debug,tower=info"

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

# The forged-token matrix, with an independent JWT library.
if [ -n "${ATTACK_PYTHON:-}" ]; then
  VALID_TOKEN=$(RUST_LOG=warn "$bin" invite --quiz standard --name "Matrix" | tail -n 1 | sed 's#.*/take/##')
  revoked_link=$(RUST_LOG=warn "$bin" invite --quiz standard --name "Matrix revoked" | tail -n 1)
  RUST_LOG=warn "$bin" invite revoke "$revoked_link" >/dev/null 2>&1
  REVOKED_TOKEN=${revoked_link##*/take/}
  echo "$VALID_TOKEN" >>"$RUNG_E2E_SECRETS"
  echo "$RUNG_JWT_SECRET" >>"$RUNG_E2E_SECRETS"
  VALID_TOKEN="$VALID_TOKEN" REVOKED_TOKEN="$REVOKED_TOKEN" "$ATTACK_PYTHON" "$root/attack/forged_tokens.py"
else
  echo "end2end/run.sh: ATTACK_PYTHON is not set; the forged-token matrix was skipped" >&2
fi

# No secret of the run in the log.
secrets=$(sort -u "$RUNG_E2E_SECRETS" | grep -c . || true)
if [ "$secrets" -lt 5 ]; then
  echo "end2end/run.sh: only $secrets secrets were noted; the log check would prove nothing" >&2
  exit 1
fi
if grep -F -f <(sort -u "$RUNG_E2E_SECRETS") "$tmp/server.log" >"$tmp/leaks.txt"; then
  echo "end2end/run.sh: secrets of this run appear in the server's log:" >&2
  cut -c1-200 "$tmp/leaks.txt" | head -n 5 >&2
  exit 1
fi
echo "end2end/run.sh: none of the run's $secrets secrets appears in $(wc -l <"$tmp/server.log") lines of server log"
