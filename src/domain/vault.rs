//! Vaults and who may decide their requests.

use super::ids::{UserId, VaultId};
use super::user::User;
use serde::{Deserialize, Serialize};

/// A named container of entries ("Production").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vault {
    /// Its id.
    pub id: VaultId,
    /// Its name.
    pub name: String,
    /// How many distinct approvals a request needs (R-BEY-4), at least 1.
    pub required_approvals: u32,
    /// Whether members may grant themselves emergency access (R-BEY-5).
    pub break_glass_allowed: bool,
    /// The longest emergency access, in minutes.
    pub emergency_limit_mins: u32,
    /// The longest access a request, approval or direct grant may give in
    /// this vault, in minutes (R-ADM-7); `None`: the workspace's maximum.
    /// The shorter of the two applies.
    pub max_grant_mins: Option<u32>,
}

/// Whether `user` may decide requests of a vault whose approvers are `vault_approvers`.
///
/// Administrators approve everywhere; inactive users never do. Whether the
/// user is the requester is checked separately: nobody approves their own request.
pub fn is_approver(user: &User, vault_approvers: &[UserId]) -> bool {
    user.is_active && (user.is_admin || vault_approvers.contains(&user.id))
}
