// xml-crypto as an independent XML-DSig peer for the SAML interop tests.
//
//   node xml-crypto-peer.mjs verify CERT.pem assertion|response|both          < signed.xml
//   node xml-crypto-peer.mjs sign KEY.pem CERT.pem sha256|sha1 assertion|response|both < unsigned.xml
//
// verify: checks each requested enveloped signature with the certificate pinned (KeyInfo is
// ignored: getCertFromKeyInfo stays the no-op default), requires exactly one Reference that
// points at the element the signature sits in, and prints
// {"verified":[{"part":..,"reference":..,"signed_bytes":N}]}; on failure {"error":..}, exit 1.
// sign: enveloped signature (exclusive c14n) placed after the Issuer of the Assertion and/or
// the Response (Assertion first), with KeyInfo holding the certificate; prints the document.
//
// Used by crates/saml/tests/it/interop/xml_crypto.rs.
import { readFileSync } from "node:fs";
import { DOMParser } from "@xmldom/xmldom";
import xpath from "xpath";
import { SignedXml } from "xml-crypto";

const EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const ALGS = {
  sha256: {
    sig: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    digest: "http://www.w3.org/2001/04/xmlenc#sha256",
  },
  sha1: {
    sig: "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    digest: "http://www.w3.org/2000/09/xmldsig#sha1",
  },
};
const ELEMENT = {
  response: "/*[local-name()='Response']",
  assertion: "/*[local-name()='Response']/*[local-name()='Assertion']",
};

function partsOf(name) {
  return { assertion: ["assertion"], response: ["response"], both: ["assertion", "response"] }[name];
}

function readStdin() {
  return readFileSync(0, "utf8");
}

function verify(certPath, parts) {
  const xml = readStdin();
  const publicCert = readFileSync(certPath, "utf8");
  const doc = new DOMParser().parseFromString(xml, "text/xml");
  const verified = [];
  for (const part of partsOf(parts)) {
    const element = xpath.select1(ELEMENT[part], doc);
    if (!element) throw new Error(`no ${part} element`);
    const signatures = xpath.select(
      `${ELEMENT[part]}/*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#']`,
      doc,
    );
    if (signatures.length !== 1) throw new Error(`${signatures.length} signatures on the ${part}`);
    const sig = new SignedXml({ publicCert });
    sig.loadSignature(signatures[0]);
    if (sig.getReferences().length !== 1) throw new Error("expected exactly one Reference");
    const uri = sig.getReferences()[0].uri;
    if (uri !== "#" + element.getAttribute("ID")) throw new Error(`Reference ${uri} is not the ${part}`);
    if (!sig.checkSignature(xml)) throw new Error(`signature on the ${part} does not verify`);
    const signed = sig.getSignedReferences();
    verified.push({ part, reference: uri, signed_bytes: signed.join("").length });
  }
  process.stdout.write(JSON.stringify({ verified }));
}

function sign(keyPath, certPath, alg, parts) {
  let xml = readStdin();
  const privateKey = readFileSync(keyPath, "utf8");
  const publicCert = readFileSync(certPath, "utf8");
  for (const part of partsOf(parts)) {
    const sig = new SignedXml({
      privateKey,
      publicCert,
      signatureAlgorithm: ALGS[alg].sig,
      canonicalizationAlgorithm: EXC_C14N,
      getKeyInfoContent: SignedXml.getKeyInfoContent,
    });
    sig.addReference({
      xpath: ELEMENT[part],
      transforms: [ENVELOPED, EXC_C14N],
      digestAlgorithm: ALGS[alg].digest,
    });
    sig.computeSignature(xml, {
      prefix: "ds",
      location: { reference: `${ELEMENT[part]}/*[local-name()='Issuer']`, action: "after" },
    });
    xml = sig.getSignedXml();
  }
  process.stdout.write(xml);
}

try {
  const [command, ...args] = process.argv.slice(2);
  if (command === "verify") verify(args[0], args[1]);
  else if (command === "sign") sign(args[0], args[1], args[2], args[3]);
  else throw new Error(`unknown command ${command}`);
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e && e.message ? e.message : e) }));
  process.exit(1);
}
