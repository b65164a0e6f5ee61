#!/usr/bin/env bash
# Measure xmlsec1 (libxmlsec1 + OpenSSL) signing and verifying the same Entra-sized SAML
# Response that `cargo bench -p connect-sso-saml --bench saml` measures, for comparison.
#
# xmlsec1 is a command-line tool, so each operation pays a process start, library
# initialisation and key loading. To separate that from the XML-DSig work, the same loop is
# run on a trivially small signed document; "marginal" = Entra-sized minus tiny.
#
# Usage: scripts/bench-xmlsec1.sh [N]     (N runs per operation, default 200)
# Needs: xmlsec1, cargo (to write the fixtures with the benchmark binary); with the test venv
# it also prints in-process lxml c14n and signxml figures (tests/python/bench_peers.py).
set -euo pipefail
n="${1:-200}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/connect-sso/target}"
command -v xmlsec1 >/dev/null || { echo "xmlsec1 is not installed" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The benchmark binary writes the signed response, an xmlsec1 template with the same layout,
# and the key and certificate (RSA-2048), then exits without benchmarking.
(cd "$here" && SAML_BENCH_FIXTURES="$work" cargo bench -q -p connect-sso-saml --bench saml) >&2

dsig='http://www.w3.org/2000/09/xmldsig#'
exc='http://www.w3.org/2001/10/xml-exc-c14n#'
cat >"$work/tiny-template.xml" <<XML
<r ID="t"><Signature xmlns="$dsig"><SignedInfo><CanonicalizationMethod Algorithm="$exc"/><SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/><Reference URI="#t"><Transforms><Transform Algorithm="${dsig}enveloped-signature"/><Transform Algorithm="$exc"/></Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue></DigestValue></Reference></SignedInfo><SignatureValue></SignatureValue></Signature></r>
XML

keys="$work/key.pem,$work/cert.pem"
ids=(--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response
     --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion
     --id-attr:ID r)
xmlsec1 --sign --privkey-pem "$keys" "${ids[@]}" --output "$work/tiny-signed.xml" "$work/tiny-template.xml"

sign_response() { xmlsec1 --sign --privkey-pem "$keys" "${ids[@]}" --output "$work/out.xml" "$work/response-template.xml"; }
sign_tiny() { xmlsec1 --sign --privkey-pem "$keys" "${ids[@]}" --output "$work/out.xml" "$work/tiny-template.xml"; }
verify_response() { xmlsec1 --verify --pubkey-cert-pem "$work/cert.pem" "${ids[@]}" "$work/response-signed.xml" 2>/dev/null; }
verify_tiny() { xmlsec1 --verify --pubkey-cert-pem "$work/cert.pem" "${ids[@]}" "$work/tiny-signed.xml" 2>/dev/null; }
version() { xmlsec1 --version >/dev/null; }

# Check once that every operation succeeds (and that xmlsec1 accepts our response).
for op in sign_response sign_tiny verify_response verify_tiny; do
  "$op" || { echo "xmlsec1 failed: $op" >&2; exit 1; }
done
sign_response && xmlsec1 --verify --pubkey-cert-pem "$work/cert.pem" "${ids[@]}" "$work/out.xml" 2>/dev/null \
  || { echo "xmlsec1 cannot verify its own signature of the response" >&2; exit 1; }

# The machine may be shared: run each operation in interleaved rounds and keep the best
# round (least disturbed), as wall time and as CPU time (user+sys of the xmlsec1 processes).
rounds=5
per=$(((n + rounds - 1) / rounds))
ops=(version verify_response verify_tiny sign_response sign_tiny)
declare -A wall cpu
for op in "${ops[@]}"; do wall[$op]=-1; cpu[$op]=-1; done
for ((r = 0; r < rounds; r++)); do
  for op in "${ops[@]}"; do
    TIMEFORMAT='%R %U %S'
    t=$({ time (for ((i = 0; i < per; i++)); do "$op" >/dev/null 2>&1; done); } 2>&1)
    read -r real user sys <<<"$t"
    w=$(awk -v r="$real" -v n="$per" 'BEGIN { printf "%d", r * 1e6 / n }')
    c=$(awk -v u="$user" -v s="$sys" -v n="$per" 'BEGIN { printf "%d", (u + s) * 1e6 / n }')
    if [ "${wall[$op]}" -lt 0 ] || [ "$w" -lt "${wall[$op]}" ]; then wall[$op]=$w; fi
    if [ "${cpu[$op]}" -lt 0 ] || [ "$c" -lt "${cpu[$op]}" ]; then cpu[$op]=$c; fi
  done
done
size=$(wc -c <"$work/response-signed.xml")

cat <<TABLE
$(xmlsec1 --version | head -1); $((per * rounds)) runs per operation (best of $rounds rounds);
Entra-sized response: ${size} bytes; RSA-2048, SHA-256. Times in µs per operation.
| operation | Entra-sized wall | tiny doc wall | marginal wall | Entra-sized CPU | tiny doc CPU | marginal CPU |
|---|---:|---:|---:|---:|---:|---:|
| verify | ${wall[verify_response]} | ${wall[verify_tiny]} | $((wall[verify_response] - wall[verify_tiny])) | ${cpu[verify_response]} | ${cpu[verify_tiny]} | $((cpu[verify_response] - cpu[verify_tiny])) |
| sign | ${wall[sign_response]} | ${wall[sign_tiny]} | $((wall[sign_response] - wall[sign_tiny])) | ${cpu[sign_response]} | ${cpu[sign_tiny]} | $((cpu[sign_response] - cpu[sign_tiny])) |
| process start (xmlsec1 --version) | ${wall[version]} | | | ${cpu[version]} | | |
TABLE

# In-process references, when the test venv exists: lxml (libxml2) c14n and signxml.
python="${CONNECT_SSO_VENV:-$HOME/.cache/connect-sso/venv}/bin/python"
if [ -x "$python" ]; then
  echo
  echo "| in-process reference (same document and key) | µs per operation |"
  echo "|---|---:|"
  "$python" "$here/tests/python/bench_peers.py" "$work" 1.0
fi
