//! `linkwork-hub`: the organisation's team hub. This slice is the hub's foundation — the
//! enrolment authority (users, one-time invite codes, device certificates), revocation (lists
//! delivered to devices, live connections of revoked devices closed on every node) and the
//! append-only audit log, served over TLS WebSocket on PostgreSQL or an embedded SQLite
//! database (`docs/deploy.md`) — with, inside the authenticated connection ([`server`]),
//! document sync through the hub and the organisation's services directory sent to its team's
//! devices.
//!
//! - [`store`]: the storage trait and its PostgreSQL and SQLite implementations;
//! - [`keyfile`]: custody of the organisation's signing key and the hub's device key;
//! - [`authority`]: users, invites, enrolment, revocation and admission of a device;
//! - [`directory`]: the organisation's services directory: import, fetch, and what a device
//!   is sent;
//! - [`sync`]: the hub's side of document sync (the core's sync engine over the hub's storage);
//! - [`sync_join`]: a device's sync message larger than one frame, joined from its parts;
//! - [`server`]: the TLS WebSocket endpoint (`/enrol`, `/connect`);
//! - [`preauth`]: limits on a connection before its device is admitted;
//! - [`tls`]: rustls configuration;
//! - [`error`]: the hub's error type, [`HubError`].

pub mod authority;
pub mod directory;
pub mod error;
pub mod keyfile;
pub mod preauth;
pub mod server;
pub mod store;
pub mod sync;
pub mod sync_join;
pub mod tls;

pub use authority::Hub;
pub use error::{HubError, Result};
pub use store::HubStore;
