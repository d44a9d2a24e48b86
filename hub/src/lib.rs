//! `linkwork-hub`: the organisation's team hub. This slice is the hub's foundation — the
//! enrolment authority (users, one-time invite codes, device certificates), revocation (lists
//! delivered to devices, live connections of revoked devices closed on every node) and the
//! append-only audit log, served over TLS WebSocket on PostgreSQL or an embedded SQLite
//! database (`docs/deploy.md`). Document sync through the hub runs inside the authenticated
//! connection ([`server`]) in the next slice.
//!
//! - [`store`]: the storage trait and its PostgreSQL and SQLite implementations;
//! - [`keyfile`]: custody of the organisation's signing key and the hub's device key;
//! - [`authority`]: users, invites, enrolment, revocation and admission of a device;
//! - [`server`]: the TLS WebSocket endpoint (`/enrol`, `/connect`);
//! - [`tls`]: rustls configuration;
//! - [`error`]: the hub's error type, [`HubError`].

pub mod authority;
pub mod error;
pub mod keyfile;
pub mod server;
pub mod store;
pub mod sync;
pub mod tls;

pub use authority::Hub;
pub use error::{HubError, Result};
pub use store::HubStore;
