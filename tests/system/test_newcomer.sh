#!/usr/bin/env bash
# Newcomer: on a clean clone, the README's run command brings the system up
# (the build saying how far it is) and the README's walk-through works as
# written; the start-up banner names every service that runs, and its
# commands work as printed, from another folder; scripts/test builds in
# folders of its own, so a running system keeps its programs.
#   tests/system/test_newcomer.sh SOURCE_DIR
# Clones SOURCE_DIR's committed HEAD (what CI and a newcomer get), runs
# `scripts/run` there, waits for `baosong status`, runs the commands between
# the walk-through markers of README.md, checks what they print, and stops
# the system with Ctrl-C (SIGINT) as a person would.
set -euo pipefail
source_dir=$(cd "${1:?usage: test_newcomer.sh SOURCE_DIR}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-newcomer-XXXXXX")
up_pid=
cleanup() {
    if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
        kill -INT "$up_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$up_pid" 2>/dev/null || true
    fi
    pkill -KILL -f "$work/baosong/build/baosong-" 2>/dev/null || true
    [ -n "${BAOSONG_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
# The gateway's HTTP port: a free one, so parallel tests do not collide.
source "$source_dir/tests/support/free_port.sh"
port=$(free_port)
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port

git clone -q "$source_dir" "$work/baosong"
cd "$work/baosong"

# The README's run command, exactly as the README gives it.
run_command=$(grep -m1 -E '^scripts/run' README.md | sed 's/ *#.*//')
[ "$run_command" = "scripts/run" ] || { echo "README has no 'scripts/run' line" >&2; exit 1; }
$run_command > "$work/run.log" 2>&1 &
up_pid=$!

# The build takes minutes, more on a loaded machine: wait for it as long as
# scripts/run builds (ctest's timeout bounds that), then for the services.
running() {
    kill -0 "$up_pid" 2>/dev/null || { echo "scripts/run exited:" >&2; tail -20 "$work/run.log" >&2; exit 1; }
}
while ! grep -q '^built ' "$work/run.log"; do running; sleep 1; done
# The build says how far it is as it goes (here a line every tenth).
[ "$(grep -cE '^  [0-9]+%  ' "$work/run.log")" -ge 3 ] \
    || { echo "the build showed no progress:" >&2; head -20 "$work/run.log" >&2; exit 1; }
for _ in $(seq 600); do
    if build/baosong status > /dev/null 2>&1; then break; fi
    running
    sleep 0.5
done
build/baosong status

# The walk-through block, as written.
sed -n '/<!-- walkthrough/,/<!-- end walkthrough -->/p' README.md \
    | sed -n '/^```sh$/,/^```$/p' | sed '1d;$d' > "$work/walkthrough.sh"
[ -s "$work/walkthrough.sh" ] || { echo "README has no walk-through block" >&2; exit 1; }
bash -e "$work/walkthrough.sh" > "$work/walkthrough.out" 2>&1 || {
    echo "the walk-through failed:" >&2; cat "$work/walkthrough.out" >&2; exit 1; }
cat "$work/walkthrough.out"

expect() {
    grep -qF -- "$1" "$work/walkthrough.out" || { echo "walk-through output lacks: $1" >&2; exit 1; }
}
year=$(date +%Y)
expect "registered $year-000001"
expect "registered $year-000003"
expect "《組工信息》${year}年第1期（總第1期）"
expect "published"
# The ranking among counties: 林州市 and 湯陰縣 tie at rank 1 with one adoption
# each, 殷都區 is 3rd.
grep -E '^county +1 +林州市 +1 ' "$work/walkthrough.out" > /dev/null || { echo "ranking lacks 林州市 at 1" >&2; exit 1; }
grep -E '^county +1 +湯陰縣 +1 ' "$work/walkthrough.out" > /dev/null || { echo "ranking lacks 湯陰縣 at 1" >&2; exit 1; }
grep -E '^county +3 +殷都區 +0 ' "$work/walkthrough.out" > /dev/null || { echo "ranking lacks 殷都區 at 3" >&2; exit 1; }

# The banner says where the console is, where the data lives and how to
# stop; its commands work as printed from another folder: the CLI finds
# the running system by itself and says which it found.
for line in "web console  http://$BAOSONG_GATEWAY_HTTP/" "data         $work/baosong/var " "Ctrl-C"; do
    grep -qF -- "$line" "$work/run.log" || { echo "the banner lacks: $line" >&2; exit 1; }
done
sed -n '/^Try, in another terminal:$/,$p' "$work/run.log" | sed -n 's/^  //p' \
    | grep -E '^(baosong|/[^ ]*/baosong) ' > "$work/banner.sh" || true
[ "$(wc -l < "$work/banner.sh")" -ge 3 ] || { echo "the banner has no commands to try" >&2; exit 1; }
mkdir "$work/elsewhere"
(cd "$work/elsewhere" && bash -e "$work/banner.sh") > "$work/banner.out" 2>&1 || {
    echo "the banner's commands failed:" >&2; cat "$work/banner.out" >&2; exit 1; }
grep -qF "system in $work/baosong/var (found in " "$work/banner.out" \
    || { echo "status elsewhere did not find the system:" >&2; cat "$work/banner.out" >&2; exit 1; }
grep -q "^registered $year-" "$work/banner.out" \
    || { echo "the banner's submit did not register:" >&2; cat "$work/banner.out" >&2; exit 1; }
# The banner counts the services that run: status finds each running.
services=$(sed -nE 's/^baosong is up: .* \(([0-9]+) services\)\.$/\1/p' "$work/run.log")
[ -n "$services" ] && [ "$(grep -cE '^[a-z]+ +running ' "$work/banner.out")" = "$services" ] \
    && [ "$services" -ge 6 ] \
    || { echo "the banner names ${services:-no} services:" >&2; cat "$work/run.log" "$work/banner.out" >&2; exit 1; }

# scripts/test builds in folders of its own, never in the one scripts/run
# runs the system from, so a system started by scripts/run keeps running
# while the tests are built and run.
folders() { sed -nE 's|.*scripts/build" "\$top/([^"]+)".*|\1|p' "$1"; }
run_folder=$(folders scripts/run)
test_folders=$(folders scripts/test)
[ "$run_folder" = build ] && [ -n "$test_folders" ] \
    && ! grep -qx "$run_folder" <<< "$test_folders" \
    || { echo "scripts/test builds in '$test_folders', scripts/run in '$run_folder'" >&2; exit 1; }

# Ctrl-C stops everything.
kill -INT "$up_pid"
for _ in $(seq 100); do kill -0 "$up_pid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$up_pid" 2>/dev/null; then echo "baosong up did not stop on Ctrl-C" >&2; exit 1; fi
wait "$up_pid" || { echo "baosong up exited with an error" >&2; exit 1; }
if pgrep -f "$work/baosong/build/baosong-" > /dev/null; then echo "services left running" >&2; exit 1; fi
up_pid=
echo "newcomer: the README's run command and walk-through work on a clean clone"
