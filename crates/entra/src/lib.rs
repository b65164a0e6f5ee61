//! The Entra adapter: a Microsoft Graph client (reqwest + serde) for the objects connect-sso
//! manages, the OAuth2 client-credentials token endpoint, and federation metadata.
//!
//! Endpoints are configuration ([`EntraConfig`]): the same code talks to
//! `login.microsoftonline.com` / `graph.microsoft.com` or to the local sandbox.
//! Every request is retried with exponential backoff and jitter on throttling (429) and
//! transient server errors (500, 502, 503, 504) and on connection failures, honouring
//! `Retry-After` ([`RetryPolicy`]). A 429 or 503 with `Retry-After` (seconds or an HTTP date,
//! capped at [`gate::MAX_RETRY_AFTER`]) holds back every request of every client of the same
//! tenant and client ID in the process until that instant ([`gate`]); requests that find the
//! gate open run concurrently.

mod client;
mod config;
mod error;
pub mod gate;
pub mod model;

pub use client::{DELTA_MAX_IDS, Graph, GroupChanges, MAX_PAGE_SIZE, TransitiveMembers};
pub use config::{Credentials, EntraConfig, RetryPolicy, Secret};
pub use error::Error;
pub use gate::Gate;

/// Application template ID of the non-gallery ("custom") enterprise application, global cloud (docs/facts.md §4).
pub const NON_GALLERY_TEMPLATE_ID: &str = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
/// Non-gallery template ID in the US Government cloud.
pub const NON_GALLERY_TEMPLATE_ID_US_GOV: &str = "4602d0b4-76bb-404b-bca9-2652e1a39c6d";
/// Non-gallery template ID in the China cloud.
pub const NON_GALLERY_TEMPLATE_ID_CHINA: &str = "5a532e38-1581-4918-9658-008dc27c1d68";
