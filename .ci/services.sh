#!/usr/bin/env bash
# Starts PostgreSQL and Mosquitto on their standard loopback ports when they
# are not already answering.  Installs them from Debian when missing.
set -uo pipefail
up() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! up 5432; then
  command -v pg_ctlcluster >/dev/null || { $SUDO apt-get update -qq; $SUDO apt-get install -y -qq postgresql </dev/null >/dev/null; }
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! up 1883; then
  command -v mosquitto >/dev/null || { $SUDO apt-get update -qq; $SUDO apt-get install -y -qq mosquitto </dev/null >/dev/null; }
  $SUDO mosquitto -d -c /etc/mosquitto/mosquitto.conf || mosquitto -d
fi
for i in $(seq 1 50); do up 5432 && up 1883 && break; sleep 0.2; done
up 5432 && echo "services: postgresql up" || echo "services: postgresql NOT up (postgres tests will skip)"
up 1883 && echo "services: mosquitto up" || echo "services: mosquitto NOT up"
exit 0
