//! Entra adapter: Microsoft Graph, token endpoint, federation metadata (not yet implemented).
