//! SCIM 2.0 endpoint of the identity store (to be written).
