//! Workspace settings (R-ADM-1) and their defaults.

use super::connect::ConnectTemplates;
use super::error::{DomainError, Field, FieldErrors};
use super::time::Span;
use serde::{Deserialize, Serialize};

/// The longest message a request, decision or closing note may carry (R-REQ-4).
pub const MAX_MESSAGE_CHARS: usize = 2_000;

/// Policies an administrator sets for the whole workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WorkspaceSettings {
    /// Whether users may request temporary access at all.
    pub temporary_access_enabled: bool,
    /// The durations offered in the request dialog, in minutes.
    pub preset_durations_mins: Vec<u32>,
    /// The longest access that may be requested or granted, in minutes.
    pub max_length_mins: u32,
    /// Whether a request needs a message.
    pub message_required: bool,
    /// How long a request may stay pending before it lapses (R-APP-7), in minutes.
    pub pending_ttl_mins: u32,
    /// How long before the end the requester is warned (R-NOT-1), in minutes.
    pub expiring_soon_lead_mins: u32,
    /// Whether non-administrators may ever reveal or copy passwords (R-REQ-8).
    pub allow_reveal_password: bool,
    /// When copied secrets are cleared from the clipboard, in seconds.
    pub clipboard_clear_secs: u32,
    /// How far in the past a requested start may lie, in seconds (typing takes time).
    pub start_grace_secs: u32,
    /// How long an approved "start on first use" grant waits to be used (R-BEY-2), in minutes.
    pub claim_window_mins: u32,
    /// After how long without input a window signs out (issue 14), in
    /// minutes; 0 never.
    pub idle_lock_mins: u32,
    /// The programs that open connections (R-DSK-5).
    pub connect_templates: ConnectTemplates,
    /// Whether a request may ask for permanent access (R-REQ-10); an
    /// approved one becomes a standing permission.
    pub permanent_access_allowed: bool,
}

impl Default for WorkspaceSettings {
    fn default() -> WorkspaceSettings {
        WorkspaceSettings {
            temporary_access_enabled: false,
            preset_durations_mins: vec![15, 30, 60, 120, 240, 480, 1_440, 10_080],
            max_length_mins: 10_080,
            message_required: false,
            pending_ttl_mins: 1_440,
            expiring_soon_lead_mins: 60,
            allow_reveal_password: true,
            clipboard_clear_secs: 30,
            start_grace_secs: 300,
            claim_window_mins: 1_440,
            idle_lock_mins: 10,
            connect_templates: ConnectTemplates::default(),
            permanent_access_allowed: false,
        }
    }
}

impl WorkspaceSettings {
    /// How long a pending request lives.
    pub fn pending_ttl(&self) -> Span {
        Span::mins(i64::from(self.pending_ttl_mins))
    }

    /// How long a window may sit without input before it signs out; `None`: never.
    pub fn idle_lock(&self) -> Option<Span> {
        (self.idle_lock_mins > 0).then(|| Span::mins(i64::from(self.idle_lock_mins)))
    }

    /// The longest allowed access.
    pub fn max_length(&self) -> Span {
        Span::mins(i64::from(self.max_length_mins))
    }

    /// Checks values an administrator typed.
    pub fn validate(&self) -> Result<(), DomainError> {
        let mut errors = FieldErrors::default();
        if self.preset_durations_mins.is_empty() || self.preset_durations_mins.contains(&0) {
            errors.push(
                Field::Presets,
                "give at least one preset duration, each longer than zero",
            );
        }
        if self.max_length_mins == 0 {
            errors.push(
                Field::MaxLength,
                "the maximum length must be longer than zero",
            );
        }
        if self.pending_ttl_mins == 0 {
            errors.push(
                Field::PendingTtl,
                "the pending time must be longer than zero",
            );
        }
        if self.claim_window_mins == 0 {
            errors.push(Field::Workspace, "waiting times must be longer than zero");
        }
        if self.expiring_soon_lead_mins > 7 * 24 * 60 {
            errors.push(
                Field::ExpiringLead,
                "the expiring-soon warning must come within a week of the end",
            );
        }
        if !(1..=3_600).contains(&self.clipboard_clear_secs) {
            errors.push(
                Field::ClipboardClear,
                "the clipboard must be cleared after 1 s to 1 h",
            );
        }
        if self.idle_lock_mins > 24 * 60 {
            errors.push(
                Field::IdleLock,
                "the idle lock must come within a day (or never: 0)",
            );
        }
        errors.into_result()
    }
}
