#!/usr/bin/env bash
# Everything under data_dir is private (0700), whatever the umask and even
# when the folder was made by hand as 0755 beforehand: the data folder, run/
# (sockets, pid files), each service's store, the gateway's key folder and
# the mail outbox; the session key is 0600.
#   tests/system/test_private_folders.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=folders
source "$(dirname "$0")/../support/system_up.sh"

mkdir -m 0755 "$data"
umask 0002
up_start
for _ in $(seq 50); do [ -f "$data/gateway/session.key" ] && [ -d "$data/mail/outbox/new" ] && break; sleep 0.2; done
for folder in "$data" "$data/run" "$data/intake" "$data/review" "$data/publication" \
              "$data/statistics" "$data/gateway" "$data/mail" "$data/mail/outbox" "$data/mail/outbox/new"; do
    [ -d "$folder" ] || fail "$folder was not made"
    mode=$(stat -c %a "$folder")
    [ "$mode" = 700 ] || fail "$folder has mode $mode, not 700"
done
mode=$(stat -c %a "$data/gateway/session.key")
[ "$mode" = 600 ] || fail "the session key has mode $mode, not 600"
echo "private folders: data_dir and everything in it 0700 (umask 0002, data_dir made 0755)"
