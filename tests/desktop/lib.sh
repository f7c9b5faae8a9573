# Shared by the desktop scripts (tests/desktop/*.sh): what they install, the
# build with test hooks, a private desktop (Xvfb, a session bus, dunst), and
# real Latchkey windows driven through their test hooks (src/app/script.rs).
# A script sources it, calls `desktop_enter "$@"` first (which re-runs the
# script inside `dbus-run-session`), then `desktop_start`.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$ROOT/target/desktop-test/latchkey
WINDOWS=()
PIDS=()

# Outside the session: installs what is missing, builds the window with its
# test hooks (the normal build's dependencies are reused), and runs the
# calling script again inside a private session bus.
desktop_enter() {
    if [ "${1:-}" = "--inside-session" ]; then
        return 0
    fi
    local missing=()
    command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)
    command -v dunst >/dev/null 2>&1 || missing+=(dunst)
    command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus)
    command -v xdotool >/dev/null 2>&1 || missing+=(xdotool)
    command -v jq >/dev/null 2>&1 || missing+=(jq)
    command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "installing: ${missing[*]}"
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo=sudo
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" >/dev/null
    fi
    (cd "$ROOT" && cargo build --locked --quiet --features test-hooks --bin latchkey)
    mkdir -p "$ROOT/target/desktop-test"
    # Replaced by a rename, so a copy still running elsewhere never blocks it.
    cp "$ROOT/target/debug/latchkey" "$BIN.new"
    mv -f "$BIN.new" "$BIN"
    exec dbus-run-session -- "$0" --inside-session
}

log() { printf '[%3ss] %s\n' "$(( $(date +%s) - START ))" "$*"; }

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

# What a window shows: its state file (src/app/script.rs).
state_has() { grep -qx -- "$2" "$WORK/$1/state" 2>/dev/null; }
state_of() { grep -m1 "^$2=" "$WORK/$1/state" | cut -d= -f2-; }
# Sends a command to a window.
send() { echo "$2" > "$WORK/$1/commands"; }

desktop_finish() {
    local status=$?
    if [ $status -ne 0 ]; then
        echo "---- FAILED; what each window last showed and said:"
        for name in "${WINDOWS[@]}"; do
            echo "== $name state:"; cat "$WORK/$name/state" 2>/dev/null || true
            echo "== $name log:"; tail -n 20 "$WORK/$name.log" 2>/dev/null || true
        done
        echo "== dunst history:"; history_summaries 2>/dev/null || true
    fi
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
    exit $status
}

# Asked without starting anything: the bus would otherwise start a dunst of its own.
notification_server_up() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications 2>/dev/null |
        grep -q 'boolean true'
}

# Inside the session: a scratch folder, Xvfb on a free display, dunst, and
# the demo workspace with a 2-minute preset duration.
desktop_start() {
    WORK=$(mktemp -d /tmp/latchkey-desktop.XXXXXX)
    WS=$WORK/workspace.latchkey
    START=$(date +%s)
    export LATCHKEY_NO_KEYRING=1
    export XDG_CONFIG_HOME=$WORK/config XDG_STATE_HOME=$WORK/state XDG_DATA_HOME=$WORK/data
    trap desktop_finish EXIT
    exec 3>"$WORK/display"
    Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
    PIDS+=($!)
    wait_until "[ -s '$WORK/display' ]" 20
    export DISPLAY=:$(head -n1 "$WORK/display")
    wait_until "xdotool getmouselocation >/dev/null 2>&1" 20
    dunst -config "$ROOT/tests/desktop/dunstrc" >"$WORK/dunst.log" 2>&1 &
    PIDS+=($!)
    wait_until notification_server_up 20
    log "Xvfb on $DISPLAY, $(dunst --version 2>&1 | head -n1) on a private session bus"
    "$BIN" init --demo --workspace "$WS" >/dev/null
    # A 2-minute preset, set directly in the file (the Settings tab of the
    # Administration window does the same through the service).
    sqlite3 "$WS" "UPDATE meta SET value = json_set(value, '\$.preset_durations_mins', json('[2,15,60]')) WHERE key = 'settings'"
}

# Starts a window named $1 on the workspace and signs in as $2 (password "demo").
start_window() {
    local name=$1 user=$2
    WINDOWS+=("$name")
    mkdir -p "$WORK/$name"
    mkfifo "$WORK/$name/commands"
    LATCHKEY_TEST_HOOKS=$WORK/$name "$BIN" --workspace "$WS" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!)
    eval "PID_${name//-/_}=$!"
    wait_until "state_has $name screen=sign-in" 60
    sign_in "$name" "$user"
}

# Signs window $1 in as $2. Windows signing in at the same moment can find
# the workspace locked by another's sign-in; the window then says so and
# keeps the password, and the person presses Enter again: so does this.
sign_in() {
    local name=$1 user=$2 attempt
    for attempt in $(seq 1 20); do
        send "$name" "sign-in $user demo"
        wait_until "state_has $name screen=main || grep -q '^error=.*locked by another program' '$WORK/$name/state'" 30
        state_has "$name" screen=main && return 0
        log "$name: the workspace was locked by another window's sign-in; trying again ($attempt)"
        sleep 1
    done
    return 1
}
