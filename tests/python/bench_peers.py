#!/usr/bin/env python3
"""In-process timings of lxml (libxml2) exclusive c14n and signxml sign/verify on the benchmark
fixtures written by `SAML_BENCH_FIXTURES=<dir> cargo bench -p connect-sso-saml --bench saml`.

    bench_peers.py DIR [SECONDS_PER_ROW]

Prints Markdown table rows (µs per operation, best of 5 repeats). Used by scripts/bench-xmlsec1.sh
as an in-process reference next to the xmlsec1 command-line figures.
"""

import sys
import timeit

from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree
from signxml import CanonicalizationMethod, SignatureConfiguration, XMLSigner, XMLVerifier, methods

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG = "http://www.w3.org/2000/09/xmldsig#"


def best_us(fn, budget):
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    repeats = 5
    number = max(1, int(number * budget / (repeats * 0.2)))
    return min(timer.repeat(repeat=repeats, number=number)) / number * 1e6


def main():
    directory = sys.argv[1]
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 1.0
    signed = open(f"{directory}/response-signed.xml", "rb").read()
    # Loaded once: cryptography checks an RSA private key when loading it (tens of ms).
    key = load_pem_private_key(open(f"{directory}/key.pem", "rb").read(), password=None)
    cert = open(f"{directory}/cert.pem", "rb").read().decode()
    assertion_id = open(f"{directory}/assertion-id.txt").read().strip()

    def c14n_assertion():
        root = etree.fromstring(signed)
        assertion = root.find(f"{{{SAML}}}Assertion")
        sig = assertion.find(f"{{{DSIG}}}Signature")
        assertion.remove(sig)
        return etree.tostring(assertion, method="c14n", exclusive=True, with_comments=False)

    config = SignatureConfiguration(location=f"./{{{SAML}}}Assertion/")

    def verify():
        return XMLVerifier().verify(signed, x509_cert=cert, id_attribute="ID", expect_config=config)

    unsigned = etree.fromstring(signed)
    assertion = unsigned.find(f"{{{SAML}}}Assertion")
    old = assertion.find(f"{{{DSIG}}}Signature")
    placeholder = etree.Element(f"{{{DSIG}}}Signature", Id="placeholder", nsmap={"ds": DSIG})
    old.addprevious(placeholder)
    assertion.remove(old)
    template = etree.tostring(unsigned)
    signer = XMLSigner(
        method=methods.enveloped,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )

    def sign():
        return signer.sign(etree.fromstring(template), key=key, cert=cert, reference_uri="#" + assertion_id)

    verify()
    XMLVerifier().verify(etree.tostring(sign()), x509_cert=cert, id_attribute="ID", expect_config=config)
    print(f"| lxml {etree.__version__} c14n of the Assertion (parse + c14n, in-process) | {best_us(c14n_assertion, budget):.0f} |")
    print(f"| signxml verify (in-process, Python + lxml + cryptography) | {best_us(verify, budget):.0f} |")
    print(f"| signxml sign (in-process) | {best_us(sign, budget):.0f} |")


if __name__ == "__main__":
    main()
