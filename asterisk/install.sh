#!/usr/bin/env bash
# Idempotent: installs Asterisk 16 (from Debian 11, pinned low), sipp, espeak-ng
# and sox from Debian's packages.  Safe to run again; does nothing when present.
set -euo pipefail

need=()
command -v asterisk >/dev/null 2>&1 && [ -e /usr/lib/asterisk/modules/chan_pjsip.so ] || need+=(asterisk)
command -v sipp >/dev/null 2>&1 || need+=(sipp)
command -v espeak-ng >/dev/null 2>&1 || need+=(espeak-ng)
command -v sox >/dev/null 2>&1 || need+=(sox)
[ ${#need[@]} -eq 0 ] && { echo "install: asterisk, sipp, espeak-ng, sox already present"; exit 0; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

. /etc/os-release 2>/dev/null || true
if [ "${ID:-}" != "debian" ] || { [ "${VERSION_ID:-}" != "12" ] && [ "${VERSION_ID:-}" != "11" ]; }; then
  echo "install: this script supports Debian 11 and 12 only (found ${PRETTY_NAME:-unknown OS})." >&2
  echo "install: install these yourself, then run again: asterisk 16+ with chan_pjsip, app_queue, res_agi;" >&2
  echo "         sipp (package sip-tester); espeak-ng; sox." >&2
  exit 1
fi

export DEBIAN_FRONTEND=noninteractive
pkgs=()
for n in "${need[@]}"; do
  case "$n" in
    asterisk) pkgs+=(asterisk asterisk-modules asterisk-core-sounds-en-gsm) ;;
    sipp) pkgs+=(sip-tester) ;;
    *) pkgs+=("$n") ;;
  esac
done

if [ "${VERSION_ID}" = "12" ] && [[ " ${need[*]} " == *" asterisk "* ]]; then
  # Asterisk left Debian after 11: take it from bullseye, pinned at 100 so
  # nothing else is upgraded from there.  The mirror is whatever this machine
  # already uses for bookworm.
  if [ ! -f /etc/apt/sources.list.d/kontakt-bullseye.list ]; then
    $SUDO apt-get update -qq
    main=$(apt-cache policy | awk '$3 ~ /^bookworm\/main$/ {print $2; exit}')
    sec=$(apt-cache policy | awk '$3 ~ /^bookworm-security\/main$/ {print $2; exit}')
    [ -n "$main" ] || { echo "install: cannot find this machine's bookworm mirror in apt-cache policy" >&2; exit 1; }
    {
      echo "deb $main bullseye main"
      [ -n "$sec" ] && echo "deb $sec bullseye-security main"
    } | $SUDO tee /etc/apt/sources.list.d/kontakt-bullseye.list >/dev/null
    printf 'Package: *\nPin: release n=bullseye\nPin-Priority: 100\n\nPackage: *\nPin: release n=bullseye-security\nPin-Priority: 100\n' \
      | $SUDO tee /etc/apt/preferences.d/kontakt-bullseye >/dev/null
  fi
fi

$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" </dev/null
# The package tries to start a system service; kontakt runs its own instance.
command -v asterisk >/dev/null && [ -e /usr/lib/asterisk/modules/chan_pjsip.so ] || {
  echo "install: asterisk did not install; see apt's messages above" >&2; exit 1; }
echo "install: done (${pkgs[*]})"
