#!/usr/bin/env bash
# What the CLI prints for a person, in a newcomer's first hour:
#   - `baosong up` says where the console is, where the data lives, how to
#     stop, and commands to try, which work as printed from another folder;
#   - the CLI finds the running system from any folder, and says which;
#   - `status` waits as configured (request_timeout_ms), 500 ms otherwise;
#   - a listing ends with the command line that shows the next page;
#   - `queue --unit` shows a unit's critiques and scores without --json;
#   - claim answers in one line; adopt without --periodical names the flag;
#     decide --claim decides a queued case in one command, both in its trail;
#     decide of several reports decides each in one command, a line each;
#     more than 200 of them is a usage error that says the limit;
#     an urgent case's deadline shows until it is decided;
#   - every command takes --id, and a command left without a reply says
#     how to run it again so that it is done at most once;
#   - an unknown unit is named, in
#     English and Chinese; `ranking --by` lists the figures it takes;
#     `stats` says its order; `feed` prints the figures first;
#   - `unit add` refuses a name taken, in a sentence that names `unit set`;
#   - `periodicals put` adds a periodical and changes it;
#   - `rules list` lists every rules version, newest first, who loaded it
#     and when, the one in force marked.
#   tests/system/test_cli_output.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=cli-output
source "$(dirname "$0")/../support/system_up.sh"
export BAOSONG_RUN_FILE="$work/run-file"
mkdir "$work/elsewhere"

up_start

# The banner.
for line in "web console  http://$BAOSONG_GATEWAY_HTTP/" "data         $data " \
    "stop         Ctrl-C here" "(recorded in $BAOSONG_RUN_FILE)"; do
    grep -qF -- "$line" "$work/up.log" || fail "the banner lacks '$line': $(cat "$work/up.log")"
done
# Its commands, as printed, from another folder: status finds the system.
sed -n '/^Try, in another terminal:$/,$p' "$work/up.log" | sed -n 's/^  //p' | grep "$baosong" \
    > "$work/banner.sh"
[ "$(wc -l < "$work/banner.sh")" -ge 3 ] || fail "the banner has no commands: $(cat "$work/up.log")"
# Their status pings each service; on a loaded machine one may take longer
# than the quick default (500 ms) to answer, which is not what is tested
# here (the waits are, below): they run with a patient timeout.
(cd "$work/elsewhere" && BAOSONG_REQUEST_TIMEOUT_MS=10000 bash -e "$work/banner.sh") > "$work/banner.out" 2>&1 \
    || fail "the banner's commands failed: $(cat "$work/banner.out")"
grep -qF "system in $data (found in $BAOSONG_RUN_FILE)" "$work/banner.out" \
    || fail "status does not say which system it found: $(cat "$work/banner.out")"
grep -q "^registered $(date +%Y)-000001" "$work/banner.out" || fail "the banner's submit: $(cat "$work/banner.out")"
# Without the run file (another user, say) the CLI stays with ./var.
(cd "$work/elsewhere" && BAOSONG_RUN_FILE="$work/none" "$baosong" status) > "$work/alone.out" 2>&1 \
    && fail "status found a system without a run file"
grep -qF "no \`baosong up\` runs on $work/elsewhere/var" "$work/alone.out" \
    || fail "status from an empty folder: $(cat "$work/alone.out")"

# status waits as long as configured: a service stopped for a second is
# "not running" to the quick default, and running to a patient status.
intake_pid=$(cat "$data/run/intake.pid")
kill -STOP "$intake_pid"
rc=0; b status intake > "$work/stopped.out" 2>&1 || rc=$?
[ "$rc" = 3 ] && grep -q "^intake  *not running" "$work/stopped.out" \
    || { kill -CONT "$intake_pid"; fail "status of a stopped intake: $rc $(cat "$work/stopped.out")"; }
(sleep 1; kill -CONT "$intake_pid") &
BAOSONG_REQUEST_TIMEOUT_MS=20000 b status intake > "$work/patient.out" 2>&1 \
    || { kill -CONT "$intake_pid"; fail "status did not wait as configured: $(cat "$work/patient.out")"; }
wait $!

"$baosong" --data "$data" unit add 滑縣 --level county > /dev/null
"$baosong" --data "$data" unit add 林州市 --level county > /dev/null
for n in 2 3 4; do
    urgent=; [ "$n" = 2 ] && urgent=--urgent
    "$baosong" --data "$data" submit --unit 滑縣 --title "第${n}篇" --body "正文正文正文正文正文 $n" \
        $urgent > /dev/null
