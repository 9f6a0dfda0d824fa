# Shell tests that start a whole system with `baosong up` source this after
# setting $2 (BUILD_DIR) and NAME. It sets build_dir, baosong, work (a fresh
# temporary folder), data (work/var), port (a free one for the gateway) and
# a run file of its own, and gives:
#   up_start     start `baosong up --data $data` (log in work/up.log) and
#                wait until every service answers;
#   b ARGS...    baosong --data $data ARGS...;
#   configure KEY VALUE  add KEY = VALUE to the configuration file that
#                every process started here reads (BAOSONG_CONFIG);
#   fail TEXT    say why, with the end of up.log, and exit 1.
# On exit it stops what `up` started (SIGTERM, then SIGKILL for what is
# left) and removes work (kept with BAOSONG_TEST_KEEP=1). up_pid may be set
# by the test. BAOSONG_TEST_TRACE=1 traces every command.
[ -n "${BAOSONG_TEST_TRACE:-}" ] && set -x
source "$(dirname "${BASH_SOURCE[0]}")/free_port.sh"
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-$NAME-XXXXXX")
data="$work/var"
port=$(free_port)
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port
export BAOSONG_RUN_FILE="$work/run-file"
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -TERM "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    [ -n "${BAOSONG_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/up.log" >&2 2>/dev/null || true; exit 1; }
# answered_by_all WHAT ASK: every service of $services answers, as ASK (a
# function printing the services that answered) says, asked up to 5 times:
# a loaded machine may miss even a long wait, and asking again cannot turn
# a refusal into an answer.
answered_by_all() {
    local got
    for _ in 1 2 3 4 5; do
        got=$("$2")
        [ "$got" = "$services" ] && return 0
    done
    fail "$1: answered only by '$got'"
}
b() { "$baosong" --data "$data" "$@"; }
configure() {
    echo "$1 = $2" >> "$work/baosong.conf"
    export BAOSONG_CONFIG="$work/baosong.conf"
}
up_start() {
    "$baosong" up --data "$data" > "$work/up.log" 2>&1 &
    up_pid=$!
    # Once every service has answered, it is up: a second status could fail
    # on a loaded machine (a ping waits 500 ms) and say otherwise.
    local answered=
    for _ in $(seq 100); do b status > /dev/null 2>&1 && answered=1 && break; sleep 0.2; done
    [ -n "$answered" ] || fail "the services did not come up"
}
