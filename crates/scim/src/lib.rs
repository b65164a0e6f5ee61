//! SCIM 2.0 server onto Amazon Connect (not yet implemented).
