//! The desktop identity agrees everywhere (issue 17): the window's app id,
//! the launcher's file name, `Icon` and `StartupWMClass`, the AppStream id
//! and its launchable, the icon files and the package's assets.

use latchkey::app::APP_ID;
use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

fn desktop_value(desktop: &str, key: &str) -> String {
    desktop
        .lines()
        .find_map(|line| line.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("the launcher has no {key}"))
        .to_owned()
}

#[test]
fn the_launcher_names_the_app_id_as_its_icon_and_window_class() {
    let desktop = read(&format!("packaging/{APP_ID}.desktop"));
    assert_eq!(desktop_value(&desktop, "Icon"), APP_ID);
    assert_eq!(desktop_value(&desktop, "StartupWMClass"), APP_ID);
    assert_eq!(desktop_value(&desktop, "Name"), "Latchkey");
    let exec = desktop_value(&desktop, "Exec");
    assert_eq!(exec, "latchkey", "the launcher takes no file arguments");
}

#[test]
fn the_appstream_id_and_launchable_are_the_app_id() {
    let metainfo = read(&format!("packaging/{APP_ID}.metainfo.xml"));
    assert!(metainfo.contains(&format!("<id>{APP_ID}</id>")));
    assert!(metainfo.contains(&format!(
        r#"<launchable type="desktop-id">{APP_ID}.desktop</launchable>"#
    )));
    assert!(metainfo.contains("<binary>latchkey</binary>"));
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let number = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes"));
    (number(16), number(20))
}

#[test]
fn every_icon_size_is_rendered_at_its_size_and_packaged() {
    let manifest = read("Cargo.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(manifest.contains(&format!(
        r#"["assets/{APP_ID}.svg", "usr/share/icons/hicolor/scalable/apps/", "644"]"#
    )));
    for size in [16, 24, 32, 48, 64, 128, 256, 512] {
        let file = format!("assets/icons/hicolor/{size}x{size}/apps/{APP_ID}.png");
        assert_eq!(png_size(&root.join(&file)), (size, size), "{file}");
        let asset = format!(r#"["{file}", "usr/share/icons/hicolor/{size}x{size}/apps/", "644"]"#);
        assert!(manifest.contains(&asset), "the package lacks {file}");
    }
}

#[test]
fn every_packaged_source_file_exists() {
    let manifest = read("Cargo.toml");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let deb = manifest
        .split("[package.metadata.deb]")
        .nth(1)
        .expect("Cargo.toml has [package.metadata.deb]");
    let assets = deb
        .split("assets = [")
        .nth(1)
        .expect("the package lists assets");
    let sources: Vec<&str> = assets
        .lines()
        .take_while(|line| line.trim() != "]")
        .filter_map(|line| line.trim().strip_prefix("[\""))
        .filter_map(|line| line.split('"').next())
        .collect();
    assert!(sources.len() > 10, "{sources:?}");
    for source in sources {
        // Built by cargo (the program) or by packaging/build-deb.sh (the manual page).
        if source.starts_with("target/") {
            continue;
        }
        assert!(
            root.join(source).is_file(),
            "{source} is packaged but missing"
        );
    }
}

#[test]
fn every_appstream_screenshot_is_in_the_repository() {
    let metainfo = read(&format!("packaging/{APP_ID}.metainfo.xml"));
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let images: Vec<&str> = metainfo
        .split("/main/")
        .skip(1)
        .filter_map(|rest| rest.split('<').next())
        .collect();
    assert!(!images.is_empty(), "the metainfo shows no screenshot");
    for image in images {
        assert!(image.starts_with("packaging/screenshots/"), "{image}");
        assert!(
            root.join(image).is_file(),
            "{image} is not in the repository"
        );
    }
}
