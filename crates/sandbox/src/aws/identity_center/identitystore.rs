//! The `identitystore` API (to be written).
