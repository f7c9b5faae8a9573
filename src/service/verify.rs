//! Walks the audit chain (R-AUD-2) in pages, so a log of any size verifies in
//! constant memory, and compares it with the heads remembered outside the
//! workspace (R-BEY-12): this computer's witness, and a head kept by hand
//! (`audit verify --expect`).
//!
//! The witness is found by the workspace's id, which the file holds, so the
//! id is checked twice: against the one its creation event records (hashed
//! into the chain), and, for a file, against the one this computer last saw
//! at that path.
//!
//! Rows are read loosely, so a value of the wrong type is reported as that
//! event, never as a database error.

use super::admin::META_WORKSPACE_ID;
use super::{ServiceError, Workspace, open_workspace_store};
use crate::domain::audit::{ChainBreak, ChainHead, ChainVerifier, HeadSource};
use crate::platform::witness::{Witness, canonical_file};
use crate::store::{AuditRow, Enforcement, ServerChainCheck, Store, StoreError, StoreTx, TxMode};
use std::path::Path;

/// Rows read per query.
const PAGE: usize = 5_000;

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditVerdict {
    /// Every event is there, unaltered.
    Intact {
        /// How many events.
        events: i64,
    },
    /// The first break found.
    Broken(ChainBreak),
}

/// What a check did with this computer's witness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WitnessOutcome {
    /// The head was recorded: the chain was seen for the first time, or grew.
    Recorded,
    /// The witness already held this head (or a later one).
    Unchanged,
    /// Left as it was, because the chain does not verify or does not extend it.
    Kept,
    /// The witness could not be read or written; says why.
    Unavailable(String),
}

/// The result of checking a workspace's chain against what was remembered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditCheck {
    /// The chain's verdict: intact only if it also extends every remembered head.
    pub verdict: AuditVerdict,
    /// The head found, when the chain is intact and not empty.
    pub head: Option<ChainHead>,
    /// What the witness remembered before this check.
    pub remembered: Option<ChainHead>,
    /// What happened to the witness.
    pub witness: WitnessOutcome,
    /// Where the witness keeps this workspace's record, when it has an id.
    pub witness_location: Option<String>,
}

impl AuditCheck {
    /// Whether the chain verified and extends everything remembered.
    pub fn is_intact(&self) -> bool {
        matches!(self.verdict, AuditVerdict::Intact { .. })
    }
}

/// Verifies the chain of a store without needing its key.
pub fn verify_audit(store: &mut dyn Store) -> Result<AuditVerdict, StoreError> {
    let mut tx = store.begin(TxMode::Read)?;
    Ok(walk(tx.as_mut(), ChainVerifier::default(), 0)?.0)
}

/// Verifies the whole chain, requires it to extend what `witness` remembers
/// for this workspace and `expected` (if given), and moves the witness
/// forward to the head found when it does.
pub fn check_audit(
    store: &mut dyn Store,
    witness: &dyn Witness,
    expected: Option<&ChainHead>,
) -> Result<AuditCheck, StoreError> {
    let references = expected
        .map(|head| (HeadSource::Expected, head.clone()))
        .into_iter()
        .collect();
    check_with(store, witness, None, None, references)
}

/// Opens the workspace file at `path` (read-only where it cannot be written)
/// and checks it as [`check_audit`] does; also requires the workspace's id to
/// be the one this computer last saw at that path, and remembers it there.
pub fn check_audit_file(
    path: &Path,
    witness: &dyn Witness,
    expected: Option<&ChainHead>,
) -> Result<AuditCheck, ServiceError> {
    let mut store = open_workspace_store(path)?;
    // The file opened, so it exists; a path that cannot be resolved only
    // loses the path check.
    let file = canonical_file(path).ok();
    let references = expected
        .map(|head| (HeadSource::Expected, head.clone()))
        .into_iter()
        .collect();
    Ok(check_with(
        store.as_mut(),
        witness,
        file.as_deref(),
        None,
        references,
    )?)
}

