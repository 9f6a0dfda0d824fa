#!/usr/bin/env bash
# The same report by email and by phone is one report with two provenances:
# `baosong up` (with the mail service on a free LMTP port), a unit and an
# officer with an email address and a phone number, a GBK mail delivered
# over LMTP by swaks, then the same text phoned in with `baosong phone`.
#   tests/system/test_mail_phone.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-mail-phone-XXXXXX")
data="$work/var"
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -INT "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/up.log" >&2 || true; exit 1; }
b() { "$baosong" --data "$data" "$@"; }

BAOSONG_MAIL_LMTP=127.0.0.1:0 "$baosong" up --data "$data" > "$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do
    b status > /dev/null 2>&1 && [ -s "$data/run/mail-lmtp.address" ] && break
    sleep 0.2
done
b status | grep "^mail  *running" > /dev/null || fail "the mail service is not running under up"
address=$(cat "$data/run/mail-lmtp.address")

b unit add 滑縣 --level county > /dev/null
b officer add wang --name 王喆 --unit 滑縣 --roles officer \
    --email officer@county.example --phone 0372-5511234 > /dev/null

replies=$(swaks --protocol LMTP --server "${address%:*}" --port "${address##*:}" \
    --from officer@county.example --to reports@city.example \
    --data "@$source_dir/tests/data/mail/gbk_base64.eml" 2>&1 | grep '^<') || true
reg_no=$(echo "$replies" | sed -nE 's/.*250 2\.0\.0 <reports@city\.example> registered as ([0-9]+-[0-9]+).*/\1/p')
[ -n "$reg_no" ] || fail "no registration number in the LMTP reply: $replies"

phoned=$(b phone --caller 0372-5511234 --operator 張接線員 \
    --title "县委组织部召开基层党建工作推进会" \
    --body "县委组织部召开基层党建工作推进会。
会议部署了村（社区）“两委”换届准备工作，主持人：王喆。")
grep -q "duplicate of $reg_no" <<< "$phoned" || fail "the phoned-in copy is not a duplicate of $reg_no: $phoned"

report=$(b --json report "$reg_no")
channels=$(echo "$report" | python3 -c 'import json, sys; r = json.load (sys.stdin); print (" ".join (p["channel"] for p in r["provenances"]))')
[ "$channels" = "email phone" ] || fail "provenances are '$channels', not 'email phone': $report"
[ "$(b --json reports | python3 -c 'import json, sys; print (len (json.load (sys.stdin)["reports"]))')" = 1 ] \
    || fail "more than one report: $(b reports)"
echo "mail and phone: one report $reg_no with provenances $channels"