done

# A numeric cursor: the "more:" line is the command as typed, --after set.
"$baosong" --data "$data" reports --limit 2 > "$work/page1.txt"
more=$(grep '^more: ' "$work/page1.txt") || fail "no more: line in $(cat "$work/page1.txt")"
[ "$more" = "more: baosong --data $data reports --limit 2 --after 2" ] || fail "more line: $more"
eval "\"$baosong\"${more#more: baosong} --limit 3" > "$work/page2.txt"
grep -q '第4篇' "$work/page2.txt" || fail "the next page lacks report 4: $(cat "$work/page2.txt")"
! grep -q '^more: ' "$work/page2.txt" || fail "the last page says there is more"
# A text cursor (unit names), and an earlier --after replaced, not repeated.
"$baosong" --data "$data" unit list --after= --limit 1 > "$work/units.txt"
grep -qx "more: baosong --data $data unit list --limit 1 --after 林州市" "$work/units.txt" \
    || fail "unit list's more line: $(cat "$work/units.txt")"

cd "$work/elsewhere" # from here on the CLI finds the system by itself
# Claim in one line; adopt names --periodical when it is missing.
baosong() { "$baosong" "$@"; }
out=$(baosong claim 2)
[ "$(echo "$out" | wc -l)" = 1 ] && [[ $out == "report 2 ($(date +%Y)-000002) claimed by "* ]] \
    || fail "claim printed: $out"
rc=0; baosong decide 2 adopt --critique 好 2> "$work/adopt.err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "--periodical" "$work/adopt.err" || fail "adopt without --periodical: $rc $(cat "$work/adopt.err")"
# An urgent case shows its deadline until it is decided, then no more.
baosong case 2 > "$work/case.txt"
grep -q "^deadline: " "$work/case.txt" || fail "the undecided urgent case shows no deadline: $(cat "$work/case.txt")"
# A decision sent twice with one --id is made once; its reply comes again.
baosong decide 2 adopt --periodical 組工信息 --critique "寫得清楚。" --scores timeliness=9 --id d-2 > "$work/d1.txt"
baosong decide 2 adopt --periodical 組工信息 --critique "寫得清楚。" --scores timeliness=9 --id d-2 > "$work/d2.txt" \
    || fail "the same decision with the same --id was refused"
cmp -s "$work/d1.txt" "$work/d2.txt" || fail "the retried decision answered differently"
baosong case 2 > "$work/case.txt"
! grep -q "^deadline: " "$work/case.txt" || fail "the adopted case still shows its deadline: $(cat "$work/case.txt")"
baosong decide 2 adopt --periodical 組工信息 --critique "again" > /dev/null 2>&1 \
    && fail "a second decision (a fresh id) was accepted: the test cannot tell --id worked"
# --claim: a queued case claimed and decided in one command, both steps in
# its trail; without it the same case is refused (claim it first).
rc=0; baosong decide 4 decline --critique "暫不採用。" 2> "$work/unclaimed.err" || rc=$?
[ "$rc" != 0 ] && grep -q "claim it first" "$work/unclaimed.err" \
    || fail "deciding a queued case without --claim: $rc $(cat "$work/unclaimed.err")"
baosong decide 4 decline --claim --critique "暫不採用。" > "$work/claimed.txt" \
    || fail "decide --claim was refused"
grep -q "^report 4 (.*) declined, now declined$" "$work/claimed.txt" || fail "decide --claim printed: $(cat "$work/claimed.txt")"
baosong audit 4 > "$work/audit4.txt"
grep -qE "^ *[0-9]+ .* claim .* queued +claimed" "$work/audit4.txt" \
    && grep -qE "^ *[0-9]+ .* decline .* claimed +declined" "$work/audit4.txt" \
    || fail "the trail of decide --claim: $(cat "$work/audit4.txt")"
# Several reports, the same decision on each in one command (批量審核): a
# line each, a refused one (4, declined already) in its line without
# stopping the others, the count, and exit 1 for the refusal.
for n in 5 6; do
    baosong submit --unit 滑縣 --title "第${n}篇" --body "正文正文正文正文正文 $n" > /dev/null
