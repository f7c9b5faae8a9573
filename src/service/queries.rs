//! Reading the workspace, and the actions that use an entry (reveal, copy,
//! connect), each checked against the effective permissions at that instant.

use super::auth::Session;
use super::ops::Ops;
use super::secrets::SecretUse;
use super::{ServiceError, Workspace};
use crate::domain::access::EntryAccess;
use crate::domain::access::{AccessSource, GrantFact, VaultAccess};
use crate::domain::audit::AuditAction;
use crate::domain::connect::command_for;
use crate::domain::entry::{Dependency, Entry};
use crate::domain::permission::{Permission, PermissionSet, Permissions};
use crate::domain::request::{
    self, Phase, Request, RequestInfo, RequestStatus, Target, TargetContents,
};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::User;
use crate::domain::vault::{JoinableVault, Vault, is_approver};
use crate::domain::{DomainError, EntryId, RequestId, Timestamp, VaultId};
use crate::platform::launcher::Launcher;
use serde_json::json;
use zeroize::Zeroizing;

fn source_json(source: AccessSource) -> serde_json::Value {
    match source {
        AccessSource::Administrator => json!({ "via": "administrator" }),
        AccessSource::Standing => json!({ "via": "standing permission" }),
        AccessSource::Grant(id) => json!({ "via": "grant", "request_id": id.0 }),
        AccessSource::FirstUse(id) => json!({ "via": "first use of grant", "request_id": id.0 }),
    }
}

/// Which use of an entry was asked for, as the audit log names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EntryUse {
    Reveal,
    CopyPassword,
    CopyUsername,
    Connect,
}

impl EntryUse {
    const fn as_str(self) -> &'static str {
        match self {
            EntryUse::Reveal => "reveal password",
            EntryUse::CopyPassword => "copy password",
            EntryUse::CopyUsername => "copy user name",
            EntryUse::Connect => "connect",
        }
    }
}

/// Checks `needed` on `entry` at `now`, writing nothing. The outer `Err` is
/// a failure to read; the inner one is a refusal, which the caller audits.
fn check_use(
    ops: &mut Ops<'_>,
    session: &Session,
    entry: &Entry,
    needed: Permission,
) -> Result<Result<(User, AccessSource), ServiceError>, ServiceError> {
    let user = match ops.current_user(session) {
        Ok(user) => user,
        // A disabled or removed account is a refusal like any other.
        Err(refused @ ServiceError::NotFound(_)) => return Ok(Err(refused)),
        Err(e) => return Err(e),
    };
    if !ops.reaches_vault(&user, entry.vault_id)? {
        return Ok(Err(DomainError::NotPermitted(
            "you are not a member of this vault".into(),
        )
        .into()));
    }
    let facts = ops.access_facts(&user, entry)?;
    Ok(facts
        .authorize(needed, ops.now)
        .map(|source| (user, source))
        .map_err(ServiceError::from))
}

/// Records a refused use of an entry (issue 10): who, which entry, which use
/// and why. The reason is the refusal's message, which never holds a secret.
fn audit_refusal(
    ops: &mut Ops<'_>,
    session: &Session,
    entry: &Entry,
    action: EntryUse,
    refusal: &ServiceError,
) -> Result<(), ServiceError> {
    let details = json!({ "action": action.as_str(), "reason": refusal.to_string() });
    ops.audit(
        Some(session.user_id()),
        AuditAction::AccessDenied,
        None,
        Some(entry.id),
        &details,
    )
}

