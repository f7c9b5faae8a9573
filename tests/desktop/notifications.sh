#!/usr/bin/env bash
# Desktop integration test of notifications (issue 13; R-NOT-1, R-NOT-2,
# R-BEY-1, R-BEY-6): real Latchkey windows under Xvfb, on a private session
# bus (dbus-run-session) with a real notification server (dunst).
#
# One approver window (Bob) and two requester windows (Alice, twice) on one
# workspace file. Alice asks for "Admin portal" for 2 minutes; Bob's desktop
# shows the request, the script invokes its Review action through dunst
# (`dunstctl action`) and checks that Bob's window opened the response window
# on that request; Bob approves; Alice's windows are then unmapped (hidden),
# and the script waits for "ends soon" (30 s before the end: min(lead 60 min,
# length / 4)) and "ended". Finally `dunstctl history` must hold each expected
# notification exactly once, though Alice had two windows open.
#
# The windows are driven through the application's test hooks (a build with
# the `test-hooks` feature; see src/app/script.rs), which push the same
# intents as the buttons. Usage: tests/desktop/notifications.sh (installs
# xvfb, dunst and xdotool with apt-get where they are missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

if [ "${1:-}" != "--inside-session" ]; then
    missing=()
    command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
    command -v dunst >/dev/null 2>&1 || missing+=(dunst)
    command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus)
    command -v xdotool >/dev/null 2>&1 || missing+=(xdotool)
    command -v jq >/dev/null 2>&1 || missing+=(jq)
    command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
    # The real window, with its test hooks; the normal build's dependencies are reused.
    cargo build --locked --quiet --features test-hooks --bin latchkey
    mkdir -p target/desktop-test
    cp target/debug/latchkey target/desktop-test/latchkey
    exec dbus-run-session -- "$0" --inside-session
fi

# ---- inside a private session bus -------------------------------------------
BIN=$ROOT/target/desktop-test/latchkey
WORK=$(mktemp -d /tmp/latchkey-desktop.XXXXXX)
WS=$WORK/workspace.latchkey
PIDS=()
export LATCHKEY_NO_KEYRING=1
export XDG_CONFIG_HOME=$WORK/config XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data
START=$(date +%s)

