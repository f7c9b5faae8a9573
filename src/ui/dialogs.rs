//! Modal dialogs: the access prompt (R-REQ-2), the request dialog (R-REQ-3,
//! R-REQ-4 messages next to their fields), its confirmation, a request's
//! details (R-REQ-7) and the revoke/release confirmations (R-BEY-3).

use super::editing;
use super::widgets::{
    describe_error, field_error_ui, keep_focus_after_list, name_dialog, terms_input_ui,
};
use crate::app::present;
use crate::app::view::explain::ExplainForm;
use crate::app::view::forms::{Dialog, DirectGrantForm, EmergencyForm, RequestForm, ResponseForm};
use crate::app::view::intent::{
    AccessIntent, AdminIntent, ApprovalIntent, Intent, StartIntent, Verdict,
};
use crate::app::view::screen::{MainView, Names};
use crate::domain::request::{Request, RequestInfo};
use crate::domain::settings::MAX_MESSAGE_CHARS;
use crate::domain::{Field, FieldErrors, Timestamp};
use egui::{Id, Key, Modal, Order, RichText, TextEdit, Ui};

/// Draws the open dialog, if any.
#[expect(
    clippy::too_many_lines,
    reason = "one arm per dialog, side by side, each a call"
)]
pub fn dialog_ui(
    ctx: &egui::Context,
    state: &MainView,
    dialog: &mut Dialog,
    now: Timestamp,
    intents: &mut Vec<Intent>,
) {
    let modal = |id: &str| {
        let id = Id::unique(("latchkey-dialog", id));
        // Middle, not egui's Foreground: the dialog's own drop-downs and date
        // picker are Foreground pop-ups, so they are always drawn, and take
        // the click, above it however often the dialog was clicked (issue 12).
        Modal::new(id).area(Modal::default_area(id).order(Order::Middle))
    };
    // Enter answers a dialog without text fields with its default button.
    let enter = ctx.input(|i| i.key_pressed(Key::Enter));
    let keeps_input = dialog.holds_typed_input();
    let closed = match dialog {
        Dialog::None => return,
        Dialog::AskAccess { entry_id, name } => {
            let entry_id = *entry_id;
            modal("ask")
                .show(ctx, |ui| {
                    ui.set_width(380.0);
                    ui.heading(name.as_str());
                    name_dialog(ui, &format!("Request temporary access to {name}?"));
                    ui.label("You don't have access to this entry. Request temporary access?");
                    ui.horizontal(|ui| {
                        if ui.button("Yes").clicked() || enter {
                            intents.push(AccessIntent::OpenRequestDialog(entry_id).into());
                        }
                        if ui.button("No").clicked() {
                            intents.push(Intent::CloseDialog);
                        }
                    });
                })
                .should_close()
        }
        Dialog::Request(form) => modal("request")
            .show(ctx, |ui| request_form_ui(ui, form, intents))
            .should_close(),
        Dialog::Sent { message } => modal("sent")
            .show(ctx, |ui| {
                ui.set_width(380.0);
                ui.heading("Request sent");
                name_dialog(ui, "Request sent");
                ui.label(message.as_str());
                if ui.button("OK").clicked() || enter {
                    intents.push(Intent::CloseDialog);
                }
            })
            .should_close(),
        Dialog::Details(request) => modal("details")
            .show(ctx, |ui| {
                fits_ui(ui, |ui| details_ui(ui, &state.names, request, now, intents));
            })
            .should_close(),
        Dialog::Respond(form) => modal("respond")
            .show(ctx, |ui| response_form_ui(ui, &state.names, form, intents))
            .should_close(),
        Dialog::DirectGrant(form) => modal("direct-grant")
            .show(ctx, |ui| direct_grant_ui(ui, form, intents))
            .should_close(),
        Dialog::ConfirmRevoke { reason, error, .. } => modal("revoke")
            .show(ctx, |ui| {
                confirm_ui(
                    ui,
                    "Revoke this access?",
                    "Access ends at once. Getting it back takes a new request.",
                    "Reason (optional)",
                    reason,
                    error.as_deref(),
                    "Revoke access",
                    AccessIntent::Revoke.into(),
                    intents,
                );
            })
            .should_close(),
        Dialog::RestoreTyped(_) => modal("restore")
            .show(ctx, |ui| restore_typed_ui(ui, intents))
            .should_close(),
        Dialog::EditEntry(form) => modal("edit-entry")
            .show(ctx, |ui| {
                editing::entry_form_ui(ui, form, intents);
            })
            .should_close(),
        Dialog::Explain(form) => modal("explain")
            .show(ctx, |ui| explain_ui(ui, form, intents))
            .should_close(),
        Dialog::Emergency(form) => modal("emergency")
            .show(ctx, |ui| emergency_ui(ui, form, intents))
            .should_close(),
        Dialog::ConfirmDisable { user_id, name } => {
            let user_id = *user_id;
            modal("disable")
                .show(ctx, |ui| {
                    ui.set_width(420.0);
                    let title = format!("Disable {name}?");
                    ui.heading(title.as_str());
                    name_dialog(ui, &title);
                    ui.label(format!(
                        "{name} can no longer sign in, and their open windows sign out at their next action. Their pending requests lapse and their access in force ends now. Enabling them later brings none of it back."
                    ));
                    ui.horizontal(|ui| {
                        if ui.button(RichText::new("Disable").strong()).clicked() {
                            intents.push(AdminIntent::SetActive(user_id, false).into());
                        }
                        if ui.button("Cancel").clicked() {
                            intents.push(Intent::CloseDialog);
                        }
                    });
                })
                .should_close()
        }
        Dialog::Import(form) => modal("import")
            .show(ctx, |ui| super::import::import_form_ui(ui, form, intents))
            .should_close(),
        Dialog::VaultName(form) => modal("vault-name")
            .show(ctx, |ui| editing::vault_form_ui(ui, form, intents))
            .should_close(),
        Dialog::ConfirmDelete(form) => modal("delete")
            .show(ctx, |ui| editing::delete_form_ui(ui, form, intents))
            .should_close(),
        Dialog::MoveTo(form) => modal("move")
            .show(ctx, |ui| editing::move_form_ui(ui, form, intents))
            .should_close(),
        Dialog::ConfirmRelease { note, error, .. } => modal("release")
            .show(ctx, |ui| {
                confirm_ui(
                    ui,
                    "Release access now?",
                    "Your access ends at once. Say what you did, for the approver (optional).",
                    "What I did",
                    note,
                    error.as_deref(),
                    "Release access",
                    AccessIntent::Release.into(),
                    intents,
                );
            })
            .should_close(),
    };
    // A stray click beside the dialog or Escape closes it only when that
    // loses nothing the person typed (issue 12); Cancel always does.
    if closed && !keeps_input && !intents.contains(&Intent::CloseDialog) {
        intents.push(Intent::CloseDialog);
    }
}

