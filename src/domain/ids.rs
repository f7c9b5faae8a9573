//! Newtype ids, so that an entry id can never be passed where a user id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

id_type!(
    /// Identifies a user of the workspace.
    UserId
);
id_type!(
    /// Identifies a vault.
    VaultId
);
id_type!(
    /// Identifies an entry (folder or item) inside a vault.
    EntryId
);
id_type!(
    /// Identifies an access request (and the grant it becomes once approved).
    RequestId
);
id_type!(
    /// Identifies a named permission set.
    PermissionSetId
);
id_type!(
    /// Identifies a stored notification.
    NotificationId
);
