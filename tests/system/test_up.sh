#!/usr/bin/env bash
# `baosong up`: starts all four services and the gateway, restarts one that is killed with
# SIGKILL, refuses a second supervisor on the same data, says clearly when
# the system is not running (after the configured wait, or its own 2 × 2 s),
# and stops everything on Ctrl-C.
#   tests/system/test_up.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-up-XXXXXX")
data="$work/var"
# The gateway's HTTP port: a free one, so parallel tests do not collide.
source "$(dirname "$0")/../support/free_port.sh"
port=$(free_port)
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -KILL "$up_pid" 2>/dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/up.log" >&2 || true; exit 1; }

# Not running: a clear message and exit status 3, quickly.
set +e
out=$(BAOSONG_REQUEST_TIMEOUT_MS=300 "$baosong" --data "$data" submit --unit 滑縣 --title t --body b 2>&1)
status=$?
set -e
[ $status -eq 3 ] || fail "submit without a running system exited $status, not 3"
grep -q "intake is not answering" <<< "$out" || fail "unclear message: $out"
grep -q "baosong up" <<< "$out" || fail "the message does not say how to start it: $out"

"$baosong" up --data "$data" > "$work/up.log" 2>&1 &
up_pid=$!
answered=
for _ in $(seq 100); do "$baosong" --data "$data" status > /dev/null 2>&1 && answered=1 && break; sleep 0.2; done
[ -n "$answered" ] || fail "the services did not come up"

# A second supervisor on the same data is refused.
set +e
"$baosong" up --data "$data" > "$work/second.log" 2>&1
status=$?
set -e
[ $status -ne 0 ] || fail "a second up on the same data was accepted"
grep -qi "already" "$work/second.log" || fail "the second up did not say why: $(cat "$work/second.log")"

# Every service killed with SIGKILL comes back with a new pid, and data survives.
"$baosong" --data "$data" unit add 滑縣 --level county > /dev/null
"$baosong" --data "$data" submit --unit 滑縣 --title 滑縣月通報 --body 正文 > /dev/null
for service in intake review publication statistics gateway; do
    old=$(cat "$data/run/$service.pid")
    kill -KILL "$old"
    for _ in $(seq 100); do
        new=$(cat "$data/run/$service.pid" 2>/dev/null || echo "$old")
        [ "$new" != "$old" ] && "$baosong" --data "$data" status > /dev/null 2>&1 && break
        sleep 0.2
    done
    [ "$new" != "$old" ] || fail "$service was not restarted"
    grep -q "$service" "$work/up.log" || fail "up did not log the restart of $service"
done
"$baosong" --data "$data" report 1 | grep 滑縣月通報 > /dev/null || fail "the report did not survive the kills"

# Ctrl-C stops every service.
pids=$(cat "$data"/run/*.pid)
kill -INT "$up_pid"
for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$up_pid" 2>/dev/null && fail "up did not stop on Ctrl-C"
wait "$up_pid" || fail "up exited with an error after Ctrl-C"
up_pid=
for pid in $pids; do kill -0 "$pid" 2>/dev/null && fail "service $pid still running after Ctrl-C"; done

# Stopped, with its keys: a command is sent, not answered, and the CLI
# says how long it waited: the configured patience (file or environment),
# else its own 2 tries of 2 s.
set +e
out=$(BAOSONG_REQUEST_TIMEOUT_MS=300 "$baosong" --data "$data" submit --unit 滑縣 --title t --body b 2>&1)
status=$?
set -e
[ $status -eq 3 ] || fail "submit to a stopped system exited $status, not 3: $out"
grep -q "waited 2 tries of 300 ms" <<< "$out" || fail "the message does not say how long it waited: $out"
printf 'request_timeout_ms = 2500\nrequest_retries = 0\n' > "$work/patient.conf"
started=$(date +%s%3N)
set +e
out=$("$baosong" --config "$work/patient.conf" --data "$data" submit --unit 滑縣 --title t --body b 2>&1)
status=$?
set -e
waited=$(( $(date +%s%3N) - started ))
[ $status -eq 3 ] || fail "submit with a configured patience exited $status, not 3: $out"
grep -q "waited 1 try of 2500 ms" <<< "$out" || fail "the configured patience was not taken: $out"
[ "$waited" -ge 2500 ] || fail "the CLI gave up after $waited ms, before the configured 2500 ms"
out=$("$baosong" --data "$data" submit --unit 滑縣 --title t --body b 2>&1) && fail "submit: $out"
grep -q "waited 2 tries of 2000 ms" <<< "$out" || fail "the CLI's own patience is not 2 × 2 s: $out"
echo "up: starts, restarts, refuses a second supervisor and stops cleanly"
