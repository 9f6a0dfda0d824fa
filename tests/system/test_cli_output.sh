#!/usr/bin/env bash
# What the CLI prints for a person: a listing ends with the command line
# that shows the next page, and that line, run as printed, does.
#   tests/system/test_cli_output.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=cli-output
source "$(dirname "$0")/../support/system_up.sh"

"$baosong" up --data "$data" > "$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do "$baosong" --data "$data" status > /dev/null 2>&1 && break; sleep 0.2; done
"$baosong" --data "$data" status > /dev/null || fail "the services did not come up"

"$baosong" --data "$data" unit add 滑縣 --level county > /dev/null
"$baosong" --data "$data" unit add 林州市 --level county > /dev/null
for n in 1 2 3; do
    "$baosong" --data "$data" submit --unit 滑縣 --title "第${n}篇" --body "正文正文正文正文正文 $n" > /dev/null
done

# A numeric cursor: the "more:" line is the command as typed, --after set.
"$baosong" --data "$data" reports --limit 2 > "$work/page1.txt"
more=$(grep '^more: ' "$work/page1.txt") || fail "no more: line in $(cat "$work/page1.txt")"
[ "$more" = "more: baosong --data $data reports --limit 2 --after 2" ] || fail "more line: $more"
eval "\"$baosong\"${more#more: baosong}" > "$work/page2.txt"
grep -q '第3篇' "$work/page2.txt" || fail "the next page lacks report 3: $(cat "$work/page2.txt")"
! grep -q '^more: ' "$work/page2.txt" || fail "the last page says there is more"
# A text cursor (unit names), and an earlier --after replaced, not repeated.
"$baosong" --data "$data" unit list --after= --limit 1 > "$work/units.txt"
grep -qx "more: baosong --data $data unit list --limit 1 --after 林州市" "$work/units.txt" \
    || fail "unit list's more line: $(cat "$work/units.txt")"
echo "cli output: listings say how to see the next page"
