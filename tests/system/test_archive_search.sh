#!/usr/bin/env bash
# Archive search (檢索): `baosong search` and GET /api/v1/search over a
# whole running system. Two issues are published (Traditional and
# Simplified texts); a query in either script finds both; every word must
# occur; the filters (periodical, unit, dates, level) narrow; a draft's
# items are not found until published; the words found are marked; bad
# queries are refused; restarting publication keeps the archive.
#   tests/system/test_archive_search.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
[ -n "${BAOSONG_TEST_TRACE:-}" ] && set -x
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-search-XXXXXX")
data="$work/var"
# The gateway's HTTP port: a free one below the ephemeral range.
source "$source_dir/tests/support/free_port.sh"
port=$(free_port)
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -TERM "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    [ -n "${BAOSONG_TEST_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/up.log" >&2 || true; exit 1; }
b() { "$baosong" --data "$data" "$@"; }
# The reg_nos a search finds, in rank order, on one line.
found() { b --json search "$@" | /usr/bin/python3 -c '
import json, sys
print(" ".join(hit["reg_no"] for hit in json.load(sys.stdin)["hits"]))'; }
reg() { b --json walk-in --unit "$1" --operator 趙文書 --title "$2" --body "$3" \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["reg_no"])'; }

"$baosong" up --data "$data" > "$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do b status > /dev/null 2>&1 && break; sleep 0.2; done
b status > /dev/null || fail "the services did not come up"

b unit add 安陽市 --level city > /dev/null
b unit add 林州市 --level county --parent 安陽市 > /dev/null
b unit add 湯陰縣 --level county --parent 安陽市 > /dev/null
r1=$(reg 林州市 "林州市基層黨建工作紮實推進" "林州市組織部門抓基層黨建，發展黨員三百名。")
r2=$(reg 湯陰縣 "汤阴县干部监督有新举措" "汤阴县强化干部监督，组织工作稳步推进。")
r3=$(reg 林州市 "林州市村委換屆選舉順利完成" "換屆選舉中，黨建引領作用明顯。")
for id in 1 2 3; do
    b claim $id > /dev/null
    periodical=組工信息; [ $id -eq 3 ] && periodical=重點上報信息
    b decide $id adopt --periodical $periodical --critique 好 > /dev/null
done
for _ in $(seq 100); do [ "$(b --json pending | grep -o '"report_id"' | wc -l)" -eq 3 ] && break; sleep 0.2; done
b issue create 組工信息 > /dev/null
b issue add 1 1 2 > /dev/null
b issue create 重點上報信息 > /dev/null
b issue add 2 3 > /dev/null

# A draft's items are not in the archive.
[ "$(found 党建)" = "" ] || fail "a draft's items were found: $(found 党建)"
b issue publish 1 > /dev/null
b issue publish 2 > /dev/null

# Either script finds both; titles rank first; every word must occur.
[ "$(found 党建)" = "$r1 $r3" ] || fail "党建: $(found 党建)"
[ "$(found 黨建)" = "$r1 $r3" ] || fail "黨建: $(found 黨建)"
[ "$(found 幹部監督)" = "$r2" ] || fail "幹部監督: $(found 幹部監督)"
[ "$(found 党建 换届)" = "$r3" ] || fail "党建 换届: $(found 党建 换届)"
[ "$(found 党建 干部)" = "" ] || fail "党建 干部: $(found 党建 干部)"
# Filters.
[ "$(found 党建 --periodical 重點上報信息)" = "$r3" ] || fail "periodical filter"
[ "$(found 推进 --unit 湯陰縣)" = "$r2" ] || fail "unit filter"
today=$(date +%F)
[ "$(found 党建 --from "$today" --to "$today")" = "$r1 $r3" ] || fail "date filter (today)"
[ "$(found 党建 --to 2000-01-01)" = "" ] || fail "date filter (the past)"
[ "$(found 党建 --level city)" = "$r1 $r3" ] || fail "level filter (city)"
[ "$(found 党建 --level province)" = "" ] || fail "level filter (province)"
b adoption "$r3" --level province --outlet 河南組工信息 --issue 第5期 > /dev/null
[ "$(found 党建 --level province)" = "$r3" ] || fail "an adoption at province level"

# The text a person reads marks what was found.
out=$(b search 黨建 --limit 1)
grep -qF "【黨建】" <<< "$out" || fail "no mark in: $out"
grep -qF "2 found" <<< "$out" || fail "no total in: $out"
grep -qF "more: add --offset 1" <<< "$out" || fail "no next page in: $out"

# Bad input: clear errors.
set +e
out=$(b search "，。" 2>&1); status=$?
[ $status -eq 1 ] && grep -q "no words" <<< "$out" || fail "no words: $status $out"
out=$(b search 党建 --from 2026-02-30 2>&1); status=$?
[ $status -eq 1 ] && grep -q "not a date" <<< "$out" || fail "bad date: $status $out"
out=$(b search 2>&1); status=$?
[ $status -eq 2 ] || fail "no words at all: $status $out"
set -e

# HTTP: anyone signed in searches; fragments carry the marks.
echo secret-pw-123 | b officer add lin --name 林信息員 --unit 林州市 --roles officer --password-stdin > /dev/null
token=$(curl -sS -H 'Content-Type: application/json' \
    -d '{"login":"lin","password":"secret-pw-123"}' "http://127.0.0.1:$port/api/v1/login" \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth=(-H "Authorization: Bearer $token")
curl -sS "${auth[@]}" -o "$work/search.json" -G "http://127.0.0.1:$port/api/v1/search" \
    --data-urlencode q=黨建 --data-urlencode unit=林州市
/usr/bin/python3 - "$work/search.json" "$r1" "$r3" << 'PY' || fail "HTTP search: $(cat "$work/search.json")"
import json, sys
page = json.load(open(sys.argv[1]))
assert page["total"] == 2, page
assert [hit["reg_no"] for hit in page["hits"]] == sys.argv[2:], page
title = page["hits"][0]["title_fragments"]
assert [f["text"] for f in title if f.get("hit")] == ["黨建"], title
assert page["hits"][0]["issue"].endswith("第1期（總第1期）"), page["hits"][0]
PY
code=$(curl -sS "${auth[@]}" -o "$work/err" -w '%{http_code}' -G \
    "http://127.0.0.1:$port/api/v1/search" --data-urlencode q=党建 --data-urlencode level=galaxy)
[ "$code" = 400 ] && grep -q "no level 'galaxy'" "$work/err" || fail "HTTP bad level: $code $(cat "$work/err")"
code=$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/v1/search?q=x")
[ "$code" = 401 ] || fail "HTTP search without a login: $code"

# The archive is in publication's store: a restart keeps it.
kill -KILL "$(cat "$data/run/publication.pid")"
for _ in $(seq 100); do [ "$(found 党建 2>/dev/null)" = "$r1 $r3" ] && break; sleep 0.2; done
[ "$(found 党建)" = "$r1 $r3" ] || fail "after a restart: $(found 党建)"
echo "archive search: scripts, words, filters, marks, bad input, HTTP and restart all right"
