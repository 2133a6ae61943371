#!/usr/bin/env bash
# Idempotent: Debian's Mosquitto, the MQTT broker the engine publishes its
# events to (live workstations), started when nothing answers on 1883.
set -uo pipefail
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
if ! command -v mosquitto >/dev/null 2>&1 && [ ! -x /usr/sbin/mosquitto ]; then
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends mosquitto </dev/null >/dev/null \
    && echo "install: mosquitto installed"
fi
up() { (exec 3<>"/dev/tcp/127.0.0.1/1883") 2>/dev/null; }
if ! up; then
  # systemd where there is one; otherwise the packaged configuration, detached.
  $SUDO systemctl start mosquitto 2>/dev/null || $SUDO /usr/sbin/mosquitto -d -c /etc/mosquitto/mosquitto.conf
  for _ in $(seq 1 25); do up && break; sleep 0.2; done
  up && echo "install: mosquitto started on 127.0.0.1:1883" || echo "install: mosquitto did not start (the live feed waits for it)"
fi
exit 0
