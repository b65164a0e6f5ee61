#!/usr/bin/env bash
# Sign and verify side by side, in one run, on the same documents and RSA-2048 key:
#   - connect-sso: sign_response and verify_response,
#   - the bare aws-lc-rs RSA-2048 PKCS#1 v1.5 SHA-256 operation (the floor of our sign),
#   - libxmlsec1 in-process (python-xmlsec; key loaded once, bytes in -> result out), signxml,
#     and OpenSSL's bare RSA operation (through cryptography),
# for an Entra-sized response (about 6 kB) and a large one (about 62 kB, many attributes).
# Prints a Markdown table of medians per row and the ratios that matter.
#
# Rounds alternate Rust and Python processes (ABBA), so that machine noise hits all rows alike;
# each row runs about SECONDS_PER_ROW per round. The defaults take about a minute.
#
# Usage: scripts/bench-sign.sh [ROUNDS] [SECONDS_PER_ROW]     (defaults: 6 and 0.5)
#        KEEP=DIR scripts/bench-sign.sh …   keeps the documents and the raw JSON lines in DIR.
# Needs: cargo, and the test venv with xmlsec and signxml (scripts/setup.sh installs it).
set -euo pipefail
rounds="${1:-6}"
seconds="${2:-0.5}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/connect-sso/target}"
python="${CONNECT_SSO_VENV:-$HOME/.cache/connect-sso/venv}/bin/python"
peers="$here/tests/python/bench_xmlsec_inprocess.py"

if ! [ -x "$python" ] || ! "$python" -c 'import xmlsec, signxml' 2>/dev/null; then
  echo "bench-sign: the test venv lacks xmlsec or signxml; run scripts/setup.sh first" >&2
  exit 1
fi

if [ -n "${KEEP:-}" ]; then
  work="$KEEP"
  mkdir -p "$work"
else
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
fi

# Build once and run the binary itself from then on: a source change during the run must not
# rebuild it between rounds.
bin="$(cd "$here" && cargo bench -q -p connect-sso-saml --bench sign_table --no-run \
  --message-format=json | "$python" -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "sign_table" and m.get("executable"):
        print(m["executable"])
')"
[ -x "$bin" ] || { echo "bench-sign: cannot find the sign_table bench binary" >&2; exit 1; }

"$bin" --write-fixtures "$work/docs"
results="$work/results.jsonl"
: >"$results"
awslc="$(awk '/^name = "aws-lc-rs"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$here/Cargo.lock")"
printf '{"kind":"meta","key":"aws-lc-rs","value":"%s"}\n' "$awslc" >>"$results"

rust_round() { "$bin" --measure "$work/docs" --round "$1" --seconds "$seconds" >>"$results"; }
python_round() { "$python" "$peers" "$work/docs" --round "$1" --seconds "$seconds" >>"$results"; }
start=$SECONDS
for ((r = 0; r < rounds; r++)); do
  echo "bench-sign: round $((r + 1))/$rounds" >&2
  if ((r % 4 == 0 || r % 4 == 3)); then
    rust_round "$r"; python_round "$r"
  else
    python_round "$r"; rust_round "$r"
  fi
done
echo "bench-sign: $rounds rounds in $((SECONDS - start)) s on $(nproc) cores" >&2
echo
"$bin" --table "$results"
