//! Walks the audit chain (R-AUD-2) in pages, so a log of any size verifies in
//! constant memory.

use crate::domain::audit::{ChainBreak, ChainVerifier};
use crate::store::{Store, StoreError, TxMode};

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

/// Verifies the chain of a store without needing its key.
pub fn verify_audit(store: &mut dyn Store) -> Result<AuditVerdict, StoreError> {
    const PAGE: usize = 5_000;
    let mut tx = store.begin(TxMode::Read)?;
    let head = tx.audit_head()?;
    let mut verifier = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = tx.audit_events_after(after, PAGE)?;
        for event in &page {
            if let Err(broken) = verifier.check(event) {
                return Ok(AuditVerdict::Broken(broken));
            }
        }
        match page.last() {
            Some(last) if page.len() == PAGE => after = last.seq,
            _ => break,
        }
    }
    Ok(
        match verifier.finish(head.as_ref().map(|(seq, hash)| (*seq, hash.as_str()))) {
            Ok(events) => AuditVerdict::Intact { events },
            Err(broken) => AuditVerdict::Broken(broken),
        },
    )
}