/// Takes the use that `check_use` allowed: a start-on-first-use grant is
/// started by it (R-BEY-2). Returns when the grant behind the use ends, if a
/// grant (rather than a standing permission) allowed it.
pub(super) fn claim_use(
    ops: &mut Ops<'_>,
    user: &User,
    entry: &Entry,
    source: AccessSource,
) -> Result<Option<Timestamp>, ServiceError> {
    let (AccessSource::Grant(id) | AccessSource::FirstUse(id)) = source else {
        return Ok(None);
    };
    let mut grant = ops.request(id)?;
    if matches!(source, AccessSource::FirstUse(_)) && request::claim_first_use(&mut grant, ops.now)
    {
        ops.tx.update_request(&grant)?;
        let details = json!({ "start_ms": grant.grant_start_at.map(Timestamp::millis), "end_ms": grant.grant_end_at.map(Timestamp::millis) });
        ops.audit(
            Some(user.id),
            AuditAction::FirstUseStarted,
            Some(id),
            Some(entry.id),
            &details,
        )?;
    }
    Ok(grant.grant_end_at)
}

/// A password handed out for the clipboard, with what the clipboard needs
/// to know about it. `Debug` never shows the password.
pub struct CopiedSecret {
    /// The password, wiped from memory when dropped.
    pub password: Zeroizing<String>,
    /// The entry's user name (for "copy user name and password").
    pub username: String,
    /// When the grant that allowed the copy ends; `None` for a standing
    /// permission or an administrator.
    pub access_ends_at: Option<Timestamp>,
}

impl std::fmt::Debug for CopiedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CopiedSecret")
            .field("password", &"<redacted>")
            .field("username", &self.username)
            .field("access_ends_at", &self.access_ends_at)
            .finish()
    }
}

/// Whether `user` may see `request` (R-APP-2): administrators see every
/// request; others their own, those addressed to them, those they decided,
/// and those of the vaults they approve for now.
///
/// Invariant: this agrees with the store's `requests_visible_to`, so that
/// whatever the requests window lists also opens in its details.
fn may_see(ops: &mut Ops<'_>, user: &User, request: &Request) -> Result<bool, ServiceError> {
    if user.is_admin
        || request.requester_id == user.id
        || request.approver_id == Some(user.id)
        || request.decided_by == Some(user.id)
    {
        return Ok(true);
    }
    let approvers = ops.tx.approvers(request.vault_id)?;
    Ok(is_approver(user, &approvers))
}

impl Workspace {
    /// Decrypts an entry's password for `user` if, at `now`, they hold View
    /// password on it; audited as revealed or copied (R-REQ-8, R-SEC-1), or
    /// as denied when refused.
    pub fn reveal_secret(
        &mut self,
        session: &Session,
        entry: EntryId,
        purpose: SecretUse,
        now: Timestamp,
    ) -> Result<Zeroizing<String>, ServiceError> {
        self.use_secret(session, entry, purpose, now)
            .map(|copied| copied.password)
    }

    /// Decrypts an entry's password for the clipboard, like
    /// [`Workspace::reveal_secret`] with [`SecretUse::Copy`], and says when
    /// the grant that allowed it ends so the clipboard can be cleared then.
    pub fn copy_secret(
        &mut self,
        session: &Session,
        entry: EntryId,
        now: Timestamp,
    ) -> Result<CopiedSecret, ServiceError> {
        self.use_secret(session, entry, SecretUse::Copy, now)
    }

    fn use_secret(
        &mut self,
        session: &Session,
        entry: EntryId,
        purpose: SecretUse,
        now: Timestamp,
    ) -> Result<CopiedSecret, ServiceError> {
        let (use_, action) = match purpose {
            SecretUse::Reveal => (EntryUse::Reveal, AuditAction::PasswordRevealed),
            SecretUse::Copy => (EntryUse::CopyPassword, AuditAction::PasswordCopied),
        };
        // A refusal is committed (its audit event) and then returned.
        self.write(now, |ops| {
            let entry = ops.entry(entry)?;
            let (user, source) = match check_use(ops, session, &entry, Permission::ViewPassword)? {
                Ok(allowed) => allowed,
                Err(refused) => {
                    audit_refusal(ops, session, &entry, use_, &refused)?;
                    return Ok(Err(refused));
                }
            };
            let access_ends_at = claim_use(ops, &user, &entry, source)?;
            let password = ops
                .open_secret(user.id, entry.id, action, &source_json(source))?
                .ok_or_else(|| {
                    ServiceError::NotFound(format!("“{}” has no password", entry.name))
                })?;
            Ok(Ok(CopiedSecret {
                password,
                username: entry.username,
                access_ends_at,
            }))
        })?
    }