log() { printf '[%3ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

finish() {
    local status=$?
    if [ $status -ne 0 ]; then
        echo "---- FAILED; what each window last showed and said:"
        for name in bob alice-1 alice-2; do
            echo "== $name state:"; cat "$WORK/$name/state" 2>/dev/null || true
            echo "== $name log:"; tail -n 20 "$WORK/$name.log" 2>/dev/null || true
        done
        echo "== dunst history:"; history_summaries || true
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
    exit $status
}
trap finish EXIT

# Waits up to $2 seconds for the command $1 to succeed.
wait_until() {
    local what=$1 limit=$2 started
    started=$(date +%s)
    until eval "$what"; do
        if [ $(( $(date +%s) - started )) -ge "$limit" ]; then
            echo "timed out after ${limit}s waiting for: $what" >&2
            return 1
        fi
        sleep 0.2
    done
}

# The summaries in dunst's history, one per line (closed ones only: close first).
history_summaries() {
    dunstctl history | jq -r '.data[0][] | .summary.data'
}

# How many notifications in the history have the summary $1.
count_in_history() {
    history_summaries | grep -cxF -- "$1" || true
}

# Moves what is displayed into the history, then says whether $1 is there.
arrived() {
    dunstctl close-all
    [ "$(count_in_history "$1")" -ge 1 ]
}

state_has() { grep -qx -- "$2" "$WORK/$1/state" 2>/dev/null; }
state_of() { grep -m1 "^$2=" "$WORK/$1/state" | cut -d= -f2-; }
send() { echo "$2" > "$WORK/$1/commands"; }

# ---- the desktop --------------------------------------------------------------
Xvfb :0 -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
PIDS+=($!)
export DISPLAY=:0
wait_until "xdpyinfo >/dev/null 2>&1 || xdotool getmouselocation >/dev/null 2>&1" 20
dunst -config "$ROOT/tests/desktop/dunstrc" >"$WORK/dunst.log" 2>&1 &
PIDS+=($!)
wait_until "dunstctl count displayed >/dev/null 2>&1" 20
log "Xvfb on $DISPLAY, dunst $(dunst --version 2>&1 | head -n1) on a private session bus"

# ---- the workspace: the demo, with a 2-minute preset duration -----------------
"$BIN" init --demo --workspace "$WS" >/dev/null
# The settings screen is issue 15; until then an administrator's setting is set directly.
sqlite3 "$WS" "UPDATE meta SET value = json_set(value, '\$.preset_durations_mins', json('[2,15,60]')) WHERE key = 'settings'"

start_window() {
    local name=$1
    mkdir -p "$WORK/$name"
    mkfifo "$WORK/$name/commands"
    LATCHKEY_TEST_HOOKS=$WORK/$name "$BIN" --workspace "$WS" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    eval "PID_${name//-/_}=$!"
    wait_until "state_has $name screen=sign-in" 60
}
for name in bob alice-1 alice-2; do start_window "$name"; done
send bob "sign-in bob demo"
send alice-1 "sign-in alice demo"
send alice-2 "sign-in alice demo"
for name in bob alice-1 alice-2; do
    wait_until "state_has $name screen=main" 30
    wait_until "state_has $name desktop=available" 30
done
log "three windows signed in: bob, alice, alice; each sees the notification server"

# What the demo's history left for each user is one summary per user.
wait_until "dunstctl close-all; [ \$(history_summaries | grep -c 'things happened while Latchkey was closed') -ge 2 ]" 20
sleep 2
dunstctl close-all

# ---- request -> Review from the desktop -> approve ----------------------------
send alice-1 "request Admin portal 2 bob Renew the licence"
wait_until "state_has alice-1 dialog=sent" 20
log "alice asked bob for Admin portal, 2 minutes"
wait_until "[ \$(dunstctl count displayed) -eq 1 ]" 20
sleep 1   # the window subscribes to the notification's actions once it is shown
dunstctl action 0
wait_until "state_of bob dialog | grep -q '^respond '" 20
REQUEST=$(state_of bob dialog | cut -d' ' -f2)
log "Review from the notification server opened bob's response window on request $REQUEST"
send bob "approve"
wait_until "state_has bob dialog=none" 20
APPROVED_AT=$(date +%s)
wait_until "arrived 'Access approved: Admin portal'" 20
log "approved; alice was told"

# ---- hidden windows still keep time -------------------------------------------
for pid in "$PID_alice_1" "$PID_alice_2"; do
    for window in $(xdotool search --pid "$pid" 2>/dev/null); do
        xdotool windowunmap "$window" || true
    done
done
log "alice's windows unmapped (hidden)"
wait_until "arrived 'Access ends soon: Admin portal'" 150
log "ends soon arrived $(( $(date +%s) - APPROVED_AT )) s after the approval (due at 90 s)"
wait_until "arrived 'Access ended: Admin portal'" 90
log "ended arrived $(( $(date +%s) - APPROVED_AT )) s after the approval (due at 120 s)"

# ---- each exactly once ----------------------------------------------------------
sleep 3
dunstctl close-all
echo "dunst history (oldest first):"
history_summaries | tac | sed 's/^/    /'
failed=0
for summary in \
    "Access request: Admin portal" \
    "Access approved: Admin portal" \
    "Access ends soon: Admin portal" \
    "Access ended: Admin portal"; do
    count=$(count_in_history "$summary")
    printf '    %-40s %s\n' "$summary" "$count"
    [ "$count" = 1 ] || failed=1
done
summaries_total=$(history_summaries | grep -c 'things happened while Latchkey was closed' || true)
printf '    %-40s %s\n' "backlog summaries (one per user)" "$summaries_total"
[ "$summaries_total" = 2 ] || failed=1
[ $failed = 0 ] || { echo "a notification did not arrive exactly once" >&2; exit 1; }
log "desktop notifications: each exactly once"
