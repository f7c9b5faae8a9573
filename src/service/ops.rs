//! The context of one transaction: the store, the instant, and the helpers
//! every use case needs (audit, notifications, access facts).

use super::ServiceError;
use super::auth::{HashCost, Session};
use super::secrets::SecretKeeper;
use crate::domain::access::{AccessFacts, GrantFact, inherited_standing};
use crate::domain::audit::{AuditAction, AuditEvent};
use crate::domain::entry::Entry;
use crate::domain::notification::NewNotification;
use crate::domain::permission::PermissionSet;
use crate::domain::request::{Phase, Request, Target};
use crate::domain::settings::WorkspaceSettings;
use crate::domain::user::User;
use crate::domain::vault::Vault;
use crate::domain::{EntryId, PermissionSetId, RequestId, Timestamp, UserId, VaultId};
use crate::store::{Store, StoreTx, TxMode};
use std::collections::HashMap;
use zeroize::Zeroizing;

/// The last (seq, hash) of the chain, `None` while the chain is empty.
struct AuditHead(Option<(i64, String)>);

/// One transaction at one instant.
pub(crate) struct Ops<'t> {
    pub tx: Box<dyn StoreTx + 't>,
    pub secrets: &'t SecretKeeper,
    pub hash_cost: HashCost,
    /// The instant of the operation; a batch may move it between steps
    /// ([`Ops::move_to`]).
    pub now: Timestamp,
    /// The chain's head as of the last event this transaction wrote; `None`
    /// until first needed.
    audit_head: Option<AuditHead>,
    set_cache: HashMap<PermissionSetId, PermissionSet>,
    settings_cache: Option<WorkspaceSettings>,
}

