#!/usr/bin/env bash
# Starts PostgreSQL and RabbitMQ if they are down, then waits until each answers.
set -uo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not come up" >&2; exit 1; }

# The suite runs two workers at once, and the multi-school tests (the load smoke test's three
# schools of five processes, the fifty-school connection count) each hold tens of connections:
# PostgreSQL's default of 100 is too few for both at once. Raised once, as an operator sizes
# max_connections for the sum over processes (docs/schools.md).
WANT_CONNECTIONS=300
have=$(psql -h 127.0.0.1 -U postgres -Atc "show max_connections" 2>/dev/null || echo 0)
if [ "${have:-0}" -lt "$WANT_CONNECTIONS" ]; then
  echo "raising PostgreSQL max_connections from $have to $WANT_CONNECTIONS (restart)"
  psql -h 127.0.0.1 -U postgres -qc "ALTER SYSTEM SET max_connections = $WANT_CONNECTIONS" \
    && pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main restart \
    || echo "could not raise max_connections: the multi-school tests may meet 'too many clients'" >&2
  for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not come back" >&2; exit 1; }
fi

if command -v rabbitmq-diagnostics >/dev/null 2>&1; then
  if ! rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1; then
    echo "starting RabbitMQ"
    rabbitmq-server -detached >/dev/null 2>&1 || true
    for _ in $(seq 1 90); do
      rabbitmq-diagnostics -q check_port_connectivity >/dev/null 2>&1 && break
      sleep 1
    done
  fi
fi

# Celery's delayed-delivery queues (celery_delayed_0..27) are shared by every queue prefix on
# this broker. A retry whose test queue was deleted before its countdown ran out can never be
# routed: quorum queues with at-least-once dead-lettering keep it (purge cannot remove it) and
# retry it forever, and once a few dozen such messages wait, the dead-lettering of every later
# retry stalls behind them. Before a run nothing of ours is in flight, so the queues are deleted;
# each Celery worker declares them again as it starts.
if command -v rabbitmqctl >/dev/null 2>&1; then
  for q in $(rabbitmqctl -q list_queues name 2>/dev/null | grep '^celery_delayed_[0-9]*$'); do
    rabbitmqctl -q delete_queue "$q" >/dev/null 2>&1 || true
  done
fi

if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1 || true
fi
# NSS's S/MIME tools (cmsutil, pk12util, certutil): the tests open referral mail with them as
# Thunderbird would. Debian package libnss3-tools.
if ! command -v cmsutil >/dev/null 2>&1; then
  echo "installing libnss3-tools"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo"
  $SUDO apt-get install -y -q libnss3-tools >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q libnss3-tools >/dev/null 2>&1; } \
    || echo "could not install libnss3-tools (cmsutil): the S/MIME mail tests will fail" >&2
fi
exit 0
