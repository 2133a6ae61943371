#!/usr/bin/env bash
# Kannel (bearerbox, smsbox) and its fake SMSC (fakesmsc, in kannel-extras)
# from Debian, for the SMS notification adapter and its tests.  Idempotent:
# does nothing when the binaries are already there.  The packages' postinst
# may try to start a system service; in a container policy-rc.d denies it,
# which is harmless: tests run their own private instance.
set -euo pipefail

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/lib/kannel/test/$1" ]; }

if have bearerbox && have smsbox && have fakesmsc; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    SUDO=sudo
else
    SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends kannel kannel-extras >/dev/null