/// Records that the workspace file at `path`, just created by Latchkey, is
/// `workspace_id`, so that the new workspace where another one was is not
/// reported as a replacement.
pub fn remember_created_file(
    witness: &dyn Witness,
    path: &Path,
    workspace_id: &str,
) -> Result<(), String> {
    witness.remember_file(&canonical_file(path)?, workspace_id)
}

/// Checks only what was added since `known` (a head this computer verified
/// earlier): the event at that position must be unaltered with the same hash,
/// and every later one must follow it. The cost is the events added since,
/// plus one indexed read; if the known event is gone, the whole chain is
/// walked to say what happened.
pub fn check_audit_since(
    store: &mut dyn Store,
    known: &ChainHead,
    witness: &dyn Witness,
) -> Result<AuditCheck, StoreError> {
    check_with(
        store,
        witness,
        None,
        Some(known),
        vec![(HeadSource::Witness, known.clone())],
    )
}

/// `file`: the canonical path of the workspace file, when checking one.
#[expect(
    clippy::too_many_lines,
    reason = "the order of the checks is the argument; splitting it hides which comes first"
)]
fn check_with(
    store: &mut dyn Store,
    witness: &dyn Witness,
    file: Option<&Path>,
    since: Option<&ChainHead>,
    mut references: Vec<(HeadSource, ChainHead)>,
) -> Result<AuditCheck, StoreError> {
    let mut tx = store.begin(TxMode::Read)?;
    let id = tx.meta(META_WORKSPACE_ID);
    let id = match id {
        Ok(id) => id,
        Err(StoreError::BadData(_)) => None,
        Err(e) => return Err(e),
    };
    let recalled = id.as_deref().map(|id| witness.recall(id));
    let remembered = recalled.clone().and_then(Result::ok).flatten();
    if let Some(head) = &remembered {
        references.push((HeadSource::Witness, head.clone()));
    }
    if tx.enforcement() == Enforcement::Server {
        // The server keeps the chain and verifies it itself (a reader may
        // not read every event); the heads remembered outside it are
        // compared here, by their hashes.
        let (verdict, head) = server_checked(tx.as_mut(), since, references)?;
        drop(tx);
        let witness_outcome = match (&verdict, &head, &id, recalled) {
            (AuditVerdict::Broken(_), _, _, _) => WitnessOutcome::Kept,
            (_, Some(head), Some(id), Some(Ok(_))) => remember_forward(witness, id, head),
            (_, _, _, Some(Err(reason))) => WitnessOutcome::Unavailable(reason),
            _ => WitnessOutcome::Unchanged,
        };
        return Ok(AuditCheck {
            verdict,
            head,
            remembered,
            witness: witness_outcome,
            witness_location: id.as_deref().map(|id| witness.location(id)),
        });
    }
    let (verifier, after) = match since {
        None => {
            let mut verifier = ChainVerifier::default();
            for (source, head) in references {
                verifier.expect_extends(source, head);
            }
            (verifier, 0)
        }
        Some(known) => {
            let rows = tx.audit_rows_after(known.events - 1, 1)?;
            match rows.first() {
                Some(AuditRow::Event(event)) if event.seq == known.events => {
                    match ChainVerifier::resume(event, HeadSource::Witness, known) {
                        Ok(mut verifier) => {
                            // Heads at or before `known` are covered by its hash.
                            for (source, head) in references {
                                if head.events > known.events {
                                    verifier.expect_extends(source, head);
                                }
                            }
                            (verifier, known.events)
                        }
                        Err(broken) => {
                            return Ok(AuditCheck {
                                verdict: AuditVerdict::Broken(broken),
                                head: None,
                                remembered,
                                witness: WitnessOutcome::Kept,
                                witness_location: id.as_deref().map(|id| witness.location(id)),
                            });
                        }
                    }
                }
                _ => {
                    // The known event is gone or unreadable: walk it all.
                    drop(tx);
                    return check_with(store, witness, file, None, references);
                }
            }
        }
    };
    let (mut verdict, head) = walk(tx.as_mut(), verifier, after)?;
    if let (AuditVerdict::Intact { .. }, Some(id)) = (&verdict, &id)
        && let Some(broken) = creation_disowns(tx.as_mut(), id)?
    {
        verdict = AuditVerdict::Broken(broken);
    }
    drop(tx);
    if id.is_none() && head.is_some() && matches!(verdict, AuditVerdict::Intact { .. }) {
        // Without its id, nothing remembered about this workspace can be found.
        verdict = AuditVerdict::Broken(ChainBreak::NoWorkspaceId);
    }
    // The id this computer last saw at this file's path.
    let seen_here = match (file, &id) {
        (Some(file), Some(_)) => Some(witness.recall_file(file)),
        _ => None,
    };
    if let (AuditVerdict::Intact { .. }, Some(file), Some(id), Some(Ok(Some(seen)))) =
        (&verdict, file, &id, &seen_here)
        && seen != id
    {
        verdict = AuditVerdict::Broken(ChainBreak::Replaced {
            file: file.display().to_string(),
            seen: seen.clone(),
            claimed: id.clone(),
            record: witness.file_location(file),
        });
    }
    let mut witness_outcome = match (&verdict, &head, &id, recalled) {
        (AuditVerdict::Broken(_), _, _, _) => WitnessOutcome::Kept,
        (_, Some(head), Some(id), Some(Ok(_))) => remember_forward(witness, id, head),
        (_, _, _, Some(Err(reason))) => WitnessOutcome::Unavailable(reason),
        _ => WitnessOutcome::Unchanged,
    };
    if let (AuditVerdict::Intact { .. }, Some(file), Some(id), Some(seen)) =
        (&verdict, file, &id, seen_here)
    {
        let kept = match seen {
            Ok(Some(_)) => Ok(()),
            Ok(None) => witness.remember_file(file, id),
            Err(reason) => Err(reason),
        };
        if let Err(reason) = kept
            && !matches!(witness_outcome, WitnessOutcome::Unavailable(_))
        {
            witness_outcome = WitnessOutcome::Unavailable(reason);
        }
    }
    Ok(AuditCheck {
        verdict,
        head: head.clone(),
        remembered,
        witness: witness_outcome,
        witness_location: id.as_deref().map(|id| witness.location(id)),
    })
}

