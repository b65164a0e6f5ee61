#!/usr/bin/env bash
# Installs everything the test suite and the demo need that a fresh machine lacks.
# Idempotent: each step checks before it installs. Safe to run again.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${CONNECT_SSO_CACHE:-$HOME/.cache/connect-sso}"
mkdir -p "$cache"
log() { printf 'setup: %s\n' "$*" >&2; }

need_apt=()
command -v xmlsec1 >/dev/null 2>&1 || need_apt+=(xmlsec1)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing Debian packages: ${need_apt[*]}"
  sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi

# Python peers: signxml (XML-DSig interop), moto (second opinion on IAM/STS), boto3 (AWS client),
# xmlsec (libxmlsec1 in-process, for scripts/bench-sign.sh).
venv="$cache/venv"
if [ ! -x "$venv/bin/python" ]; then
  log "creating Python venv at $venv"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import signxml, lxml, moto, boto3, xmlsec' >/dev/null 2>&1; then
  log "installing Python test peers"
  "$venv/bin/pip" install -q -r "$here/scripts/requirements-test.txt" >&2
fi

# Node peers: xml-crypto (XML-DSig interop), playwright-core (browser tests, uses Debian chromium).
node_dir="$here/tests/node"
if [ -f "$node_dir/package.json" ] && [ ! -d "$node_dir/node_modules" ]; then
  log "installing npm test peers"
  (cd "$node_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
log "done"
