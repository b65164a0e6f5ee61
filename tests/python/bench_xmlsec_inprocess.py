#!/usr/bin/env python3
"""One round of the peers' rows for scripts/bench-sign.sh: libxmlsec1 in-process (python-xmlsec),
signxml, and the bare OpenSSL RSA operation (through cryptography), on the documents that
`cargo bench -p connect-sso-saml --bench sign_table -- --write-fixtures DIR` writes.

    bench_xmlsec_inprocess.py DIR [--round N] [--seconds S] [--no-signxml]

DIR holds one directory per document (`entra`, `large`), each with response-signed.xml,
response-template.xml (the same with DigestValue, SignatureValue and X509Certificate emptied),
key.pem, cert.pem and assertion-id.txt. Keys and certificates are loaded once per process;
each timed call goes from bytes in to a result out (template bytes -> signed bytes; signed bytes
-> verified). Prints JSON lines (see crates/saml/benches/sign_table.rs) on stdout.
"""

import argparse
import json
import os
import re
import time
from importlib.metadata import version

import lxml
import xmlsec
from cryptography.hazmat.backends.openssl.backend import backend as openssl_backend
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
DOCUMENTS = ("entra", "large")
RSA_MESSAGE_BYTES = 1024


def emit(record):
    print(json.dumps(record, ensure_ascii=False), flush=True)


def time_op(seconds, fn):
    """Run fn for about `seconds` after a short warm-up; return (µs per call, calls)."""
    warm_until = time.perf_counter() + seconds * 0.05
    calls = 0
    while calls < 3 or time.perf_counter() < warm_until:
        fn()
        calls += 1
    start = time.perf_counter()
    deadline = start + seconds
    iters = 0
    while True:
        fn()
        iters += 1
        now = time.perf_counter()
        if now >= deadline:
            return (now - start) * 1e6 / iters, iters


def read(directory, name):
    with open(os.path.join(directory, name), "rb") as f:
        return f.read()


def signature_value(xml):
    """The first SignatureValue of a document, whitespace removed (xmlsec wraps base64 lines)."""
    node = etree.fromstring(xml).find(f".//{{{DSIG}}}SignatureValue")
    return re.sub(r"\s", "", node.text or "")


class Xmlsec:
    """libxmlsec1 through python-xmlsec, signing and verifying the Assertion's signature."""

    def __init__(self, directory):
        key_pem = os.path.join(directory, "key.pem")
        cert_pem = os.path.join(directory, "cert.pem")
        self.sign_key = xmlsec.Key.from_file(key_pem, xmlsec.constants.KeyDataFormatPem)
        self.sign_key.load_cert_from_file(cert_pem, xmlsec.constants.KeyDataFormatPem)
        # Pinned: the verifier trusts this certificate only, never the document's KeyInfo.
        self.verify_key = xmlsec.Key.from_file(cert_pem, xmlsec.constants.KeyDataFormatCertPem)

    @staticmethod
    def _assertion_signature(root, ctx):
        assertion = root.find(f"{{{SAML}}}Assertion")
        ctx.register_id(assertion, "ID")
        return xmlsec.tree.find_child(assertion, xmlsec.constants.NodeSignature)

    def sign(self, template):
        root = etree.fromstring(template)
        ctx = xmlsec.SignatureContext()
        ctx.key = self.sign_key
        ctx.sign(self._assertion_signature(root, ctx))
        return etree.tostring(root)

    def verify(self, signed):
        root = etree.fromstring(signed)
        ctx = xmlsec.SignatureContext()
        ctx.key = self.verify_key
        ctx.verify(self._assertion_signature(root, ctx))  # raises on a bad signature
        return root


