#!/usr/bin/env bash
# The web console in a real browser: starts the whole system (`baosong up`)
# on a free loopback port in a folder of its own, registers the units and
# the people of console_day.mjs, installs playwright-core from the committed
# lockfile (npm ci; no browser download: Debian's chromium drives it) and
# runs the day. Screenshots go to BUILD_DIR/test-output/browser/PROGRAM
# (console_day, console_edges, ...).
# A second installation, the province's (the level above the day's city),
# runs beside it: the city forwards upward to it over its direct-report API
# with a token it issued, and reads its decisions back (UPPER_URL).
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
# The browser tests run side by side (ctest -j2): one installs, the others wait.
exec 9> "$modules/.install.lock"
flock 9
if ! cmp -s "$source_dir/tests/browser/package-lock.json" "$modules/package-lock.json" \
    || [ ! -d "$modules/node_modules/playwright-core" ]; then
    cp "$source_dir/tests/browser/package.json" "$source_dir/tests/browser/package-lock.json" "$modules/"
    (cd "$modules" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec 9>&-

work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-browser-XXXXXX")
data="$work/var"
upper="$work/upper"
source "$source_dir/tests/support/free_port.sh"
port=$(free_port)
upper_port=$(free_port)
while [ $((upper_port - port)) -ge -1 ] && [ $((upper_port - port)) -le 1 ]; do upper_port=$(free_port); done
export BAOSONG_GATEWAY_WEB_ROOT="$source_dir/web"
export BAOSONG_REGISTRY_PASSWORD_COST=min # a loaded test machine logs in quickly
# Rendering an issue's PDF takes a second on a quiet machine and can take
# far longer on a loaded one: the gateway waits up to 15 s (twice) for an
# answer rather than the default 3 s.
export BAOSONG_REQUEST_TIMEOUT_MS=15000
# 組工信息 needs a leader's sign-off (簽發) before it is published, and is
# sent upward; the province's 河南組工信息 is neither.
cat > "$work/periodicals.txt" << 'PERIODICALS'
組工信息 | ZGXX | 安陽市委組織部 | city | yes | yes
PERIODICALS
cat > "$work/upper-periodicals.txt" << 'PERIODICALS'
河南組工信息 | HNZG | 河南省委組織部 | province | no | no
PERIODICALS
up_pids=()
cleanup() {
    for pid in "${up_pids[@]}"; do kill -INT "$pid" 2> /dev/null || true; done
    [ ${#up_pids[@]} -gt 0 ] && sleep 1
    for pid in "${up_pids[@]}"; do kill -KILL "$pid" 2> /dev/null || true; done
    for f in "$data"/run/*.pid "$upper"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2> /dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -n 5 "$work"/*.log >&2 || true; exit 1; }

# up FOLDER PORT LOG [NAME=VALUE...]: one installation, its gateway on PORT
# (its mail on PORT + 1), the settings given to it alone.
up() {
    local folder=$1 at=$2 log=$3
    shift 3
    local where=(BAOSONG_GATEWAY_HTTP=127.0.0.1:$at BAOSONG_MAIL_LMTP=127.0.0.1:$((at + 1)))
    env "${where[@]}" "$@" "$baosong" up --data "$folder" > "$log" 2>&1 &
    up_pids+=($!)
    for _ in $(seq 150); do env "${where[@]}" "$baosong" --data "$folder" status > /dev/null 2>&1 && break; sleep 0.2; done
    env "${where[@]}" "$baosong" --data "$folder" status > /dev/null || fail "the services in $folder did not come up"
}

password='a day in the console'
person() { # folder login name roles [unit]
    "$baosong" --data "$1" officer add "$2" --name "$3" --roles "$4" ${5:+--unit "$5"} \
        --password-stdin <<< "$password" > /dev/null
}

# A program that moves the systems' clock (console_rest.mjs: an urgent
# report past its deadline) asks for it with BROWSER_CLOCK=yes: both
# systems read their clock's offset (ms) from a file of this run, which
# the program is given as CLOCK_FILE and rewrites (common/bs_clock.c).
clock=
if [ -n "${BROWSER_CLOCK:-}" ]; then
    clock="$work/clock"
    echo 0 > "$clock"
    export BAOSONG_CLOCK_FILE="$clock"
fi

# The province: it knows the city's unit and gave the city's system a token.
up "$upper" "$upper_port" "$work/upper.log" BAOSONG_PUBLICATION_LEVEL=province BAOSONG_PERIODICALS=河南組工信息 \
    BAOSONG_PUBLICATION_PERIODICALS_FILE="$work/upper-periodicals.txt"
"$baosong" --data "$upper" unit add 河南省委組織部 --level province > /dev/null
"$baosong" --data "$upper" unit add 安陽市 --level city --parent 河南省委組織部 > /dev/null
token=$("$baosong" --data "$upper" token create anyang-system --unit 安陽市 | grep -o "bst_[0-9a-f]*")
[[ $token == bst_* ]] || fail "no token from the province: $token"
person "$upper" zhou 周編輯 editor,publisher

export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port BAOSONG_MAIL_LMTP=127.0.0.1:$((port + 1))
up "$data" "$port" "$work/up.log" BAOSONG_PUBLICATION_LEVEL=city \
    BAOSONG_PUBLICATION_PERIODICALS_FILE="$work/periodicals.txt" \
    BAOSONG_PUBLICATION_UPWARD_URL="http://127.0.0.1:$upper_port" BAOSONG_PUBLICATION_UPWARD_TOKEN="$token" \
    BAOSONG_PUBLICATION_UPWARD_POLL_MS=200
b() { "$baosong" --data "$data" "$@" > /dev/null; }
b unit add 安陽市 --level city
b unit add 林州市 --level county --parent 安陽市
b unit add 湯陰縣 --level county --parent 安陽市
person "$data" li 李信息員 officer 林州市
person "$data" zhang 張信息員 officer 湯陰縣
person "$data" wang 王編輯 editor
person "$data" liu 劉編發 publisher
person "$data" zhao 趙領導 leader
person "$data" admin 管理員 admin

# A program may act as a channel the browser has no page for (the hotline
# operator's `baosong phone`) through the CLI: BAOSONG_CLI, BAOSONG_DATA.
# Each program's screenshots in a folder of its own: the tests run side by
# side and each clears only its own.
script="${3:-$source_dir/tests/browser/console_day.mjs}"
out="$build_dir/test-output/browser/$(basename "$script" .mjs)"
rm -rf "$out"
BAOSONG_URL="http://127.0.0.1:$port" UPPER_URL="http://127.0.0.1:$upper_port" OUT="$out" PASSWORD="$password" MODULES="$modules/node_modules" CLOCK_FILE="$clock" \
    BAOSONG_CLI="$baosong" BAOSONG_DATA="$data" node "$script" || fail "$(basename "$script") failed"
