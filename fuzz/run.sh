#!/usr/bin/env bash
# Run one fuzz target for a while (default: parse_verify, 120 s) on one core.
# Usage: fuzz/run.sh [SECONDS] [TARGET]     TARGET: parse_verify (default) or sandbox_entry.
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly toolchain; without nightly it
# falls back to the stable toolchain with RUSTC_BOOTSTRAP=1 (which unlocks the -Z flags
# cargo-fuzz passes). FUZZ_TOOLCHAIN=stable forces that fallback, FUZZ_TOOLCHAIN=nightly
# insists on nightly.
# The corpus grows in $CONNECT_SSO_CACHE/fuzz-corpus/TARGET (seeded from fuzz/seeds and, when
# the shared vectors sit beside the clone, from their responses and metadata); crashes land in
# fuzz/artifacts/TARGET/. Inputs may be up to 2,100,000 bytes: above the SAML parser's 1 MiB
# input limit and AWS's 100,000-character SAMLResponse limit, so that both refusals are fuzzed.
set -euo pipefail
seconds="${1:-120}"
target="${2:-parse_verify}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
case "$target" in
  parse_verify | sandbox_entry) ;;
  *)
    echo "error: unknown fuzz target '$target' (parse_verify or sandbox_entry)" >&2
    exit 2
    ;;
esac
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "error: cargo-fuzz is not installed" >&2
  echo "hint: cargo install cargo-fuzz" >&2
  exit 2
fi
cache="${CONNECT_SSO_CACHE:-$HOME/.cache/connect-sso}"
corpus="$cache/fuzz-corpus/$target"
mkdir -p "$corpus"
vectors="$here/../../shared/vectors/saml"
if [ -d "$vectors" ]; then
  for f in "$vectors"/*/response.xml "$vectors"/*/idp-metadata.xml; do
    [ -f "$f" ] && cp -n "$f" "$corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
  done
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR_FUZZ:-$cache/fuzz-target}"
toolchain="${FUZZ_TOOLCHAIN:-}"
if [ -z "$toolchain" ]; then
  if cargo +nightly --version >/dev/null 2>&1; then toolchain=nightly; else toolchain=stable; fi
fi
case "$toolchain" in
  nightly) fuzz=(cargo +nightly fuzz) ;;
  stable)
    echo "fuzz: using the stable toolchain with RUSTC_BOOTSTRAP=1 (no nightly, or FUZZ_TOOLCHAIN=stable)" >&2
    export RUSTC_BOOTSTRAP=1
    fuzz=(cargo fuzz)
    ;;
  *)
    echo "error: FUZZ_TOOLCHAIN must be nightly or stable, not '$toolchain'" >&2
    exit 2
    ;;
esac
cd "$here"
exec "${fuzz[@]}" run "$target" -O "$corpus" "$here/seeds" -- \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=2100000 -print_final_stats=1
