#!/usr/bin/env bash
# Run the parse+verify fuzz target for a while (default 120 s) on one core.
# Usage: fuzz/run.sh [SECONDS]      Needs: rustup nightly, cargo-fuzz (`cargo install cargo-fuzz`).
# The corpus grows in $CONNECT_SSO_CACHE/fuzz-corpus (seeded from fuzz/seeds and, when the
# shared vectors sit beside the clone, from their responses and metadata); crashes land in
# fuzz/artifacts/parse_verify/.
set -euo pipefail
seconds="${1:-120}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${CONNECT_SSO_CACHE:-$HOME/.cache/connect-sso}"
corpus="$cache/fuzz-corpus/parse_verify"
mkdir -p "$corpus"
vectors="$here/../../shared/vectors/saml"
if [ -d "$vectors" ]; then
  for f in "$vectors"/*/response.xml "$vectors"/*/idp-metadata.xml; do
    [ -f "$f" ] && cp -n "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_FUZZ:-$cache/fuzz-target}"
cd "$here"
exec cargo +nightly fuzz run parse_verify -O "$corpus" "$here/seeds" -- \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1
