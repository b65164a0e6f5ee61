//! The federation spec: TOML types, validation, derived ARNs/URLs/claims (not yet implemented).