/// After the window locked itself: put back what was being typed?
fn restore_typed_ui(ui: &mut Ui, intents: &mut Vec<Intent>) {
    ui.set_width(400.0);
    ui.heading("Restore what you were typing?");
    name_dialog(ui, "Restore what you were typing?");
    ui.label(
        "Latchkey locked itself while a dialog held what you had typed. \
         Restore it, or discard it.",
    );
    ui.horizontal(|ui| {
        if ui.button(RichText::new("Restore").strong()).clicked() {
            intents.push(StartIntent::RestoreTyped.into());
        }
        if ui.button("Discard").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// How tall a message box grows before it scrolls.
const MESSAGE_BOX_HEIGHT: f32 = 120.0;

/// A dialog's contents, scrolling when the window is too small to show
/// them whole (issue 12). The form dialogs need none: their one growing
/// part, the message, scrolls inside its own bounded box.
fn fits_ui(ui: &mut Ui, contents: impl FnOnce(&mut Ui)) {
    let room = ui.ctx().content_rect().height() - 48.0;
    egui::ScrollArea::vertical()
        .max_height(room.max(120.0))
        .show(ui, contents);
}

#[expect(
    clippy::too_many_arguments,
    reason = "one confirmation layout for two dialogs"
)]
fn confirm_ui(
    ui: &mut Ui,
    title: &str,
    explanation: &str,
    note_label: &str,
    note: &mut String,
    error: Option<&str>,
    confirm: &str,
    intent: Intent,
    intents: &mut Vec<Intent>,
) {
    ui.set_width(420.0);
    ui.heading(title);
    name_dialog(ui, title);
    ui.label(explanation);
    let label = ui.label(note_label);
    ui.add(
        TextEdit::multiline(note)
            .desired_rows(3)
            .desired_width(f32::INFINITY),
    )
    .labelled_by(label.id);
    if let Some(error) = error {
        ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
    }
    ui.horizontal(|ui| {
        if ui.button(confirm).clicked() {
            intents.push(intent);
        }
        if ui.button("Keep access").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// The request dialog (R-REQ-3).
pub fn request_form_ui(ui: &mut Ui, form: &mut RequestForm, intents: &mut Vec<Intent>) {
    ui.set_width(480.0);
    let title = if form.extends.is_some() {
        "Request an extension"
    } else if form.target.is_join() {
        "Ask to join a vault"
    } else {
        "Request temporary access"
    };
    ui.heading(title);
    name_dialog(ui, title);
    ui.label(RichText::new(&form.entry_path).strong());
    if let Some(scope) = present::target_scope_note(form.target) {
        ui.label(RichText::new(scope).weak());
    }
    ui.add_space(6.0);

    terms_input_ui(ui, &mut form.terms, &form.errors, "request");

    let approver = ui.horizontal(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new("Approver"));
        let current = form
            .approver_index
            .and_then(|i| form.approvers.get(i))
            .map_or("Choose…".to_owned(), |u| u.display_name.clone());
        let filtered: Vec<(usize, String)> = form
            .filtered_approvers()
            .into_iter()
            .map(|(i, u)| (i, u.display_name.clone()))
            .collect();
        let combo = egui::ComboBox::from_id_salt("approver")
            .selected_text(current)
            .show_ui(ui, |ui| {
                let find = ui.label("Find");
                ui.add(TextEdit::singleline(&mut form.approver_filter).desired_width(160.0))
                    .labelled_by(find.id);
                for (i, name) in &filtered {
                    if ui
                        .selectable_label(form.approver_index == Some(*i), name)
                        .clicked()
                    {
                        form.approver_index = Some(*i);
                        // A pick closes the list, from the keyboard too (issue 12).
                        ui.close();
                    }
                }
                if filtered.is_empty() {
                    ui.label("No approver matches");
                }
            })
            .response
            .labelled_by(label.id);
        keep_focus_after_list(ui, &combo);
        combo
    });
    describe_error(ui, &approver.inner, &form.errors, Field::Approver);
    field_error_ui(ui, &form.errors, Field::Approver);

    let label = ui.label(if form.target.is_join() {
        "Message: why you need to join this vault"
    } else {
        "Message: why you need this entry and what it covers"
    });
    // A long message scrolls inside its box; the dialog keeps its size.
    let message = egui::ScrollArea::vertical()
        .id_salt("request-message")
        .max_height(MESSAGE_BOX_HEIGHT)
        .show(ui, |ui| {
            ui.add(
                TextEdit::multiline(&mut form.message)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id)
        })
        .inner;
    describe_error(ui, &message, &form.errors, Field::Message);
    let count = form.message.chars().count();
    let counter = RichText::new(format!("{count} / {MAX_MESSAGE_CHARS}")).small();
    ui.label(if count > MAX_MESSAGE_CHARS {
        counter.color(ui.visuals().error_fg_color)
    } else {
        counter.weak()
    });
    field_error_ui(ui, &form.errors, Field::Message);

    if !form.covers.is_empty() {
        ui.label(format!(
            "This request also covers: {}",
            form.covers.join(", ")
        ));
    }
    field_error_ui(ui, &form.errors, Field::Entry);
    field_error_ui(ui, &form.errors, Field::Workspace);
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        if ui.button(RichText::new("Send request").strong()).clicked() {
            intents.push(AccessIntent::SendRequest.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// The details' table: requested and authorized side by side (R-REQ-7).
fn requested_and_authorized_ui(ui: &mut Ui, names: &Names, request: &Request) {
    egui::Grid::new("request-details")
        .num_columns(3)
        .spacing([12.0, 6.0])
        .striped(true)
        .show(ui, |ui| {
            let row = |ui: &mut Ui, name: &str, requested: String, authorized: String| {
                ui.label(RichText::new(name).weak());
                ui.label(requested);
                ui.label(authorized);
                ui.end_row();
            };
            ui.label("");
            ui.label(RichText::new("Requested").strong());
            ui.label(RichText::new("Authorized").strong());
            ui.end_row();
            let authorized = request.authorized;
            row(
                ui,
                "Permission set",
                names.set(request.requested.permission_set_id),
                authorized.map_or("—".into(), |t| names.set(t.permission_set_id)),
            );
            row(
                ui,
                "Window",
                present::window_text(request.requested.window),
                authorized.map_or("—".into(), |t| present::window_text(t.window)),
            );
            let grant = match (request.grant_start_at, request.grant_end_at) {
                (Some(s), Some(e)) => format!(
                    "{} – {}",
                    present::local_minute(s),
                    present::local_minute(e)
                ),
                _ => request.claim_by_at.map_or("—".into(), |c| {
                    format!("from first use, by {}", present::local_minute(c))
                }),
            };
            row(ui, "Access runs", "—".into(), grant);
        });
}

/// A request's details (R-REQ-7): requested and authorized side by side.
fn details_ui(
    ui: &mut Ui,
    names: &Names,
    request: &Request,
    now: Timestamp,
    intents: &mut Vec<Intent>,
) {
    ui.set_width(520.0);
    ui.heading("Temporary access details");
    name_dialog(ui, "Temporary access details");
    requested_and_authorized_ui(ui, names, request);
    ui.add_space(6.0);
    let line = |ui: &mut Ui, name: &str, value: String| {
        if !value.is_empty() {
            ui.horizontal_wrapped(|ui| {
                ui.label(RichText::new(format!("{name}:")).weak());
                ui.label(value);
            });
        }
    };
    line(ui, "User", names.user(request.requester_id));
    line(
        ui,
        "Status",
        present::phase_word(request.phase(now)).to_owned(),
    );
    line(
        ui,
        "Requested on",
        present::local_minute(request.created_at),
    );
    line(ui, "Your message", request.message.clone());
    if request.is_modified() {
        line(ui, "Changed by the approver", changes(names, request));
    }
    for approval in &request.approvals {
        let message = if approval.message.is_empty() {
            String::new()
        } else {
            format!(": “{}”", approval.message)
        };
        line(
            ui,
            "Approved",
            format!(
                "by {} at {}{message}",
                names.user(approval.approver_id),
                present::local_minute(approval.approved_at)
            ),
        );
    }
    if let (Some(by), Some(at)) = (request.decided_by, request.decided_at) {
        line(
            ui,
            "Decided",
            format!("by {} at {}", names.user(by), present::local_minute(at)),
        );
    }
    line(ui, "Approver's reply", request.decision_message.clone());
    line(ui, "Closing note", request.closing_note.clone());
    ui.add_space(8.0);
    ui.horizontal(|ui| {
        if request.phase(now).is_live_grant() && ui.button("Revoke…").clicked() {
            intents.push(AccessIntent::AskRevoke(request.id).into());
        }
        if ui.button("Close").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

fn changes(names: &Names, request: &Request) -> String {
    let Some(authorized) = request.authorized else {
        return String::new();
    };
    let mut changed = Vec::new();
    if authorized.permission_set_id != request.requested.permission_set_id {
        changed.push(format!(
            "permission set {} changed to {}",
            names.set(request.requested.permission_set_id),
            names.set(authorized.permission_set_id)
        ));
    }
    if authorized.window != request.requested.window {
        changed.push(format!(
            "window {} changed to {}",
            present::window_text(request.requested.window),
            present::window_text(authorized.window)
        ));
    }
    changed.join("; ")
}

/// The response window (R-APP-3): what was asked, read-only; what is
/// authorized, editable; approve or deny. R-APP-4: if someone else decided
/// first, it says who and when instead.
fn response_form_ui(
    ui: &mut Ui,
    names: &Names,
    form: &mut ResponseForm,
    intents: &mut Vec<Intent>,
) {
    ui.set_width(540.0);
    ui.heading("Respond to an access request");
    name_dialog(ui, "Respond to an access request");
    if let Some(handled) = &form.handled_elsewhere {
        ui.label(RichText::new(format!("⚠ {handled}")).color(ui.visuals().warn_fg_color));
        if ui.button("Close").clicked() {
            intents.push(Intent::CloseDialog);
        }
        return;
    }
    ui.label(RichText::new("Request info").strong());
    request_info_ui(ui, names, &form.info);
    ui.add_space(8.0);
    ui.label(RichText::new("Response parameters").strong());
    ui.add_enabled_ui(form.terms_editable, |ui| {
        terms_input_ui(ui, &mut form.terms, &form.errors, "response");
    });
    if !form.terms_editable {
        ui.label(
            RichText::new("The first approval set the terms; approve them as they are or deny")
                .weak(),
        );
    }
    if form.is_modified() {
        ui.label(
            RichText::new("Approving with modifications: the requester will see what you changed")
                .strong(),
        );
    }
    message_ui(
        ui,
        "Message to the requester",
        &mut form.message,
        &form.errors,
    );
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        if ui
            .button(RichText::new("Approve request").strong())
            .clicked()
        {
            intents.push(ApprovalIntent::Decide(Verdict::Approve).into());
        }
        if ui.button("Deny request").clicked() {
            intents.push(ApprovalIntent::Decide(Verdict::Deny).into());
        }
        if ui.button("Close").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// What was asked, read-only, in the response window (R-APP-3).
fn request_info_ui(ui: &mut Ui, names: &Names, info: &RequestInfo) {
    let request = &info.request;
    egui::Grid::new("request-info")
        .num_columns(2)
        .spacing([12.0, 4.0])
        .show(ui, |ui| {
            let row = |ui: &mut Ui, name: &str, value: String| {
                ui.label(RichText::new(name).weak());
                ui.label(value);
                ui.end_row();
            };
            row(ui, "Requester", names.user(request.requester_id));
            row(
                ui,
                present::target_row_word(request.target),
                info.entry_path.clone(),
            );
            if let Some(contents) = &info.contents {
                row(
                    ui,
                    present::target_kind_word(request.target),
                    present::contents_counts(contents),
                );
                if !contents.first.is_empty() {
                    row(ui, "First entries", contents.first.join("\n"));
                }
            }
            row(
                ui,
                "Permission set",
                names.set(request.requested.permission_set_id),
            );
            row(
                ui,
                "Requested",
                present::window_text(request.requested.window),
            );
            row(
                ui,
                "Requested on",
                present::local_minute(request.created_at),
            );
            if request.start_on_first_use {
                row(ui, "Starts", "on first use".into());
            }
            if !request.message.is_empty() {
                row(ui, "Message", format!("“{}”", request.message));
            }
            if !info.covers.is_empty() {
                row(ui, "Also covers", info.covers.join(", "));
            }
            if info.required_approvals > 1 {
                let given: Vec<String> = request
                    .approvals
                    .iter()
                    .map(|a| names.user(a.approver_id))
                    .collect();
                let so_far = if given.is_empty() {
                    "none yet".to_owned()
                } else {
                    given.join(", ")
                };
                row(
                    ui,
                    "Approvals",
                    format!(
                        "{} of {} ({so_far})",
                        request.approvals.len(),
                        info.required_approvals
                    ),
                );
            }
        });
}

/// An administrator grants access without a request (R-ADM-3); audited like an approval.
fn direct_grant_ui(ui: &mut Ui, form: &mut DirectGrantForm, intents: &mut Vec<Intent>) {
    ui.set_width(440.0);
    ui.heading("Grant temporary access");
    name_dialog(ui, "Grant temporary access");
    ui.label(RichText::new(&form.entry_path).strong());
    ui.horizontal(|ui| {
        let label = ui.add_sized([110.0, 20.0], egui::Label::new("User"));
        let current = form
            .user_index
            .and_then(|i| form.users.get(i))
            .map_or("Choose…".to_owned(), |u| u.display_name.clone());
        egui::ComboBox::from_id_salt("grant-user")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (i, user) in form.users.iter().enumerate() {
                    if ui
                        .selectable_label(form.user_index == Some(i), &user.display_name)
                        .clicked()
                    {
                        form.user_index = Some(i);
                        // A pick closes the list, from the keyboard too (issue 12).
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    field_error_ui(ui, &form.errors, Field::Approver);
    terms_input_ui(ui, &mut form.terms, &form.errors, "grant");
    message_ui(ui, "Message to the user", &mut form.message, &form.errors);
    ui.horizontal(|ui| {
        if ui.button(RichText::new("Grant access").strong()).clicked() {
            intents.push(ApprovalIntent::SendDirectGrant.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// "Why?" (R-ADM-6): a person chosen, then each permission held or not,
/// with its grounds or what would give it.
fn explain_ui(ui: &mut Ui, form: &mut ExplainForm, intents: &mut Vec<Intent>) {
    ui.set_width(560.0);
    let title = format!("Why? — {}", form.entry_path);
    ui.heading(title.as_str());
    name_dialog(ui, &title);
    ui.horizontal(|ui| {
        let label = ui.label("Person");
        let shown = form
            .person
            .and_then(|i| form.people.get(i))
            .map_or("Choose…", |(_, name)| name.as_str());
        let combo = egui::ComboBox::from_id_salt("explain-person")
            .selected_text(shown)
            .show_ui(ui, |ui| {
                for (i, (_, name)) in form.people.iter().enumerate() {
                    if ui
                        .selectable_value(&mut form.person, Some(i), name.as_str())
                        .clicked()
                    {
                        intents.push(ApprovalIntent::Explain.into());
                        ui.close();
                    }
                }
            })
            .response
            .labelled_by(label.id);
        keep_focus_after_list(ui, &combo);
    });
    if let Some(error) = &form.error {
        ui.label(RichText::new(format!("⚠ {error}")).color(ui.visuals().error_fg_color));
    }
    if let Some(answer) = &form.answer {
        ui.add_space(4.0);
        ui.strong(answer.title.as_str());
        for note in &answer.notes {
            ui.label(RichText::new(note.as_str()).color(ui.visuals().warn_fg_color));
        }
        // The person's choice stays in view however long the answer is.
        let room = ui.ctx().content_rect().height() - 240.0;
        egui::ScrollArea::vertical()
            .id_salt("explain-rows")
            .max_height(room.clamp(120.0, 420.0))
            .min_scrolled_height(room.clamp(120.0, 420.0))
            .show(ui, |ui| {
                for row in &answer.rows {
                    let mark = if row.held { "✔" } else { "❌" };
                    let state = if row.held { "held" } else { "not held" };
                    ui.label(
                        RichText::new(format!("{mark} {} — {state}", row.permission)).strong(),
                    );
                    ui.indent(row.permission.as_str(), |ui| {
                        for reason in &row.reasons {
                            ui.label(reason.as_str());
                        }
                        if let Some(to_get) = &row.to_get {
                            ui.label(RichText::new(to_get.as_str()).weak());
                        }
                    });
                }
            });
    }
    if ui.button("Close").clicked() {
        intents.push(Intent::CloseDialog);
    }
}

/// Emergency access (R-BEY-5): what happens, said plainly before anything
/// else; the duration up to the vault's limit, the set, the reason.
fn emergency_ui(ui: &mut Ui, form: &mut EmergencyForm, intents: &mut Vec<Intent>) {
    ui.set_width(460.0);
    let title = format!("Emergency access to {}", form.entry_name);
    ui.heading(title.as_str());
    name_dialog(ui, &title);
    ui.label(
        RichText::new(format!(
            "This opens the entry now, without an approval, for at most {}. Every approver and administrator is told at once, and the access is flagged for review. Use it only when it cannot wait.",
            present::duration(crate::domain::Span::mins(i64::from(form.limit_mins)))
        ))
        .color(ui.visuals().warn_fg_color),
    );
    ui.add_space(6.0);
    terms_input_ui(ui, &mut form.terms, &form.errors, "emergency");
    message_ui(ui, "Reason (required)", &mut form.reason, &form.errors);
    ui.horizontal(|ui| {
        let take = egui::Button::new(
            RichText::new("Take emergency access")
                .strong()
                .color(ui.visuals().error_fg_color),
        );
        if ui.add(take).clicked() {
            intents.push(AccessIntent::TakeEmergency.into());
        }
        if ui.button("Cancel").clicked() {
            intents.push(Intent::CloseDialog);
        }
    });
}

/// A short message to the other side, with its field's error and any error
/// not tied to a field (the response window and the direct grant).
fn message_ui(ui: &mut Ui, label: &str, message: &mut String, errors: &FieldErrors) {
    let label = ui.label(label);
    let field = egui::ScrollArea::vertical()
        .id_salt("reply-message")
        .max_height(MESSAGE_BOX_HEIGHT)
        .show(ui, |ui| {
            ui.add(
                TextEdit::multiline(message)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id)
        })
        .inner;
    describe_error(ui, &field, errors, Field::Message);
    field_error_ui(ui, errors, Field::Message);
    field_error_ui(ui, errors, Field::Workspace);
}
