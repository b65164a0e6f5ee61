//! Integration tests of the SAML core (one test binary; one module per concern).

mod hostile;
mod interop;
mod roundtrip;
mod vectors;
mod xsw;
