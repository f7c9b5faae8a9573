#!/usr/bin/env bash
# Desktop integration test of two things a desktop, not a test harness,
# decides (issue 14), with a real window under Xvfb on a private session bus:
#
# 1. Locking with the screen: a screen saver's `ActiveChanged(true)` signal on
#    the session bus (as GNOME, KDE Plasma, Xfce send when the screen locks)
#    signs the window out, saying why; the same signal from an unrelated
#    interface does not.
# 2. Import… with no file dialog available: this bus has no desktop portal,
#    so Browse… must come back at once with nothing chosen (never hang),
#    and the typed path then reads and imports a KeePassXC CSV export.
#
# Usage: tests/desktop/screen-lock-and-import.sh (installs what it needs).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
desktop_enter "$@"
desktop_start

start_window ada admin
log "ada signed in"

# An unrelated ActiveChanged (a media player, say) changes nothing.
dbus-send --session --type=signal /org/example/Player org.example.Player.ActiveChanged boolean:true
sleep 2
state_has ada screen=main
log "an unrelated ActiveChanged signal left the window signed in"

# Import… : Browse… with no portal answers with nothing, at once.
cat > "$WORK/export.csv" <<'CSV'
"Group","Title","Username","Password","URL","Notes"
"Root/Printers","Hall printer","lp","printer-pw","",""
"Root/Printers","Print portal","ops","portal-pw","https://print.example.test",""
"Root","Router","admin","router-pw","",""
CSV
send ada "import $WORK/export.csv"
wait_until "grep -q '^dialog=import choosing' '$WORK/ada/state'" 10
send ada browse
wait_until "grep -q '^dialog=import choosing; no file chosen' '$WORK/ada/state'" 15
log "Browse… without a desktop portal came back with nothing chosen; the typed path stays"
send ada read
wait_until "grep -q '^dialog=import ready 4' '$WORK/ada/state'" 20
send ada import-start
wait_until "grep -q '^dialog=import done 4' '$WORK/ada/state'" 30
imported=$(sqlite3 "$WS" "SELECT count(*) FROM entries WHERE name IN ('Printers', 'Hall printer', 'Print portal', 'Router') AND deleted_at_ms IS NULL")
[ "$imported" = 4 ] || { echo "expected 4 imported entries, found $imported" >&2; exit 1; }
leaked=$(sqlite3 "$WS" "SELECT count(*) FROM audit_events WHERE details LIKE '%printer-pw%' OR details LIKE '%router-pw%'")
[ "$leaked" = 0 ] || { echo "an imported password reached the audit log" >&2; exit 1; }
log "the CSV export was imported: 1 folder, 3 items, no password in the audit log"

# The screen locks: the window signs out and says why.
dbus-send --session --type=signal /org/freedesktop/ScreenSaver org.freedesktop.ScreenSaver.ActiveChanged boolean:true
wait_until "state_has ada screen=sign-in" 10
grep -q '^notice=Latchkey locked itself when the screen locked' "$WORK/ada/state"
log "the screen saver's ActiveChanged(true) locked the window"
log "passed"