    /// The user name of an entry for the clipboard, if at `now` the user
    /// holds View (or View password) on it; audited as copied, or as denied
    /// (issue 10).
    pub fn copy_username(
        &mut self,
        session: &Session,
        entry: EntryId,
        now: Timestamp,
    ) -> Result<String, ServiceError> {
        self.write(now, |ops| {
            let entry = ops.entry(entry)?;
            // View, or View password, which brings Copy username too (R-REQ-8).
            let checked = match check_use(ops, session, &entry, Permission::View)? {
                Ok(allowed) => Ok(allowed),
                Err(refused) => {
                    check_use(ops, session, &entry, Permission::ViewPassword)?.map_err(|_| refused)
                }
            };
            let (user, source) = match checked {
                Ok(allowed) => allowed,
                Err(refused) => {
                    audit_refusal(ops, session, &entry, EntryUse::CopyUsername, &refused)?;
                    return Ok(Err(refused));
                }
            };
            claim_use(ops, &user, &entry, source)?;
            ops.audit(
                Some(user.id),
                AuditAction::UsernameCopied,
                None,
                Some(entry.id),
                &source_json(source),
            )?;
            Ok(Ok(entry.username))
        })?
    }

    /// Opens a connection entry (R-DSK-5): checks Connect at `now`, builds
    /// the command from the workspace's templates, starts it with
    /// `launcher`, and only then audits it as connected and starts a
    /// first-use grant (R-BEY-2). A refusal is audited as denied; a command
    /// that cannot be built or started is audited as failed, claims nothing
    /// and is returned as the error.
    ///
    /// Invariant: the launch happens inside the transaction, after the
    /// permission check and before the audit event and the claim are
    /// committed, so nothing is recorded as used that was not started.
    pub fn connect(
        &mut self,
        session: &Session,
        entry: EntryId,
        launcher: &dyn Launcher,
        now: Timestamp,
    ) -> Result<Entry, ServiceError> {
        self.write(now, |ops| {
            let entry = ops.entry(entry)?;
            if !entry.kind.is_connection() {
                return Err(DomainError::WrongState(format!(
                    "a {} entry has no connection to open",
                    entry.kind.label()
                ))
                .into());
            }
            let (user, source) = match check_use(ops, session, &entry, Permission::Connect)? {
                Ok(allowed) => allowed,
                Err(refused) => {
                    audit_refusal(ops, session, &entry, EntryUse::Connect, &refused)?;
                    return Ok(Err(refused));
                }
            };
            let templates = ops.settings()?.connect_templates;
            let started = command_for(&templates, &entry)
                .map_err(ServiceError::from)
                .and_then(|argv| launcher.launch(&argv).map_err(ServiceError::LaunchFailed));
            if let Err(failed) = started {
                let details = json!({ "reason": failed.to_string() });
                ops.audit(
                    Some(user.id),
                    AuditAction::ConnectFailed,
                    None,
                    Some(entry.id),
                    &details,
                )?;
                return Ok(Err(failed));
            }
            claim_use(ops, &user, &entry, source)?;
            ops.audit(
                Some(user.id),
                AuditAction::Connected,
                None,
                Some(entry.id),
                &source_json(source),
            )?;
            Ok(Ok(entry))
        })?
    }