class Signxml:
    """signxml (Python + lxml + cryptography) on the same documents, as bench_peers.py does."""

    def __init__(self, directory, signed):
        from signxml import (
            CanonicalizationMethod,
            SignatureConfiguration,
            XMLSigner,
            XMLVerifier,
            methods,
        )

        # Loaded once: cryptography checks an RSA private key when loading it (tens of ms).
        self.key = load_pem_private_key(read(directory, "key.pem"), password=None)
        self.cert = read(directory, "cert.pem").decode()
        self.reference = "#" + read(directory, "assertion-id.txt").decode().strip()
        self.config = SignatureConfiguration(location=f"./{{{SAML}}}Assertion/")
        self.verifier = XMLVerifier
        # signxml puts its own Signature where a placeholder element stands.
        unsigned = etree.fromstring(signed)
        assertion = unsigned.find(f"{{{SAML}}}Assertion")
        old = assertion.find(f"{{{DSIG}}}Signature")
        placeholder = etree.Element(f"{{{DSIG}}}Signature", Id="placeholder", nsmap={"ds": DSIG})
        old.addprevious(placeholder)
        assertion.remove(old)
        self.template = etree.tostring(unsigned)
        self.signer = XMLSigner(
            method=methods.enveloped,
            c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
        )

    def sign(self):
        root = self.signer.sign(
            etree.fromstring(self.template), key=self.key, cert=self.cert, reference_uri=self.reference
        )
        return etree.tostring(root)

    def verify(self, signed):
        return self.verifier().verify(
            signed, x509_cert=self.cert, id_attribute="ID", expect_config=self.config
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixtures")
    parser.add_argument("--round", type=int, default=0)
    parser.add_argument("--seconds", type=float, default=0.5)
    parser.add_argument("--no-signxml", action="store_true")
    args = parser.parse_args()
    seconds = args.seconds

    def row(group, op, label, measured):
        us, iters = measured
        emit({"kind": "op", "group": group, "op": op, "label": label,
              "round": args.round, "us": round(us, 3), "iters": iters})

    def meta(key, value):
        emit({"kind": "meta", "key": key, "value": value})

    if args.round == 0:
        v = ".".join(map(str, xmlsec.get_libxmlsec_version()))
        libxml = ".".join(map(str, xmlsec.get_libxml_version()))
        meta("libxmlsec1", f"{v} (python-xmlsec {xmlsec.__version__} wheel, its own libxml2 "
                           f"{libxml} and OpenSSL)")
        meta("lxml", lxml.__version__)
        meta("cryptography", f"{version('cryptography')} ({openssl_backend.openssl_version_text()})")

    for name in DOCUMENTS:
        directory = os.path.join(args.fixtures, name)
        if not os.path.isdir(directory):
            continue
        signed = read(directory, "response-signed.xml")
        template = read(directory, "response-template.xml")

        peer = Xmlsec(directory)
        # Once, untimed: libxmlsec1 accepts our signature, and its own signature of the same
        # template verifies (and, RSA PKCS#1 v1.5 being deterministic, equals ours when it
        # canonicalised and digested exactly the same bytes).
        peer.verify(signed)
        theirs = peer.sign(template)
        peer.verify(theirs)
        if args.round == 0:
            same = signature_value(theirs) == signature_value(signed)
            meta(f"libxmlsec1 SignatureValue equals ours ({name})", "yes" if same else "NO")

        row(name, "xmlsec_sign", "libxmlsec1 sign (python-xmlsec: template bytes → signed bytes)",
            time_op(seconds, lambda: peer.sign(template)))
        row(name, "xmlsec_verify", "libxmlsec1 verify (python-xmlsec: parse, verify; pinned cert)",
            time_op(seconds, lambda: peer.verify(signed)))

        if not args.no_signxml:
            sx = Signxml(directory, signed)
            sx.verify(signed)
            sx.verify(sx.sign())
            if args.round == 0 and name == DOCUMENTS[0]:
                meta("signxml", version("signxml"))
            row(name, "signxml_sign", "signxml sign (unsigned bytes → signed bytes)",
                time_op(seconds, sx.sign))
            row(name, "signxml_verify", "signxml verify (pinned cert)",
                time_op(seconds, lambda: sx.verify(signed)))

    key = load_pem_private_key(read(os.path.join(args.fixtures, DOCUMENTS[0]), "key.pem"), None)
    public = key.public_key()
    message = bytes(ord("a") + i % 26 for i in range(RSA_MESSAGE_BYTES))
    pad, sha256 = padding.PKCS1v15(), hashes.SHA256()
    signature = key.sign(message, pad, sha256)
    row("rsa", "openssl_sign", "OpenSSL RSA sign (through cryptography; key loaded once)",
        time_op(seconds, lambda: key.sign(message, pad, sha256)))
    row("rsa", "openssl_verify", "OpenSSL RSA verify (through cryptography)",
        time_op(seconds, lambda: public.verify(signature, message, pad, sha256)))


if __name__ == "__main__":
    main()