done
for attempt in $(seq 100); do baosong case 6 > /dev/null 2>&1 && break; sleep 0.1; done
rc=0; baosong decide 5 4 6 decline --claim --critique "批量不採用。" > "$work/many.txt" || rc=$?
[ "$rc" = 1 ] || fail "decide of three with one refused exited $rc: $(cat "$work/many.txt")"
grep -qE "^ *5 +$(date +%Y)-000005 +declined *$" "$work/many.txt" \
    && grep -qE "^ *4 +$(date +%Y)-000004 +declined +conflict: .*already declined" "$work/many.txt" \
    && grep -qE "^ *6 +$(date +%Y)-000006 +declined *$" "$work/many.txt" \
    && grep -qx "2 decided, 1 refused" "$work/many.txt" \
    || fail "decide of several printed: $(cat "$work/many.txt")"
# More reports than one decide takes: a usage error that says the limit,
# not "unexpected argument", and nothing decided.
rc=0; baosong decide $(seq 1000 1200) decline --critique "太多。" 2> "$work/toomany.err" || rc=$?
[ "$rc" = 2 ] && grep -q "201 reports given: one decide takes at most 200" "$work/toomany.err" \
    || fail "decide of 201 reports: $rc $(cat "$work/toomany.err")"
# The unit reads its feedback without --json.
baosong queue --unit 滑縣 > "$work/feedback.txt"
grep -q "^$(date +%Y)-000002 adopted for 《組工信息》; scores: timeliness 9$" "$work/feedback.txt" \
    && grep -q "^  寫得清楚。$" "$work/feedback.txt" || fail "queue --unit: $(cat "$work/feedback.txt")"
# An unknown unit is an error that names it, in English and Chinese.
for command in "queue" "stats" "scores" "commission list" "notice list"; do
    rc=0; baosong $command --unit 不存在縣 > "$work/unknown.out" 2> "$work/unknown.err" || rc=$?
    [ "$rc" = 1 ] && grep -qF "unknown unit '不存在縣' (未登記的單位)" "$work/unknown.err" \
        && [ ! -s "$work/unknown.out" ] \
        || fail "$command --unit 不存在縣: $rc $(cat "$work/unknown.out" "$work/unknown.err")"
done
# A figure ranking does not know: a usage error that lists every figure.
rc=0; baosong ranking --by foo 2> "$work/ranking.err" || rc=$?
[ "$rc" = 2 ] || fail "ranking --by foo exited $rc: $(cat "$work/ranking.err")"
for figure in submitted adopted returned declined published adopted_province missed; do
    grep -qE "takes one of (.*, )?$figure(,|;)" "$work/ranking.err" \
        || fail "ranking --by foo does not list $figure: $(cat "$work/ranking.err")"
done
# stats says its order and keeps it: the tree, units of one parent by name.
baosong unit add 城關鎮 --level township --parent 滑縣 > /dev/null
baosong stats > "$work/stats.txt"
sed -n 2p "$work/stats.txt" | grep "^units in tree order: each after its parent" > /dev/null \
    || fail "stats does not say its order: $(head -3 "$work/stats.txt")"
grep -E "^ *(林州市|滑縣|城關鎮) " "$work/stats.txt" | awk '{print $1}' | tr '\n' ' ' > "$work/order.txt"
[ "$(cat "$work/order.txt")" = "林州市 滑縣 城關鎮 " ] || fail "stats order: $(cat "$work/stats.txt")"
grep -q "^  城關鎮 " "$work/stats.txt" || fail "城關鎮 is not indented under 滑縣: $(cat "$work/stats.txt")"
# unit add adds only: a name taken is refused in a sentence that says what
# changes a unit, and the unit stays as it was; unit set changes it.
rc=0; baosong unit add 城關鎮 --level county > "$work/again.out" 2> "$work/again.err" || rc=$?
[ "$rc" = 1 ] && [ ! -s "$work/again.out" ] \
    && grep -qxF "baosong: a unit named '城關鎮' is registered already, and add does not change it; \`baosong unit set 城關鎮 --level ...\` does" "$work/again.err" \
    || fail "unit add of a name taken: $rc $(cat "$work/again.out" "$work/again.err")"
baosong --json unit add 城關鎮 --level county > "$work/again.json" || true
grep -q '"reason": "taken"' "$work/again.json" || fail "unit add --json of a name taken: $(cat "$work/again.json")"
baosong unit list --parent 滑縣 | grep -qE "^城關鎮 +township +department +滑縣 +enabled" \
    || fail "unit add changed the unit: $(baosong unit list --parent 滑縣)"
