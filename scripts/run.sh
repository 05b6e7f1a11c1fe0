#!/usr/bin/env bash
# `make run`: the embedded demo service (SQLite, no RabbitMQ, no PostgreSQL) on
# http://localhost:8000, with the embedded worker and relay, the projection runner, the DSL
# alerts and a demo agency inbox (SMTP with STARTTLS on loopback) in one process group.
# Ctrl-C stops them all. A referral decided in the browser is delivered to the inbox folder
# ($DATA/demo-inbox/mail), where it opens with `openssl smime -decrypt` / `openssl cms`.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${DATA:-var}
PORT=${PORT:-8000}
BIN=.venv/bin
INBOX="$DATA/demo-inbox"

export SAFESHARE_DATA="$DATA"
export SAFESHARE_WEB_BASE_URL="http://localhost:$PORT"
# The demo runs on plain http on this machine only; browsers accept Secure cookies from
# localhost, but not every tool does, so the demo says it plainly.
export SAFESHARE_COOKIE_SECURE="${SAFESHARE_COOKIE_SECURE:-false}"

mkdir -p "$INBOX/tls" "$INBOX/mail"
if [ ! -f "$INBOX/tls/agency-server.pem" ]; then
  "$BIN/python" -c "from pathlib import Path; from safeshare.demo.agencies.certs import make_pki; make_pki(Path('$INBOX/tls'))"
fi
SMTP_PORT=$("$BIN/python" -c "from safeshare.demo.agencies.certs import free_port; print(free_port())")
export SAFESHARE_SMTP_HOST=127.0.0.1 SAFESHARE_SMTP_PORT="$SMTP_PORT"
export SAFESHARE_TLS_CA_FILE="$INBOX/tls/agency-ca.pem"
export SAFESHARE_DSL_EMAIL="dsl@demo.invalid"

"$BIN/safeshare" init >/dev/null
if [ ! -f "$DATA/.demo-recorded" ]; then
  "$BIN/safeshare" demo >/dev/null
  touch "$DATA/.demo-recorded"
fi

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait 2>/dev/null' INT TERM EXIT
"$BIN/python" -m safeshare.demo.agencies smtp --port "$SMTP_PORT" \
  --cert "$INBOX/tls/agency-server.pem" --record-dir "$INBOX/mail" >/dev/null &
"$BIN/safeshare" worker >"$DATA/logs-worker.txt" 2>&1 &
"$BIN/safeshare" projections follow >"$DATA/logs-projections.txt" 2>&1 &
"$BIN/safeshare" alerts >"$DATA/logs-alerts.txt" 2>&1 &

cat <<MSG

safeshare is starting on http://localhost:$PORT (Ctrl-C stops everything).

First sign-in: make the school's own administrator account with this one-time set-up link
(it works once and expires; \`safeshare setup-link\` makes another):
MSG
"$BIN/safeshare" setup-link
cat <<MSG

Or sign in with a demonstration account (demo only; each role's authenticator key is printed,
add it to an authenticator app for the six-digit code):
MSG
"$BIN/safeshare" demo-accounts
cat <<MSG

Referrals sent to the demo agencies arrive in $INBOX/mail; each agency's key is in
$DATA/agencies/<agency>/agency-key.pem, e.g.
  openssl smime -decrypt -in $INBOX/mail/<file>.eml -recip $DATA/agencies/mash/agency-cert.pem \\
      -inkey $DATA/agencies/mash/agency-key.pem
Logs: $DATA/logs-*.txt

MSG
"$BIN/safeshare" serve --host 127.0.0.1 --port "$PORT"
