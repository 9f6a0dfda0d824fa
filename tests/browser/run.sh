#!/usr/bin/env bash
# The web console in a real browser: starts the whole system (`baosong up`)
# on a free loopback port in a folder of its own, registers the units and
# the people of console_day.mjs, installs playwright-core from the committed
# lockfile (npm ci; no browser download: Debian's chromium drives it) and
# runs the day. Screenshots go to BUILD_DIR/test-output/browser.
#   tests/browser/run.sh SOURCE_DIR BUILD_DIR [SCRIPT]
# SCRIPT (default tests/browser/console_day.mjs) is the node program run
# against the system: bench/console_first_page.mjs uses the same set-up.
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
for tool in node npm /usr/bin/chromium; do
    command -v "$tool" > /dev/null || { echo "FAIL: $tool is missing (scripts/deps --test installs it)" >&2; exit 1; }
done

# playwright-core from the lockfile, once per lockfile, in the build folder.
modules="$build_dir/browser-tests"
mkdir -p "$modules"
if ! cmp -s "$source_dir/tests/browser/package-lock.json" "$modules/package-lock.json" \
    || [ ! -d "$modules/node_modules/playwright-core" ]; then
    cp "$source_dir/tests/browser/package.json" "$source_dir/tests/browser/package-lock.json" "$modules/"
    (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error)
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-browser-XXXXXX")
data="$work/var"
source "$source_dir/tests/support/free_port.sh"
port=$(free_port)
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port
export BAOSONG_MAIL_LMTP=127.0.0.1:$((port + 1))
export BAOSONG_GATEWAY_WEB_ROOT="$source_dir/web"
export BAOSONG_REGISTRY_PASSWORD_COST=min # a loaded test machine logs in quickly
# Rendering an issue's PDF takes a second on a quiet machine and can take
# far longer on a loaded one: the gateway waits up to 15 s (twice) for an
# answer rather than the default 3 s.
export BAOSONG_REQUEST_TIMEOUT_MS=15000
# 組工信息 needs a leader's sign-off (簽發) before it is published.
cat > "$work/periodicals.txt" << 'PERIODICALS'
組工信息 | ZGXX | 安陽市委組織部 | city | no | yes
PERIODICALS
export BAOSONG_PUBLICATION_PERIODICALS_FILE="$work/periodicals.txt"
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -INT "$up_pid" 2> /dev/null && sleep 1
    [ -n "$up_pid" ] && kill -KILL "$up_pid" 2> /dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2> /dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -5 "$work/up.log" >&2 || true; exit 1; }

"$baosong" up --data "$data" > "$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do "$baosong" --data "$data" status > /dev/null 2>&1 && break; sleep 0.2; done
"$baosong" --data "$data" status > /dev/null || fail "the services did not come up"

password='a day in the console'
b() { "$baosong" --data "$data" "$@" > /dev/null; }
b unit add 安陽市 --level city
b unit add 林州市 --level county --parent 安陽市
b unit add 湯陰縣 --level county --parent 安陽市
person() { # login name roles [unit]
    "$baosong" --data "$data" officer add "$1" --name "$2" --roles "$3" ${4:+--unit "$4"} \
        --password-stdin <<< "$password" > /dev/null
}
person li 李信息員 officer 林州市
person zhang 張信息員 officer 湯陰縣
person wang 王編輯 editor
person liu 劉編發 publisher
person zhao 趙領導 leader
person admin 管理員 admin

out="$build_dir/test-output/browser"
rm -rf "$out"
BAOSONG_URL="http://127.0.0.1:$port" OUT="$out" PASSWORD="$password" MODULES="$modules/node_modules" \
    node "${3:-$source_dir/tests/browser/console_day.mjs}" || fail "$(basename "${3:-console_day.mjs}") failed"
