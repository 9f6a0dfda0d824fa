# Shell tests that start a whole system with `baosong up` source this after
# setting $2 (BUILD_DIR) and NAME: it sets build_dir, baosong, work (a fresh
# temporary folder), data (work/var) and a free gateway port, and on exit
# kills what `up` started and removes work (kept with BAOSONG_TEST_KEEP=1).
# up_pid may be set by the test.
source "$(dirname "${BASH_SOURCE[0]}")/free_port.sh"
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-$NAME-XXXXXX")
data="$work/var"
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$(free_port)
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -KILL "$up_pid" 2>/dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    [ -n "${BAOSONG_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
