//! plan, apply, doctor, sync and login (not yet implemented).
