#!/usr/bin/env bash
# Idempotent: Debian's Chromium for the browser tests (no browser download).
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver </dev/null >/dev/null
echo "install: chromium installed"
