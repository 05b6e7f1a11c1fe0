#!/usr/bin/env bash
# Starts PostgreSQL and RabbitMQ if they are down, then waits until each answers.
set -uo pipefail

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  echo "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
for _ in $(seq 1 60); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL did not come up" >&2; exit 1; }

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
