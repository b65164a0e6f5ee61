#!/usr/bin/env python3
"""Exclusive XML canonicalisation (exc-c14n 1.0, without comments) with lxml, in batch.

Reads one JSON object from stdin:
    {"cases": [{"xml": str, "element_id": str | null,
                "exclude_enveloped_signature": bool, "inclusive_prefixes": [str]}]}
and writes one JSON object to stdout:
    {"lxml": "<version>", "libxml2": "<version>",
     "results": [{"c14n_b64": str} | {"error": str}]}   (same order as the cases)

element_id null canonicalises the whole document (the ElementTree, so processing instructions
outside the document element are included); otherwise the element whose ID attribute equals
element_id, with the namespaces of its ancestors in scope. With exclude_enveloped_signature,
the ds:Signature child of that element is removed first (its following text is kept), as the
enveloped-signature transform does.

lxml passes an InclusiveNamespaces prefix to libxml2 only when that prefix occurs in the
document's dictionary, so "#default" cannot be expressed through lxml: callers must not rely
on it here (the Rust test checks #default against hand-derived expectations instead).

Used by crates/saml/tests/it/interop/c14n_corpus.rs; one process for the whole corpus.
"""

import base64
import json
import sys

from lxml import etree

DSIG = "http://www.w3.org/2000/09/xmldsig#"


def remove_keeping_tail(node):
    parent = node.getparent()
    tail = node.tail or ""
    prev = node.getprevious()
    if tail:
        if prev is not None:
            prev.tail = (prev.tail or "") + tail
        else:
            parent.text = (parent.text or "") + tail
    parent.remove(node)


def canonicalize(case):
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_blank_text=False, huge_tree=False
    )
    root = etree.fromstring(case["xml"].encode("utf-8"), parser)
    element_id = case.get("element_id")
    if element_id is None:
        target = root
    else:
        found = root.xpath("//*[@ID=$id]", id=element_id)
        if len(found) != 1:
            raise ValueError(f"{len(found)} elements with ID {element_id!r}")
        target = found[0]
    if case.get("exclude_enveloped_signature"):
        sigs = [c for c in target if isinstance(c.tag, str) and c.tag == f"{{{DSIG}}}Signature"]
        if len(sigs) != 1:
            raise ValueError(f"{len(sigs)} ds:Signature children on the target")
        remove_keeping_tail(sigs[0])
    prefixes = list(case.get("inclusive_prefixes") or []) or None
    subject = root.getroottree() if element_id is None else target
    return etree.tostring(
        subject,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=prefixes,
    )


def main():
    request = json.load(sys.stdin)
    results = []
    for case in request["cases"]:
        try:
            out = canonicalize(case)
            results.append({"c14n_b64": base64.b64encode(out).decode("ascii")})
        except Exception as e:  # report per case, keep going
            results.append({"error": f"{type(e).__name__}: {e}"})
    json.dump(
        {
            "lxml": ".".join(map(str, etree.LXML_VERSION)),
            "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
            "results": results,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
