#!/usr/bin/env bash
# The browser the end-to-end tests drive: Debian's chromium package, installed with apt-get.
# Idempotent: does nothing when /usr/bin/chromium is already there. Playwright only drives it
# (executable_path); `playwright install` is never run, it would download a browser of its own.
set -euo pipefail
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "browser.sh: $CHROMIUM is missing and apt-get is not available; install Chromium and set CHROMIUM" >&2
  exit 1
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
# Refresh the package lists only when chromium is not known to apt yet (a fresh machine).
if ! apt-cache show chromium >/dev/null 2>&1; then
  $sudo apt-get update -qq
fi
if ! $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null; then
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
"$CHROMIUM" --version