impl<'t> Ops<'t> {
    pub fn begin(
        store: &'t mut dyn Store,
        secrets: &'t SecretKeeper,
        hash_cost: HashCost,
        now: Timestamp,
    ) -> Result<Ops<'t>, ServiceError> {
        Ops::with_mode(store, secrets, hash_cost, now, TxMode::Write)
    }

    pub fn begin_read(
        store: &'t mut dyn Store,
        secrets: &'t SecretKeeper,
        hash_cost: HashCost,
        now: Timestamp,
    ) -> Result<Ops<'t>, ServiceError> {
        Ops::with_mode(store, secrets, hash_cost, now, TxMode::Read)
    }

    fn with_mode(
        store: &'t mut dyn Store,
        secrets: &'t SecretKeeper,
        hash_cost: HashCost,
        now: Timestamp,
        mode: TxMode,
    ) -> Result<Ops<'t>, ServiceError> {
        let mut tx = store.begin(mode)?;
        tx.note_instant(now)?;
        Ok(Ops {
            tx,
            secrets,
            hash_cost,
            now,
            audit_head: None,
            set_cache: HashMap::new(),
            settings_cache: None,
        })
    }

    /// Moves the operation to `instant` (a batch laying out a story over
    /// time), telling the store.
    pub fn move_to(&mut self, instant: Timestamp) -> Result<(), ServiceError> {
        self.now = instant;
        self.tx.note_instant(instant)?;
        Ok(())
    }

    pub fn commit(self) -> Result<(), ServiceError> {
        Ok(self.tx.commit()?)
    }

    /// Appends an audit event at `now`, chained to the previous one.
    pub fn audit(
        &mut self,
        actor: Option<UserId>,
        action: AuditAction,
        request: Option<RequestId>,
        entry: Option<EntryId>,
        details: &serde_json::Value,
    ) -> Result<(), ServiceError> {
        let head = match self.audit_head.take() {
            Some(AuditHead(head)) => head,
            None => self.tx.audit_head()?,
        };
        let event = AuditEvent::next(
            head.as_ref().map(|(seq, hash)| (*seq, hash.as_str())),
            self.now,
            actor,
            action,
            request,
            entry,
            details.to_string(),
        );
        self.tx.append_audit(&event)?;
        self.audit_head = Some(AuditHead(Some((event.seq, event.hash))));
        Ok(())
    }

    /// Seals `secret` under the workspace key and stores it as `entry`'s
    /// (replacing any it had): the one way a secret reaches the store. On a
    /// server that keeps the key, the server seals it.
    pub fn store_secret(&mut self, entry: EntryId, secret: &str) -> Result<(), ServiceError> {
        match self.secrets {
            SecretKeeper::Here(secrets) => {
                let sealed = secrets.seal(entry, secret)?;
                self.tx.set_secret(entry, &sealed)?;
            }
            SecretKeeper::Server => self.tx.set_secret_clear(entry, secret)?,
        }
        Ok(())
    }

    /// Opens `entry`'s secret for the use `action` (a password revealed or
    /// copied) and records it with `details`, the use's audit event, in this
    /// transaction; `None` when the entry has no secret. The caller checked
    /// the permission; on a server that keeps the key, the server checks it
    /// again at its own instant, records the event itself and only then
    /// decrypts.
    pub fn open_secret(
        &mut self,
        user: UserId,
        entry: EntryId,
        action: AuditAction,
        details: &serde_json::Value,
    ) -> Result<Option<Zeroizing<String>>, ServiceError> {
        match self.secrets {
            SecretKeeper::Here(secrets) => {
                let Some(sealed) = self.tx.secret(entry)? else {
                    return Ok(None);
                };
                let secret = secrets.open(entry, &sealed)?;
                self.audit(Some(user), action, None, Some(entry), details)?;
                Ok(Some(secret))
            }
            SecretKeeper::Server => {
                let event = AuditEvent::next(
                    None,
                    self.now,
                    Some(user),
                    action,
                    None,
                    Some(entry),
                    details.to_string(),
                );
                // The head is the server's now.
                self.audit_head = None;
                Ok(self.tx.reveal_secret(entry, &event)?)
            }
        }
    }

    /// Stores a notification at `now`.
    pub fn notify(&mut self, notification: &NewNotification) -> Result<(), ServiceError> {
        self.tx.insert_notification(notification, self.now)?;
        Ok(())
    }

    /// The signed-in user as stored now: sessions do not outlive deactivation.
    pub fn current_user(&mut self, session: &Session) -> Result<User, ServiceError> {
        match self.tx.user(session.user_id())? {
            Some(user) if user.is_active => Ok(user),
            _ => Err(ServiceError::NotFound(
                "your account no longer exists or is disabled; sign in again".into(),
            )),
        }
    }

    /// The current user, who must be an administrator.
    pub fn current_admin(&mut self, session: &Session) -> Result<User, ServiceError> {
        let user = self.current_user(session)?;
        if user.is_admin {
            Ok(user)
        } else {
            Err(crate::domain::DomainError::NotPermitted(
                "only an administrator can do this".into(),
            )
            .into())
        }
    }

    pub fn user(&mut self, id: UserId) -> Result<User, ServiceError> {
        self.tx
            .user(id)?
            .ok_or_else(|| ServiceError::NotFound(format!("user {id} does not exist")))
    }

    /// A vault by id.
    pub fn vault(&mut self, id: VaultId) -> Result<Vault, ServiceError> {
        self.tx
            .vault(id)?
            .ok_or_else(|| ServiceError::NotFound("the vault no longer exists".into()))
    }

    pub fn display_name(&mut self, id: UserId) -> Result<String, ServiceError> {
        Ok(self
            .tx
            .user(id)?
            .map_or_else(|| format!("user {id}"), |u| u.display_name))
    }

    pub fn entry(&mut self, id: EntryId) -> Result<Entry, ServiceError> {
        self.tx
            .entry(id)?
            .ok_or_else(|| ServiceError::NotFound(format!("entry {id} does not exist")))
    }

    /// An entry, deleted or not: what the history of a request names.
    pub fn entry_record(&mut self, id: EntryId) -> Result<Entry, ServiceError> {
        self.tx
            .entry_record(id)?
            .ok_or_else(|| ServiceError::NotFound(format!("entry {id} does not exist")))
    }

    /// The name a target goes by in messages: its entry's (deleted or not)
    /// or its vault's.
    pub fn target_name(&mut self, target: Target) -> Result<String, ServiceError> {
        match target {
            Target::Entry(id) | Target::Folder(id) => Ok(self.entry_record(id)?.name),
            Target::Vault(id) | Target::Join(id) => Ok(self
                .tx
                .vault(id)?
                .map_or_else(|| format!("vault {id}"), |v| v.name)),
        }
    }

    /// "Vault / folder / entry" for an entry or folder; the vault's name for a vault.
    pub fn target_path(&mut self, target: Target) -> Result<String, ServiceError> {
        let mut names = Vec::new();
        let vault = match target {
            Target::Vault(vault) | Target::Join(vault) => vault,
            Target::Entry(entry) | Target::Folder(entry) => {
                let record = self.entry_record(entry)?;
                for folder in self.tx.ancestors(entry)? {
                    names.push(self.entry_record(folder)?.name);
                }
                names.insert(0, record.name);
                record.vault_id
            }
        };
        names.extend(self.tx.vault(vault)?.map(|v| v.name));
        names.reverse();
        Ok(names.join(" / "))
    }

    pub fn request(&mut self, id: RequestId) -> Result<Request, ServiceError> {
        self.tx
            .request(id)?
            .ok_or_else(|| ServiceError::NotFound(format!("request {id} does not exist")))
    }

    /// The workspace settings, read once per transaction.
    pub fn settings(&mut self) -> Result<WorkspaceSettings, ServiceError> {
        if let Some(settings) = &self.settings_cache {
            return Ok(settings.clone());
        }
        let settings = self.tx.settings()?;
        self.settings_cache = Some(settings.clone());
        Ok(settings)
    }

    /// Replaces the settings, keeping the cache true.
    pub fn save_settings(&mut self, settings: &WorkspaceSettings) -> Result<(), ServiceError> {
        self.tx.save_settings(settings)?;
        self.settings_cache = Some(settings.clone());
        Ok(())
    }

    /// A permission set, cached for the transaction.
    pub fn permission_set(
        &mut self,
        id: PermissionSetId,
    ) -> Result<Option<PermissionSet>, ServiceError> {
        if let Some(set) = self.set_cache.get(&id) {
            return Ok(Some(set.clone()));
        }
        let set = self.tx.permission_set(id)?;
        if let Some(set) = &set {
            self.set_cache.insert(id, set.clone());
        }
        Ok(set)
    }

    /// A permission set's name, deleted or not (the history of a request names it).
    pub fn permission_set_name(&mut self, id: PermissionSetId) -> Result<String, ServiceError> {
        if let Some(set) = self.permission_set(id)? {
            return Ok(set.name);
        }
        Ok(self
            .tx
            .permission_set_record(id)?
            .map_or_else(|| format!("set {id}"), |s| s.name))
    }

    /// Display names of the people a request's state mentions, for messages.
    pub fn names_for(
        &mut self,
        request: &Request,
    ) -> Result<HashMap<UserId, String>, ServiceError> {
        let mut names = HashMap::new();
        for id in [
            Some(request.requester_id),
            request.decided_by,
            request.ended_by,
        ]
        .into_iter()
        .flatten()
        .chain(request.approvals.iter().map(|a| a.approver_id))
        {
            let name = self.display_name(id)?;
            names.insert(id, name);
        }
        Ok(names)
    }

    /// Whether `user` may use entries of `vault` at all: an active
    /// administrator, or an active member. Someone who does not reach the
    /// vault holds nothing in it, whatever else is stored.
    pub fn reaches_vault(&mut self, user: &User, vault: VaultId) -> Result<bool, ServiceError> {
        Ok(user.is_active && (user.is_admin || self.is_member(vault, user.id)?))
    }

    /// Whether `user` is a member of `vault` at this instant: stored as one,
    /// or holding an approved request to join whose window runs now
    /// (R-REQ-12). Every membership check of the service goes through here,
    /// so a time-bound membership ends exactly at its end.
    pub fn is_member(&mut self, vault: VaultId, user: UserId) -> Result<bool, ServiceError> {
        if self.tx.is_member(vault, user)? {
            return Ok(true);
        }
        let now = self.now;
        Ok(self
            .tx
            .open_joins(user, Some(vault))?
            .iter()
            .any(|join| join_in_force(join, now)))
    }

    /// The vaults `user` is a member of at this instant (see [`Ops::is_member`]).
    pub fn member_vaults(&mut self, user: UserId) -> Result<Vec<VaultId>, ServiceError> {
        let mut vaults = self.tx.member_vaults(user)?;
        let now = self.now;
        for join in self.tx.open_joins(user, None)? {
            if join_in_force(&join, now) && !vaults.contains(&join.vault_id) {
                vaults.push(join.vault_id);
            }
        }
        Ok(vaults)
    }

    /// Everything the domain needs to decide `user`'s permissions on `entry`.
    pub fn access_facts(
        &mut self,
        user: &User,
        entry: &Entry,
    ) -> Result<AccessFacts, ServiceError> {
        let settings = self.settings()?;
        let mut facts = AccessFacts {
            is_admin: user.is_admin,
            allow_reveal_password: settings.allow_reveal_password,
            ..AccessFacts::default()
        };
        if user.is_admin {
            return Ok(facts);
        }
        let standing = self.tx.standing(user.id, entry.vault_id)?;
        let scoped = self.tx.approved_scoped_grants(user.id, entry.vault_id)?;
        let ancestors = if standing.is_empty() && scoped.is_empty() {
            Vec::new()
        } else {
            self.tx.ancestors(entry.id)?
        };
        facts.standing = inherited_standing(&standing, entry.id, &ancestors);
        // Folder and vault grants cover what is below them now (R-REQ-11).
        let scoped = scoped
            .into_iter()
            .filter(|r| r.target.covers_by_tree(entry.id, &ancestors));
        let covering = self.tx.approved_grants_covering(user.id, entry.id)?;
        for request in covering.into_iter().chain(scoped) {
            let set_id = request.effective_terms().permission_set_id;
            let permissions = self
                .permission_set(set_id)?
                .map(|s| s.permissions)
                .unwrap_or_default();
            facts.grants.push(GrantFact {
                request_id: request.id,
                permissions,
                request,
            });
        }
        Ok(facts)
    }
}

/// Whether an approved request to join makes its requester a member at
/// `now`: a time-bound one inside its window. A permanent one is not counted
/// here: its approval stored the membership, and removing that ends it.
fn join_in_force(join: &Request, now: Timestamp) -> bool {
    !join.is_permanent() && join.phase(now) == Phase::Active
}
