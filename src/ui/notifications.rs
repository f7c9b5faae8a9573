//! The bell and the notification list (R-NOT-2): every notification the user
//! was sent, newest first, with its time, its text and a link to what it is
//! about; marking read; which kinds also pop up on the desktop, and whether
//! the desktop can show them at all (R-NOT-3). The list is virtualized.

use crate::app::present;
use crate::app::view::intent::{Intent, NotificationsIntent};
use crate::app::view::notifications::{DesktopState, Destination, NotificationsView};
use crate::domain::notification::{Notification, NotificationKind};
use egui::{RichText, Role, Ui, WidgetInfo};

/// The accessible name of the bell starts with this.
pub const BELL_NAME: &str = "Notifications";

/// The bell in the top bar: the unread count; a click opens or closes the list.
pub fn bell_ui(ui: &mut Ui, view: &NotificationsView, intents: &mut Vec<Intent>) {
    let unread = view.unread;
    let text = if unread > 0 {
        format!("🔔 {unread}")
    } else {
        "🔔".to_owned()
    };
    let bell = ui.selectable_label(view.is_open(), text);
    let name = format!("{BELL_NAME}: {unread} unread");
    let is_open = view.is_open();
    bell.widget_info(|| WidgetInfo::selected(Role::Button, true, is_open, &name));
    let bell = bell.on_hover_text("Notifications");
    if bell.clicked() {
        let intent = if view.is_open() {
            NotificationsIntent::Close
        } else {
            NotificationsIntent::Open
        };
        intents.push(intent.into());
    }
}

/// The list's window, while it is open.
pub fn notifications_window_ui(
    ctx: &egui::Context,
    view: &NotificationsView,
    intents: &mut Vec<Intent>,
) {
    let Some(list) = &view.list else { return };
    let mut open = true;
    let screen = ctx.content_rect().size();
    egui::Window::new("Notifications")
        .collapsible(false)
        .movable(false)
        .open(&mut open)
        .anchor(egui::Align2::RIGHT_TOP, [-8.0, 40.0])
        .default_size([
            520.0_f32.min(screen.x - 16.0),
            480.0_f32.min(screen.y - 64.0),
        ])
        .max_width(screen.x - 16.0)
        .max_height(screen.y - 64.0)
        .show(ctx, |ui| {
            header_ui(ui, view, list, intents);
            ui.separator();
            desktop_ui(ui, view, intents);
            ui.separator();
            list_ui(ui, list, intents);
        });
    if !open {
        intents.push(NotificationsIntent::Close.into());
    }
}

fn header_ui(
    ui: &mut Ui,
    view: &NotificationsView,
    list: &[Notification],
    intents: &mut Vec<Intent>,
) {
    ui.horizontal(|ui| {
        let unread = view.unread;
        ui.label(if unread == 0 {
            "Nothing unread".to_owned()
        } else {
            format!("{unread} unread")
        });
        let mark_all = ui.add_enabled(unread > 0, egui::Button::new("Mark all read"));
        if mark_all.clicked() {
            intents.push(NotificationsIntent::MarkAllRead.into());
        }
        if list.len() >= crate::app::view::notifications::LIST_LIMIT {
            ui.label(RichText::new(format!("the newest {} are listed", list.len())).weak());
        }
    });
}

/// Whether the desktop shows notifications, and the switch for each kind.
fn desktop_ui(ui: &mut Ui, view: &NotificationsView, intents: &mut Vec<Intent>) {
    let state = match &view.desktop {
        DesktopState::Checking => "Desktop notifications: asking the desktop…".to_owned(),
        DesktopState::Available { actions: true } => "Desktop notifications: on".to_owned(),
        DesktopState::Available { actions: false } => {
            "Desktop notifications: on (this desktop shows no buttons; they say where to go)"
                .to_owned()
        }
        DesktopState::Unavailable(reason) => {
            format!("Desktop notifications: unavailable — {reason}")
        }
    };
    ui.label(RichText::new(state).weak());
    egui::CollapsingHeader::new("Show on the desktop")
        .id_salt("desktop-switches")
        .show(ui, |ui| {
            for kind in NotificationKind::ALL {
                let mut on = view.preferences.shows_on_desktop(kind);
                let label = present::kind_label(kind);
                if ui.checkbox(&mut on, label).changed() {
                    intents.push(NotificationsIntent::SetDesktop(kind, on).into());
                }
            }
        });
}

/// Height of one row: a title line and a body line.
fn row_height(ui: &Ui) -> f32 {
    let line = ui.text_style_height(&egui::TextStyle::Body);
    line * 3.0 + ui.spacing().item_spacing.y * 3.0
}

fn list_ui(ui: &mut Ui, list: &[Notification], intents: &mut Vec<Intent>) {
    if list.is_empty() {
        ui.label("No notifications yet.");
        return;
    }
    let height = row_height(ui);
    egui::ScrollArea::vertical()
        .id_salt("notification-list")
        .auto_shrink([false, false])
        .show_rows(ui, height, list.len(), |ui, rows| {
            for notification in &list[rows] {
                row_ui(ui, notification, height, intents);
            }
        });
}

fn row_ui(ui: &mut Ui, notification: &Notification, height: f32, intents: &mut Vec<Intent>) {
    let (title, body) = present::notification_text(notification);
    let handled = present::handled_text(notification);
    let unread = notification.read_at.is_none();
    let width = ui.available_width();
    ui.allocate_ui(egui::vec2(width, height), |ui| {
        ui.set_min_height(height);
        ui.horizontal(|ui| {
            let when = present::local_minute(notification.created_at);
            let heading = if unread {
                RichText::new(format!("• {title}")).strong()
            } else {
                RichText::new(title.clone())
            };
            ui.label(RichText::new(when).weak());
            ui.label(heading);
        });
        ui.add(egui::Label::new(body).truncate());
        ui.horizontal(|ui| {
            let open = ui.link(link_text(notification));
            let open_name = format!("{}: {title}", link_text(notification));
            open.widget_info(|| WidgetInfo::labeled(Role::Link, true, &open_name));
            if open.clicked() {
                intents.push(NotificationsIntent::Follow(notification.id).into());
            }
            if unread {
                let mark = ui.small_button("Mark read");
                let mark_name = format!("Mark read: {title}");
                mark.widget_info(|| WidgetInfo::labeled(Role::Button, true, &mark_name));
                if mark.clicked() {
                    intents.push(NotificationsIntent::MarkRead(notification.id).into());
                }
            }
            if !handled.is_empty() {
                ui.label(RichText::new(handled).weak());
            }
        });
    });
}

/// What the link of a notification opens.
fn link_text(notification: &Notification) -> &'static str {
    match Destination::of(notification) {
        Destination::Respond => "Review",
        Destination::Details => "Details",
        Destination::Entry => "Open the entry",
    }
}
