//! Enveloped XML signatures: create and check `ds:Signature` elements.