impl Workspace {
    /// Verifies the whole audit chain against this computer's `witness` and
    /// moves it forward; see [`check_audit`].
    pub fn check_audit(&mut self, witness: &dyn Witness) -> Result<AuditCheck, ServiceError> {
        Ok(check_audit(self.store.as_mut(), witness, None)?)
    }

    /// Checks only what the chain gained since `known`; see [`check_audit_since`].
    pub fn check_audit_since(
        &mut self,
        known: &ChainHead,
        witness: &dyn Witness,
    ) -> Result<AuditCheck, ServiceError> {
        Ok(check_audit_since(self.store.as_mut(), known, witness)?)
    }

    /// The workspace's random id: the key of its audit witness and of its
    /// keyring entry.
    pub fn id(&mut self) -> Result<String, ServiceError> {
        let mut tx = self.store.begin(TxMode::Read)?;
        tx.meta(META_WORKSPACE_ID)?
            .ok_or_else(|| ServiceError::NotFound("the workspace has no id".into()))
    }
}

/// The break to report if the creation event (the first) records another id
/// than `id`, the one the workspace claims; the walk has checked every other
/// link, and this also checks that event's own hash, since a check resumed
/// from a known head does not walk it again.
/// The verdict on a chain its store's server keeps: the whole chain as the
/// server verifies it (or, `since` a head this computer already checked,
/// only that the chain still extends it), then every remembered head
/// compared by its hash.
fn server_checked(
    tx: &mut dyn StoreTx,
    since: Option<&ChainHead>,
    mut references: Vec<(HeadSource, ChainHead)>,
) -> Result<(AuditVerdict, Option<ChainHead>), StoreError> {
    let server = match since {
        None => tx.verified_chain()?.ok_or_else(|| {
            StoreError::Database("the server did not verify its audit chain".into())
        })?,
        Some(known) => {
            references.push((HeadSource::Witness, known.clone()));
            let head = tx.audit_head()?;
            ServerChainCheck {
                events: head.as_ref().map_or(0, |(seq, _)| *seq),
                head_hash: head.map(|(_, hash)| hash),
                broken_at: None,
            }
        }
    };
    let head = server.head_hash.clone().map(|hash| ChainHead {
        events: server.events,
        hash,
    });
    if let Some(seq) = server.broken_at {
        return Ok((AuditVerdict::Broken(ChainBreak::Altered { seq }), head));
    }
    for (source, remembered) in references {
        if remembered.events > server.events {
            let found = head.clone();
            let broken = ChainBreak::Shorter {
                source,
                remembered,
                found,
            };
            return Ok((AuditVerdict::Broken(broken), head));
        }
        let found = tx.audit_hash_at(remembered.events)?;
        if found.as_deref() != Some(remembered.hash.as_str()) {
            let broken = ChainBreak::Rewritten {
                source,
                remembered,
                found_hash: found.unwrap_or_default(),
            };
            return Ok((AuditVerdict::Broken(broken), head));
        }
    }
    Ok((
        AuditVerdict::Intact {
            events: server.events,
        },
        head,
    ))
}

