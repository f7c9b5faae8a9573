//! Vaults and who may decide their requests.

use super::ids::{UserId, VaultId};
use super::request::Request;
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
    /// What the vault holds, in a sentence or two; shown to those who may
    /// ask to join it.
    pub description: String,
    /// Whether people who are not members see the vault (its name and
    /// description, never its tree) and may ask to join it (R-REQ-12).
    pub visible_to_non_members: bool,
}

/// The longest description a vault may have, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Whether `user` may decide requests of a vault whose approvers are `vault_approvers`.
///
/// Administrators approve everywhere; inactive users never do. Whether the
/// user is the requester is checked separately: nobody approves their own request.
pub fn is_approver(user: &User, vault_approvers: &[UserId]) -> bool {
    user.is_active && (user.is_admin || vault_approvers.contains(&user.id))
}

/// A vault someone outside it may ask to join (R-REQ-12): what they are
/// shown of it, and nothing more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinableVault {
    /// Its id.
    pub id: VaultId,
    /// Its name.
    pub name: String,
    /// What it holds, as its administrators describe it.
    pub description: String,
    /// The user's own request to join it that is waiting for a decision
    /// or approved with a later start, if any.
    pub asked: Option<Request>,
}
