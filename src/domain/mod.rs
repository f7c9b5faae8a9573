//! Pure types and rules of Latchkey. No I/O, no egui, no rusqlite: time comes
//! in as a value, and every rule can be checked with fixed instants.

pub mod access;
pub mod audit;
pub mod clock;
pub mod connect;
pub mod entry;
pub mod error;
pub mod ids;
pub mod import;
pub mod notification;
pub mod password;
pub mod permission;
pub mod preferences;
pub mod request;
pub mod settings;
pub mod time;
pub mod user;
pub mod vault;

pub use error::{DomainError, Field, FieldError, FieldErrors};
pub use ids::{EntryId, NotificationId, PermissionSetId, RequestId, UserId, VaultId};
pub use time::{Span, Timestamp};
