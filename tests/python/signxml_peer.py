#!/usr/bin/env python3
"""signxml as an independent XML-DSig peer for the SAML interop tests.

    signxml_peer.py sign   --key KEY.pem --cert CERT.pem --alg sha256|sha1 --parts assertion|response|both
    signxml_peer.py verify --cert CERT.pem --parts assertion|response|both [--allow-sha1]

Both read the XML on stdin. `sign` writes the signed document to stdout: an enveloped signature
(exclusive c14n, RSA with the given hash, KeyInfo with the certificate) placed right after the
Issuer of the Assertion and/or of the Response; with `both` the Assertion is signed first.
`verify` checks each requested signature with the certificate pinned (x509_cert), the signature
expected at that exact place, exactly one Reference, and prints JSON
{"verified": [{"part": ..., "signed_tag": ..., "name_id": ...}]} read from the *signed* XML.
On any failure it prints {"error": ...} and exits with status 1.

Used by crates/saml/tests/it/interop/signxml.rs.
"""

import argparse
import json
import sys

from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
    methods,
)

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG = "http://www.w3.org/2000/09/xmldsig#"


class LegacySigner(XMLSigner):
    """signxml refuses SHA-1 by default; Entra still offers RSA-SHA1, so the test signs with it."""

    def check_deprecated_methods(self):
        pass


def parts_of(name):
    return {"assertion": ["assertion"], "response": ["response"], "both": ["assertion", "response"]}[name]


def find_part(root, part):
    if part == "response":
        return root
    found = root.find(f"{{{SAML}}}Assertion")
    if found is None:
        raise ValueError("no saml:Assertion child of the root")
    return found


def sign(args, data):
    key = open(args.key, "rb").read()
    cert = open(args.cert, "rb").read().decode()
    sha1 = args.alg == "sha1"
    signer_class = LegacySigner if sha1 else XMLSigner
    signer = signer_class(
        method=methods.enveloped,
        signature_algorithm=SignatureMethod.RSA_SHA1 if sha1 else SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA1 if sha1 else DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    for part in parts_of(args.parts):
        element = find_part(root, part)
        issuer = element.find(f"{{{SAML}}}Issuer")
        if issuer is None:
            raise ValueError(f"the {part} has no Issuer")
        placeholder = etree.Element(f"{{{DSIG}}}Signature", Id="placeholder", nsmap={"ds": DSIG})
        issuer.addnext(placeholder)
        root = signer.sign(root, key=key, cert=cert, reference_uri="#" + element.get("ID"))
    sys.stdout.buffer.write(etree.tostring(root))


def verify(args, data):
    cert = open(args.cert, "rb").read().decode()
    sig_methods = {SignatureMethod.RSA_SHA256}
    digests = {DigestAlgorithm.SHA256}
    if args.allow_sha1:
        sig_methods.add(SignatureMethod.RSA_SHA1)
        digests.add(DigestAlgorithm.SHA1)
    verified = []
    for part in parts_of(args.parts):
        location = "./" if part == "response" else f"./{{{SAML}}}Assertion/"
        config = SignatureConfiguration(
            location=location,
            expect_references=1,
            signature_methods=frozenset(sig_methods),
            digest_algorithms=frozenset(digests),
        )
        result = XMLVerifier().verify(data, x509_cert=cert, id_attribute="ID", expect_config=config)
        signed = result.signed_xml
        name_id = signed.find(f".//{{{SAML}}}NameID")
        verified.append(
            {
                "part": part,
                "signed_tag": signed.tag,
                "name_id": None if name_id is None else "".join(name_id.itertext()),
            }
        )
    json.dump({"verified": verified}, sys.stdout)


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sign")
    s.add_argument("--key", required=True)
    s.add_argument("--cert", required=True)
    s.add_argument("--alg", choices=["sha256", "sha1"], default="sha256")
    s.add_argument("--parts", choices=["assertion", "response", "both"], default="assertion")
    v = sub.add_parser("verify")
    v.add_argument("--cert", required=True)
    v.add_argument("--parts", choices=["assertion", "response", "both"], default="assertion")
    v.add_argument("--allow-sha1", action="store_true")
    args = parser.parse_args()
    data = sys.stdin.buffer.read()
    try:
        if args.command == "sign":
            sign(args, data)
        else:
            verify(args, data)
    except Exception as e:
        json.dump({"error": f"{type(e).__name__}: {e}"}, sys.stdout)
        sys.exit(1)


if __name__ == "__main__":
    main()
