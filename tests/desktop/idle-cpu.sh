#!/usr/bin/env bash
# What an idle window costs (issue 13): Alice's window shows an entry with an
# active grant (its banner counts down every second) while notifications are
# pending (its "ends soon" falls due in 45 min); Bob's window shows his
# dashboard. Over 10 s, prints how many frames each window ran and how much
# CPU it used. A measurement to rerun and compare, not a test (nothing is
# asserted about speed); same set-up as tests/desktop/notifications.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
desktop_enter "$@"
desktop_start

start_window bob bob
start_window alice alice
for name in bob alice; do
    wait_until "state_has $name screen=main" 30
    wait_until "state_has $name desktop=available" 30
done
sleep 2
dunstctl close-all
send alice "request Admin portal | 60 | bob | Idle measurement"
wait_until "state_has alice dialog=sent" 20
wait_until "[ \$(dunstctl count displayed) -eq 1 ]" 20
sleep 1
dunstctl action 0
wait_until "state_of bob dialog | grep -q '^respond '" 20
send bob "approve"
wait_until "state_has bob dialog=none" 20
send alice "open Admin portal"
wait_until "[ \"\$(state_of alice entry)\" != 0 ]" 20
dunstctl close-all
sleep 3

# utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TICKS_PER_SECOND=$(getconf CLK_TCK)
declare -A frames_before ticks_before
for name in bob alice; do
    pid_var="PID_${name}"
    frames_before[$name]=$(state_of "$name" frames)
    ticks_before[$name]=$(cpu_ticks "${!pid_var}")
done
sleep 10
echo "over 10 s of idling:"
for name in bob alice; do
    pid_var="PID_${name}"
    frames=$(( $(state_of "$name" frames) - frames_before[$name] ))
    ticks=$(( $(cpu_ticks "${!pid_var}") - ticks_before[$name] ))
    awk -v name="$name" -v frames="$frames" -v ticks="$ticks" -v hz="$TICKS_PER_SECOND" 'BEGIN {
        printf "    %-6s %3d frames, CPU %.2f s = %.1f %% of one core\n", name, frames, ticks / hz, ticks / hz / 10 * 100
    }'
done
