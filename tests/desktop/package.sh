#!/usr/bin/env bash
# The Debian package, built and installed for real (issue 17): builds it
# (packaging/build-deb.sh), validates the launcher and the AppStream
# metadata, runs lintian, installs it with apt-get (which resolves the
# Depends listed in Cargo.toml), runs the installed program, opens its window
# under Xvfb and waits for a window of class org.latchkey.Latchkey titled
# Latchkey with its icon, then removes the package. Installs what it needs itself.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
APP_ID=org.latchkey.Latchkey
START=$(date +%s)
log() { printf '[%3ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=()
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
command -v xdotool >/dev/null 2>&1 || missing+=(xdotool)
command -v xprop >/dev/null 2>&1 || missing+=(x11-utils)
command -v desktop-file-validate >/dev/null 2>&1 || missing+=(desktop-file-utils)
command -v appstreamcli >/dev/null 2>&1 || missing+=(appstream)
command -v lintian >/dev/null 2>&1 || missing+=(lintian)
if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi
# cargo-deb, pinned, kept under target/ so that later runs reuse it.
TOOLS=$ROOT/target/tools
if [ ! -x "$TOOLS/bin/cargo-deb" ]; then
    log "installing cargo-deb into target/tools"
    cargo install --quiet --locked --root "$TOOLS" cargo-deb --version 3.8.0
fi
export PATH=$TOOLS/bin:$PATH

log "building the package"
DEB=$(packaging/build-deb.sh)
log "built $DEB ($(du -h "$DEB" | cut -f1))"
dpkg-deb --contents "$DEB" | awk '{print $6}'

log "desktop-file-validate"
desktop-file-validate "packaging/$APP_ID.desktop"
log "appstreamcli validate --no-net"
appstreamcli validate --no-net "packaging/$APP_ID.metainfo.xml"
log "lintian (errors fail; warnings are listed)"
lintian --fail-on error --tag-display-limit 0 "$DEB"

WORK=$(mktemp -d /tmp/latchkey-package.XXXXXX)
PIDS=()
finish() {
    local status=$?
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if dpkg -s latchkey >/dev/null 2>&1; then
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get purge -y -qq latchkey >/dev/null || status=1
    fi
    [ $status -eq 0 ] || { echo "---- FAILED; the window said:"; cat "$WORK/window.log" 2>/dev/null || true; }
    rm -rf "$WORK"
    exit $status
}
trap finish EXIT

log "apt-get install ./$(basename "$DEB")"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$(realpath "$DEB")" >/dev/null
for file in /usr/bin/latchkey "/usr/share/applications/$APP_ID.desktop" \
    "/usr/share/metainfo/$APP_ID.metainfo.xml" "/usr/share/icons/hicolor/scalable/apps/$APP_ID.svg" \
    "/usr/share/icons/hicolor/48x48/apps/$APP_ID.png" /usr/share/man/man1/latchkey.1.gz \
    /usr/share/doc/latchkey/copyright /usr/share/doc/latchkey/README.md; do
    [ -e "$file" ] || { echo "not installed: $file" >&2; exit 1; }
done
version=$(/usr/bin/latchkey --version)
log "installed: $version"
expected=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
case "$version" in "latchkey $expected"*) ;; *) echo "unexpected version: $version" >&2; exit 1 ;; esac

export LATCHKEY_NO_KEYRING=1 HOME=$WORK/home
export XDG_DATA_HOME=$WORK/data XDG_CONFIG_HOME=$WORK/config XDG_STATE_HOME=$WORK/state
mkdir -p "$HOME"
latchkey init --demo --workspace "$WORK/demo.latchkey" >"$WORK/init.log"
head -n 1 "$WORK/init.log"

exec 3>"$WORK/display"
Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.2; done
export DISPLAY=:$(head -n1 "$WORK/display")
# LD_DEBUG=files names each library the program opens with dlopen.
LD_DEBUG=files LD_DEBUG_OUTPUT=$WORK/ld /usr/bin/latchkey --workspace "$WORK/demo.latchkey" --user alice \
    >"$WORK/window.log" 2>&1 &
PIDS+=($!)
log "started the installed latchkey on $DISPLAY; waiting for its window"
window=""
for _ in $(seq 100); do
    window=$(xdotool search --class "^$APP_ID\$" 2>/dev/null | while read -r id; do
        [ "$(xdotool getwindowname "$id")" = Latchkey ] && echo "$id"; done | head -n 1) || true
    [ -n "$window" ] && break
    sleep 0.2
done
[ -n "$window" ] || { echo "no window of class $APP_ID titled Latchkey within 20 s" >&2; exit 1; }
log "window $window: class $APP_ID, title \"$(xdotool getwindowname "$window")\""
# The window carries its icon (_NET_WM_ICON: width, height, then pixels).
xprop -id "$window" -notype 32c _NET_WM_ICON >"$WORK/icon"
grep -q '^_NET_WM_ICON = [1-9]' "$WORK/icon" ||
    { echo "the window has no icon (_NET_WM_ICON)" >&2; exit 1; }

# Every library the window opened itself comes from a package it depends on.
depends=$(dpkg-query -W -f='${Depends}' latchkey)
opened=$(cat "$WORK"/ld.* | sed -n 's|.*file=\([^ ]*\) .*dynamically loaded by /usr/bin/latchkey .*|\1|p' | sort -u)
[ -n "$opened" ] || { echo "LD_DEBUG saw no library opened by /usr/bin/latchkey" >&2; exit 1; }
for library in $opened; do
    package=$(dpkg -S "*/$library" 2>/dev/null | head -n 1 | cut -d: -f1)
    case ", $depends," in
        *", $package"[\ ,]*) log "opened $library, from $package: in Depends" ;;
        *) echo "opened $library from ${package:-no package}, which Depends lacks: $depends" >&2; exit 1 ;;
    esac
done

DEBIAN_FRONTEND=noninteractive $SUDO apt-get purge -y -qq latchkey >/dev/null
[ ! -e /usr/bin/latchkey ] || { echo "/usr/bin/latchkey is still there after purge" >&2; exit 1; }
log "removed the package; the package test passed"
