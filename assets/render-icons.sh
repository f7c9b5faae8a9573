#!/usr/bin/env bash
# Renders the application icon (org.latchkey.Latchkey.svg) to the PNG sizes
# of the hicolor theme that desktops ask for. Run it after changing the SVG
# and commit the PNGs: building Latchkey does not need the renderer.
# Needs rsvg-convert (Debian: librsvg2-bin).
set -euo pipefail
cd "$(dirname "$0")"
id=org.latchkey.Latchkey
for size in 16 24 32 48 64 128 256 512; do
    dir="icons/hicolor/${size}x${size}/apps"
    mkdir -p "$dir"
    rsvg-convert --width "$size" --height "$size" "$id.svg" --output "$dir/$id.png"
done
echo "rendered $id.png in $(ls icons/hicolor | tr '\n' ' ')"