baosong unit set 城關鎮 --level township --parent 滑縣 --kind section --disabled > "$work/set.out"
grep -qxF "unit 城關鎮 (township, section) under 滑縣  DISABLED" "$work/set.out" \
    || fail "unit set: $(cat "$work/set.out")"
baosong unit list --parent 滑縣 | grep -qE "^城關鎮 +township +section +滑縣 +disabled" \
    || fail "unit set did not change the unit: $(baosong unit list --parent 滑縣)"
baosong unit set 城關鎮 --level township --parent 滑縣 > /dev/null
# periodicals put adds a periodical and changes it; publication keeps it,
# a level it does not know is refused with the field.
baosong periodicals put 三農信息 --code SNXX --level county --issuing-unit 滑縣 > "$work/p1.out"
grep -qxF "periodical 三農信息 (SNXX, county, 滑縣), upward no, signoff no" "$work/p1.out" \
    || fail "periodicals put: $(cat "$work/p1.out")"
baosong periodicals put 三農信息 --code SNXX --level county --upward --signoff > /dev/null
baosong periodicals | grep -qE "^三農信息 +SNXX +county +yes +yes" \
    || fail "periodicals put did not change it: $(baosong periodicals)"
rc=0; baosong periodicals put 三農信息 --code SNXX --level galaxy > /dev/null 2> "$work/p2.err" || rc=$?
[ "$rc" = 1 ] && grep -q "level" "$work/p2.err" || fail "periodicals put of an unknown level: $rc $(cat "$work/p2.err")"
rc=0; baosong periodicals put 三農信息 --level county 2> "$work/p3.err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "--code" "$work/p3.err" || fail "periodicals put without --code: $rc $(cat "$work/p3.err")"
# rules list: two files loaded, both listed newest first, then the
# built-in version 0; the newest alone in force.
printf '[rules]\nname = 甲版\n' > "$work/rules-a.ini"
printf '[rules]\nname = 乙版\n[points]\nadopted = 2\n' > "$work/rules-b.ini"
baosong rules load "$work/rules-a.ini" > /dev/null
baosong rules load "$work/rules-b.ini" > /dev/null
baosong rules list > "$work/rules.txt"
head -1 "$work/rules.txt" | grep -qE "^ *VERSION +NAME +LOADED BY +LOADED AT +STATE *$" \
    || fail "rules list's header: $(cat "$work/rules.txt")"
[ "$(awk 'NR > 1 {print $1}' "$work/rules.txt" | tr '\n' ' ')" = "2 1 0 " ] \
    || fail "rules list is not newest first: $(cat "$work/rules.txt")"
grep -qE "^ *2 +乙版 +[^ ].* $(date +%Y)-[0-9-]+ [0-9:]+ +in force *$" "$work/rules.txt" \
    && grep -qE "^ *1 +甲版 +[^ ].* $(date +%Y)-[0-9-]+ [0-9:]+ *$" "$work/rules.txt" \
    && grep -qE "^ *0 +默认规则 +- +built in *$" "$work/rules.txt" \
    || fail "rules list: $(cat "$work/rules.txt")"
[ "$(grep -c "in force" "$work/rules.txt")" = 1 ] || fail "rules list marks more than one in force: $(cat "$work/rules.txt")"
# feed prints the current figures first, before any change comes.
"$baosong" feed > "$work/feed.out" 2>&1 &
feed_pid=$!
for _ in $(seq 150); do grep -q "^now " "$work/feed.out" && break; sleep 0.2; done
# (SIGTERM: a background job of a script ignores SIGINT; the CLI stops on both)
kill -TERM "$feed_pid" 2>/dev/null; wait "$feed_pid" || true
grep -qE "^now +滑縣  $(date +%Y-%m): submitted [1-9]" "$work/feed.out" \
    || fail "feed did not print the figures first: $(cat "$work/feed.out")"
# No reply (review's endpoint leads nowhere): say how to retry with the key.
rc=0; BAOSONG_REVIEW_COMMAND=tcp://127.0.0.1:9 baosong claim 3 2> "$work/retry.err" || rc=$?
[ "$rc" = 3 ] || fail "claim without a reply exited $rc"
grep -qE "^  baosong claim 3 --id [0-9a-zA-Z_-]+$" "$work/retry.err" || fail "no retry line: $(cat "$work/retry.err")"
echo "cli output: banner, any folder, next pages, feedback, --id and retries as a person needs them"