fn creation_disowns(tx: &mut dyn StoreTx, id: &str) -> Result<Option<ChainBreak>, StoreError> {
    let rows = tx.audit_rows_after(0, 1)?;
    let creation = match rows.first() {
        Some(AuditRow::Event(event)) if event.seq == 1 => event,
        Some(AuditRow::Unreadable { .. } | AuditRow::Event(_)) => {
            return Ok(Some(ChainBreak::Altered { seq: 1 }));
        }
        None => return Ok(None),
    };
    if creation.computed_hash() != creation.hash {
        return Ok(Some(ChainBreak::Altered { seq: 1 }));
    }
    let details: serde_json::Value =
        serde_json::from_str(&creation.details).unwrap_or(serde_json::Value::Null);
    Ok(match details.get("workspace_id") {
        // Workspaces created before the id was recorded in their creation
        // event have no id there: only the path check and the witness apply.
        None => None,
        Some(serde_json::Value::String(created)) if created == id => None,
        Some(created) => Some(ChainBreak::IdNotFromCreation {
            claimed: id.to_owned(),
            created: created
                .as_str()
                .map_or_else(|| created.to_string(), str::to_owned),
        }),
    })
}

/// Records `head` unless the witness already holds it or a later one
/// (another process may have moved it meanwhile): the witness only moves forward.
fn remember_forward(witness: &dyn Witness, id: &str, head: &ChainHead) -> WitnessOutcome {
    match witness.recall(id) {
        Ok(Some(latest)) if latest.events >= head.events => WitnessOutcome::Unchanged,
        Ok(_) => match witness.remember(id, head) {
            Ok(()) => WitnessOutcome::Recorded,
            Err(reason) => WitnessOutcome::Unavailable(reason),
        },
        Err(reason) => WitnessOutcome::Unavailable(reason),
    }
}

/// Walks the rows after `after` with `verifier`; returns the verdict and, when
/// intact, the head reached.
fn walk(
    tx: &mut dyn StoreTx,
    mut verifier: ChainVerifier,
    mut after: i64,
) -> Result<(AuditVerdict, Option<ChainHead>), StoreError> {
    let broken = |b| Ok((AuditVerdict::Broken(b), None));
    let head = match tx.audit_head() {
        Ok(head) => head,
        Err(StoreError::BadData(_)) => return broken(ChainBreak::HeadAltered),
        Err(e) => return Err(e),
    };
    loop {
        let page = tx.audit_rows_after(after, PAGE)?;
        for row in &page {
            let checked = match row {
                AuditRow::Event(event) => verifier.check(event),
                AuditRow::Unreadable { seq } => Err(verifier.unreadable(*seq)),
            };
            if let Err(b) = checked {
                return broken(b);
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = last.seq(),
            _ => break,
        }
    }
    let found = verifier.head();
    let holds_data = tx.holds_data()?;
    match verifier.finish(head.as_ref().map(|(s, h)| (*s, h.as_str())), holds_data) {
        Ok(events) => Ok((AuditVerdict::Intact { events }, found)),
        Err(b) => broken(b),
    }
}