    /// The user's effective permissions on an entry at `now`.
    pub fn entry_access(
        &mut self,
        session: &Session,
        entry: EntryId,
        now: Timestamp,
    ) -> Result<EntryAccess, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            let entry = ops.entry(entry)?;
            if !user.is_admin && !ops.is_member(entry.vault_id, user.id)? {
                return Ok(EntryAccess {
                    permissions: Permissions::NONE,
                    is_locked: entry.kind.main_permission().is_some(),
                    granted_through: None,
                });
            }
            let facts = ops.access_facts(&user, &entry)?;
            let permissions = facts.effective_permissions(now);
            Ok(EntryAccess {
                permissions,
                is_locked: entry.is_locked_for(permissions),
                granted_through: facts.granted_through(entry.id, now),
            })
        })
    }

    /// Everything needed to compute the user's permissions on every entry of
    /// a vault in memory (lock icons of the whole tree in one read).
    pub fn vault_access(
        &mut self,
        session: &Session,
        vault: VaultId,
        now: Timestamp,
    ) -> Result<VaultAccess, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            let settings = ops.settings()?;
            let mut access = VaultAccess {
                is_admin: user.is_admin,
                allow_reveal_password: settings.allow_reveal_password,
                ..VaultAccess::default()
            };
            if user.is_admin || !ops.is_member(vault, user.id)? {
                return Ok(access);
            }
            access.standing = ops.tx.standing(user.id, vault)?;
            for (request, covered) in ops.tx.approved_grants_in_vault(user.id, vault)? {
                let scoped = request.target.is_scope();
                let set_id = request.effective_terms().permission_set_id;
                let permissions = ops
                    .permission_set(set_id)?
                    .map(|s| s.permissions)
                    .unwrap_or_default();
                let fact = GrantFact {
                    request_id: request.id,
                    permissions,
                    request,
                };
                if scoped {
                    access.scoped.push(fact);
                    continue;
                }
                for entry in covered {
                    access.grants.entry(entry).or_default().push(fact.clone());
                }
            }
            Ok(access)
        })
    }

    /// The signed-in user's requests on one entry, newest first (the entry's banner).
    pub fn entry_requests(
        &mut self,
        session: &Session,
        entry: EntryId,
        now: Timestamp,
    ) -> Result<Vec<Request>, ServiceError> {
        self.read(now, |ops| {
            Ok(ops.tx.requests_on_entry(session.user_id(), entry, 50)?)
        })
    }

    /// Requests waiting for this approver's decision at `now`, newest first (R-APP-1).
    pub fn inbox(
        &mut self,
        session: &Session,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Request>, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops
                .tx
                .pending_for_approver(user.id, user.is_admin, now, limit)?)
        })
    }

    /// How many requests wait for this approver (the inbox badge).
    pub fn inbox_count(&mut self, session: &Session, now: Timestamp) -> Result<i64, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops
                .tx
                .count_pending_for_approver(user.id, user.is_admin, now)?)
        })
    }

    /// The signed-in user's own requests, newest first.
    pub fn my_requests(
        &mut self,
        session: &Session,
        limit: usize,
        now: Timestamp,
    ) -> Result<Vec<Request>, ServiceError> {
        self.read(now, |ops| {
            Ok(ops.tx.requests_of(session.user_id(), limit)?)
        })
    }

    /// One request, if the user may see it.
    pub fn request(
        &mut self,
        session: &Session,
        id: RequestId,
        now: Timestamp,
    ) -> Result<Request, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            let request = ops.request(id)?;
            if may_see(ops, &user, &request)? {
                Ok(request)
            } else {
                Err(DomainError::NotPermitted("you cannot see this request".into()).into())
            }
        })
    }

    /// A request with what the response window shows about it, if the user may see it.
    pub fn request_info(
        &mut self,
        session: &Session,
        id: RequestId,
        now: Timestamp,
    ) -> Result<RequestInfo, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            let request = ops.request(id)?;
            if !may_see(ops, &user, &request)? {
                return Err(DomainError::NotPermitted("you cannot see this request".into()).into());
            }
            let entry = match request.entry_id() {
                Some(id) => Some(ops.entry_record(id)?),
                None => None,
            };
            let vault = ops.tx.vault(request.vault_id)?;
            let entry_path = ops.target_path(request.target)?;
            let mut covers = Vec::new();
            for covered in ops.tx.covered_entries(id)? {
                if Some(covered) != request.entry_id() {
                    covers.push(ops.entry_record(covered)?.name);
                }
            }
            let contents = match request.target {
                Target::Entry(_) => None,
                Target::Folder(folder) => {
                    Some(TargetContents::of(Some(folder), &ops.tx.subtree(folder)?))
                }
                // What a vault holds is for its approvers to weigh; the one
                // asking to join is not a member and sees none of it (R-REQ-12).
                Target::Join(vault) if !ops.reaches_vault(&user, vault)? => None,
                Target::Vault(vault) | Target::Join(vault) => {
                    Some(TargetContents::of(None, &ops.tx.entries(vault)?))
                }
            };
            Ok(RequestInfo {
                request,
                entry,
                entry_path,
                covers,
                contents,
                required_approvals: vault.map_or(1, |v| v.required_approvals),
            })
        })
    }

    /// Emergency grants waiting for review that this user may review (R-BEY-5).
    pub fn grants_needing_review(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<Vec<Request>, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            let mut visible = Vec::new();
            for request in ops.tx.grants_needing_review()? {
                let approvers = ops.tx.approvers(request.vault_id)?;
                if request.requester_id != user.id && is_approver(&user, &approvers) {
                    visible.push(request);
                }
            }
            Ok(visible)
        })
    }

    /// A number that moves whenever an entry of `vault` is added, changed
    /// or removed, by anyone: the window reads its tree again only then.
    /// Says nothing about the entries themselves, so it asks for no right.
    pub fn entry_revision(&mut self, vault: VaultId, now: Timestamp) -> Result<i64, ServiceError> {
        self.read(now, |ops| Ok(ops.tx.entry_revision(vault)?))
    }

    /// The vaults this user sees: all for administrators, else those they are a member of.
    pub fn vaults(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<Vec<Vault>, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            let vaults = ops.tx.vaults()?;
            if user.is_admin {
                return Ok(vaults);
            }
            let member_of = ops.member_vaults(user.id)?;
            Ok(vaults
                .into_iter()
                .filter(|v| member_of.contains(&v.id))
                .collect())
        })
    }

    /// The vaults shown to this user though they are not a member of them
    /// (R-REQ-12): those marked visible to non-members, by name, with their
    /// description and where the user's own request to join stands, never
    /// their tree or policy. Empty for administrators, who see every vault.
    pub fn joinable_vaults(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<Vec<JoinableVault>, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            if user.is_admin || !user.is_active {
                return Ok(Vec::new());
            }
            let member_of = ops.member_vaults(user.id)?;
            let joins = ops.tx.open_joins(user.id, None)?;
            Ok(ops
                .tx
                .vaults()?
                .into_iter()
                .filter(|v| v.visible_to_non_members && !member_of.contains(&v.id))
                .map(|v| {
                    let asked = joins
                        .iter()
                        .filter(|r| r.vault_id == v.id)
                        .filter(|r| matches!(r.phase(now), Phase::Pending | Phase::Scheduled))
                        .max_by_key(|r| r.created_at)
                        .cloned();
                    JoinableVault {
                        id: v.id,
                        name: v.name,
                        description: v.description,
                        asked,
                    }
                })
                .collect())
        })
    }

    /// The next instant after `now` at which one of the user's time-bound
    /// memberships (R-REQ-12) starts or ends: the window reads its vaults
    /// again then.
    pub fn next_membership_change(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<Option<Timestamp>, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops
                .tx
                .open_joins(user.id, None)?
                .iter()
                .filter(|r| r.status == RequestStatus::Approved && !r.is_permanent())
                .flat_map(|r| [r.grant_start_at, r.effective_end_at()])
                .flatten()
                .filter(|at| *at > now)
                .min())
        })
    }

    /// Every entry of a vault the user is a member of (R-REQ-1: members see the whole tree).
    pub fn entries(
        &mut self,
        session: &Session,
        vault: VaultId,
        now: Timestamp,
    ) -> Result<Vec<Entry>, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            if !user.is_admin && !ops.is_member(vault, user.id)? {
                return Err(
                    DomainError::NotPermitted("you are not a member of this vault".into()).into(),
                );
            }
            Ok(ops.tx.entries(vault)?)
        })
    }

    /// What an entry depends on.
    pub fn dependencies(
        &mut self,
        entry: EntryId,
        now: Timestamp,
    ) -> Result<Vec<Dependency>, ServiceError> {
        self.read(now, |ops| Ok(ops.tx.dependencies(entry)?))
    }

    /// Every user (for approver drop-downs and names).
    pub fn users(&mut self, now: Timestamp) -> Result<Vec<User>, ServiceError> {
        self.read(now, |ops| Ok(ops.tx.users()?))
    }

    /// The users who may decide requests in a vault (administrators included), minus `except`.
    pub fn eligible_approvers(
        &mut self,
        vault: VaultId,
        except: &Session,
        now: Timestamp,
    ) -> Result<Vec<User>, ServiceError> {
        self.read(now, |ops| {
            let approvers = ops.tx.approvers(vault)?;
            Ok(ops
                .tx
                .users()?
                .into_iter()
                .filter(|u| u.id != except.user_id() && is_approver(u, &approvers))
                .collect())
        })
    }

    /// Whether the signed-in user decides requests in `vault` (an
    /// administrator, or one of its approvers), for the window to mirror.
    pub fn approves_in(
        &mut self,
        session: &Session,
        vault: VaultId,
        now: Timestamp,
    ) -> Result<bool, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            let approvers = ops.tx.approvers(vault)?;
            Ok(is_approver(&user, &approvers))
        })
    }

    /// Every permission set.
    pub fn permission_sets(&mut self, now: Timestamp) -> Result<Vec<PermissionSet>, ServiceError> {
        self.read(now, |ops| Ok(ops.tx.permission_sets()?))
    }

    /// The workspace settings.
    pub fn settings(&mut self, now: Timestamp) -> Result<WorkspaceSettings, ServiceError> {
        self.read(now, |ops| Ok(ops.tx.settings()?))
    }

    /// Every request the user may see (R-APP-2), without approvals.
    pub fn visible_requests(
        &mut self,
        session: &Session,
        now: Timestamp,
    ) -> Result<Vec<Request>, ServiceError> {
        self.read(now, |ops| {
            let user = ops.current_user(session)?;
            Ok(ops.tx.requests_visible_to(user.id, user.is_admin)?)
        })
    }

    /// Entry names by id (for lists of requests across vaults).
    pub fn entry_names(
        &mut self,
        ids: &[EntryId],
        now: Timestamp,
    ) -> Result<std::collections::HashMap<EntryId, String>, ServiceError> {
        self.read(now, |ops| {
            let mut names = std::collections::HashMap::new();
            for id in ids {
                if let Some(entry) = ops.tx.entry_record(*id)? {
                    names.insert(*id, entry.name);
                }
            }
            Ok(names)
        })
    }

    /// What the requests window and the dashboard call folder and vault
    /// targets: "Vault / folder" and the vault's name (R-REQ-11). Entries
    /// go by their names ([`Workspace::entry_names`]).
    pub fn target_labels(
        &mut self,
        targets: &[Target],
        now: Timestamp,
    ) -> Result<std::collections::HashMap<Target, String>, ServiceError> {
        self.read(now, |ops| {
            let mut labels = std::collections::HashMap::new();
            for target in targets {
                labels.insert(*target, ops.target_path(*target)?);
            }
            Ok(labels)
        })
    }

    /// The workspace's name.
    pub fn name(&mut self, now: Timestamp) -> Result<String, ServiceError> {
        self.read(now, |ops| {
            Ok(ops
                .tx
                .meta(super::admin::META_WORKSPACE_NAME)?
                .unwrap_or_default())
        })
    }
}
