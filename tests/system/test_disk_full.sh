#!/usr/bin/env bash
# A full disk: the data folder on a small tmpfs. Every command that writes
# gets a clear disk_full (the CLI's words, its JSON), reads still work, nothing
# stored before is lost or damaged, and when space returns the same service
# processes take commands again by themselves.
# Needs to mount a tmpfs (root, or CAP_SYS_ADMIN); skips (exit 77) only when
# mounting is impossible.
#   tests/system/test_disk_full.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-diskfull-XXXXXX")
data="$work/var"
mkdir "$data"
if ! mount -t tmpfs -o size=6m,mode=0700 baosong-disk-full "$data" 2> "$work/mount.err"; then
    echo "SKIP: cannot mount a tmpfs for the disk-full test: $(cat "$work/mount.err")"
    rm -rf "$work"
    exit 77
fi
# The gateway's HTTP port: a free one below the ephemeral range.
source "$source_dir/tests/support/free_port.sh"
port=$(free_port)
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -KILL "$up_pid" 2>/dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    sleep 0.2
    umount "$data" 2>/dev/null || umount -l "$data" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/up.log" >&2 || true; exit 1; }
b() { "$baosong" --data "$data" "$@"; }

"$baosong" up --data "$data" > "$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do b status > /dev/null 2>&1 && break; sleep 0.2; done
b status > /dev/null || fail "the services did not come up"
b unit add 滑縣 --level county > /dev/null
pids_before=$(cat "$data"/run/*.pid | sort | tr '\n' ' ')

# Fill the disk: a filler file takes what is left but 1 MiB, then reports
# of 48 KiB each until one is refused.
free_kib=$(df -k --output=avail "$data" | tail -1 | tr -d ' ')
[ "$free_kib" -gt 1024 ] || fail "the tmpfs has only $free_kib KiB free"
dd if=/dev/zero of="$data/filler" bs=1k count=$((free_kib - 1024)) status=none 2>/dev/null || true
yes 'abcdefghij滿盤測試正文' | head -n 1700 > "$work/body.txt" || true
stored=0
refused=
for i in $(seq 200); do
    if b --json submit --unit 滑縣 --title "滿盤測試 $i" --body-file "$work/body.txt" \
           --id "full-$i" > "$work/submit.json" 2>&1; then
        stored=$((stored + 1))
    else
        refused=$i
        break
    fi
done
[ -n "$refused" ] || fail "200 reports of 48 KiB fitted in 1 MiB?"
[ "$stored" -gt 0 ] || fail "not one report was stored before the disk was full: $(cat "$work/submit.json")"
grep -q '"code": "disk_full"' "$work/submit.json" || fail "submit $refused did not say disk_full: $(cat "$work/submit.json")"

# Every writing command says so, in words and as JSON; reads work.
set +e
out=$(b submit --unit 滑縣 --title 再試 --body-file "$work/body.txt" 2>&1); status=$?
set -e
[ $status -eq 1 ] || fail "submit on a full disk exited $status, not 1: $out"
grep -q "disk is full" <<< "$out" || fail "unclear message on a full disk: $out"
# A small write may still fit in pages the store has already freed; if
# not, it too is refused as disk_full, never with another error.
set +e
out=$(b --json unit add 林州市 --level county 2>&1)
set -e
grep -qE '"code": "disk_full"|"name": "林州市"' <<< "$out" || fail "unit add on a full disk: $out"
b reports --limit 100 > "$work/list.txt" || fail "reading the reports failed on a full disk"
[ "$(grep -c 滿盤測試 "$work/list.txt")" -eq "$stored" ] \
    || fail "$(grep -c 滿盤測試 "$work/list.txt") reports listed, $stored stored"
grep -q "滿盤測試 $refused\b" "$work/list.txt" && fail "the refused report $refused was stored"

# Space returns: the same processes take commands again, with no restart.
rm -f "$data/filler"
ok=
for _ in $(seq 50); do
    if b submit --unit 滑縣 --title 空間恢復 --body 正文 --id after-full > "$work/after.txt" 2>&1; then ok=1; break; fi
    sleep 0.2
done
[ -n "$ok" ] || fail "submit still refused after space returned: $(cat "$work/after.txt")"
b --json unit add 鶴壁市 --level county > /dev/null || fail "unit add refused after space returned"
pids_after=$(cat "$data"/run/*.pid | sort | tr '\n' ' ')
[ "$pids_before" = "$pids_after" ] || fail "services were restarted ($pids_before -> $pids_after)"
# Nothing lost or damaged: every stored report reads back whole, and review
# (whose store shares the disk) queues every one of them.
for i in $(seq "$stored"); do
    b --json report "$i" > "$work/one.json" || fail "report $i cannot be read back"
    grep -q "滿盤測試 $i\"" "$work/one.json" || fail "report $i came back wrong"
done
want=$((stored + 1))
for _ in $(seq 100); do
    queued=$(b --json queue --limit 100 2>/dev/null | grep -c '"report_id"' || true)
    [ "$queued" -ge "$want" ] && break
    sleep 0.2
done
[ "$queued" -ge "$want" ] || fail "review queued $queued of $want reports after space returned"
echo "disk full: $stored reports stored, then disk_full for every write; resumed by itself"
