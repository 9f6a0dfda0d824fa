#!/usr/bin/env bash
# The CLI prints what people typed (titles, bodies, names) to a terminal:
# a report whose title holds terminal escape sequences (ESC [, OSC, CSI
# U+009B, BEL, CR) must come out with every control character replaced,
# in lists, in `report`, in errors, while an attachment saved to standard
# output stays byte for byte.
#   tests/system/test_cli_escapes.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=escapes
source "$(dirname "$0")/../support/system_up.sh"
# No C0 control but newline and tab, no DEL, no C1 (UTF-8 C2 80..C2 9F).
clean() { ! LC_ALL=C grep -qaP '[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]' "$1"; }

up_start

title=$'標題\e[2J\e]0;pwned\a\e[31m紅\r覆蓋\xc2\x9b31m\x08\x7f完'
"$baosong" --data "$data" unit add 滑縣 --level county > /dev/null
printf 'bytes \e[31m\x00\x9b\r\n' > "$work/raw.bin"
"$baosong" --data "$data" submit --unit 滑縣 --title "$title" --body $'正文\e[5m閃' \
    --attach "$work/raw.bin" > "$work/submit.out" 2>&1 || fail "submit: $(cat "$work/submit.out")"

# The data keeps what was sent (JSON escapes it) ...
"$baosong" --data "$data" --json report 1 > "$work/report.json"
grep -qi "u001b\[2J" "$work/report.json" && grep -qi "u009b31m" "$work/report.json" \
    || fail "the title was not stored (or not shown in JSON) as sent"
clean "$work/report.json" || fail "--json printed a raw control character"
# ... the text output shows it harmlessly.
for command in "report 1" "reports" "queue" "nosuch-$title"; do
    # shellcheck disable=SC2086
    "$baosong" --data "$data" $command > "$work/out.txt" 2>&1 || true
    clean "$work/out.txt" || fail "'${command:0:12}' printed a control character: $(od -c "$work/out.txt" | head)"
done
"$baosong" --data "$data" report 1 | grep '紅' > /dev/null || fail "the title's text is gone"
# An attachment to standard output is the file, byte for byte.
"$baosong" --data "$data" attachment 1 0 > "$work/back.bin"
cmp -s "$work/raw.bin" "$work/back.bin" || fail "the attachment changed on its way to stdout"
echo "cli escapes: control characters replaced in text output, attachments untouched"
