//! The Temporary Access banner (R-REQ-7, R-BEY-1, R-BEY-3).

use crate::app::view::banner::{BannerView, Tone};
use crate::app::view::intent::{AccessIntent, Intent};
use egui::{Color32, RichText, Ui};

fn colour(ui: &Ui, tone: Tone) -> Color32 {
    let dark = ui.visuals().dark_mode;
    match (tone, dark) {
        (Tone::Info, false) => Color32::from_rgb(0xDD, 0xEB, 0xF7),
        (Tone::Info, true) => Color32::from_rgb(0x1E, 0x33, 0x4A),
        (Tone::Active, false) => Color32::from_rgb(0xDC, 0xF2, 0xDC),
        (Tone::Active, true) => Color32::from_rgb(0x1F, 0x40, 0x26),
        (Tone::Warning, false) => Color32::from_rgb(0xFC, 0xEB, 0xC8),
        (Tone::Warning, true) => Color32::from_rgb(0x4A, 0x3A, 0x14),
        (Tone::Ended, false) => Color32::from_rgb(0xEC, 0xEC, 0xEC),
        (Tone::Ended, true) => Color32::from_rgb(0x33, 0x33, 0x33),
    }
}

/// The banner with its commands.
pub fn temporary_access_banner_ui(ui: &mut Ui, banner: &BannerView, intents: &mut Vec<Intent>) {
    egui::Frame::new()
        .fill(colour(ui, banner.tone))
        .corner_radius(6.0)
        .inner_margin(10.0)
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new("Temporary Access").small().strong());
            ui.label(RichText::new(&banner.headline).size(16.0).strong());
            if !banner.detail.is_empty() {
                ui.label(&banner.detail);
            }
            if banner.is_expiring_soon {
                ui.label("Your access ends soon. Need more time?");
            }
            ui.horizontal_wrapped(|ui| {
                if ui.button("View details").clicked() {
                    intents.push(AccessIntent::ShowDetails(banner.request_id).into());
                }
                if banner.can_extend {
                    let label = if banner.is_expiring_soon {
                        RichText::new("Request extension…").strong()
                    } else {
                        RichText::new("Request extension…")
                    };
                    if ui.button(label).clicked() {
                        intents.push(AccessIntent::RequestExtension(banner.request_id).into());
                    }
                }
                if banner.can_release && ui.button("Release access now…").clicked() {
                    intents.push(AccessIntent::AskRelease(banner.request_id).into());
                }
                if banner.can_revoke && ui.button("Revoke…").clicked() {
                    intents.push(AccessIntent::AskRevoke(banner.request_id).into());
                }
                if banner.can_cancel && ui.button("Cancel request").clicked() {
                    intents.push(AccessIntent::CancelRequest(banner.request_id).into());
                }
            });
        });
}
