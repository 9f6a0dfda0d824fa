#!/usr/bin/env bash
# A backup holds the keyring as it was when the backup was taken (each
# store's keyring and the keys folder), so restoring one taken before a
# revocation admits the revoked certificate again. docs/SECURITY.md ("Keys
# and backups") tells the operator to keep today's keys/revoked/ through a
# restore. This test restores the same backup both ways, with the revoked
# holder's key kept in a folder of its own as a thief would:
#   - plainly: the revoked key answers on every command socket again (why
#     the step is needed);
#   - with today's revoked/ copied into the restored keys folder before
#     the start: refused everywhere, while admin's key works.
# "Answered everywhere" asks again while a service is silent (a loaded
# machine can miss a wait); "answered by none" asks once, every service
# given the same long wait.
#   tests/system/test_restore_revocation.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=restore
source "$(dirname "$0")/../support/system_up.sh"
command -v mdb_copy > /dev/null || { echo "mdb_copy (lmdb-utils) is missing"; exit 77; }
services="intake review publication statistics mail"

# spy's CLI: its own keys folder, with every public certificate and spy's
# secret, so that nothing the operator does to var/keys takes it away.
as_spy() {
    BAOSONG_KEYS_DIR="$work/spy-keys" BAOSONG_CERTIFICATE=spy BAOSONG_REQUEST_TIMEOUT_MS=2000 \
        BAOSONG_REQUEST_RETRIES=1 b "$@"
}
# Which services answer spy's ping within 2 tries of 2 s ("" when none),
# all asked at once: a refused key is never answered, so the services'
# silence takes 4 s in all, and a ping of an admitted key that a loaded
# machine delays by seconds is still answered, not taken for a refusal
# (which would let "answered by none" pass with the key admitted).
spy_answered() {
    local service answered=
    local -A ping=()
    for service in $services; do
        as_spy status "$service" > /dev/null 2>&1 &
        ping[$service]=$!
    done
    for service in $services; do
        if wait "${ping[$service]}"; then answered="$answered $service"; fi
    done
    echo "${answered# }"
}
stop() {
    kill -TERM "$up_pid" && wait "$up_pid" || true
    up_pid=
}
# Put the backup in place of the stores and the keys (README.md's restore).
restore() {
    local s
    for s in statistics_kept statistics publication review intake keys gateway; do
        rm -rf "${data:?}/$s"
        cp -a "$work/backup/$s" "$data/$s"
    done
}

up_start
b cert add spy --kind operator --login spy --roles officer > /dev/null
mkdir -m 0700 "$work/spy-keys"
cp "$data"/keys/*.cert "$data/keys/spy.cert_secret" "$work/spy-keys/"
answered_by_all "its fresh certificate" spy_answered

# The backup README.md describes, taken while the system runs.
mkdir -m 0700 "$work/backup"
for s in statistics_kept statistics publication review intake; do
    mkdir -p "$work/backup/$s" && mdb_copy -c "$data/$s" "$work/backup/$s"
done
cp -a "$data/keys" "$work/backup/keys"
cp -a "$data/gateway" "$work/backup/gateway"

b cert revoke spy > /dev/null
answered=$(spy_answered)
[ -z "$answered" ] || fail "spy's revoked key is still answered by: $answered"
cp -a "$data/keys/revoked" "$work/revoked-today" # what the operator keeps

# A plain restore brings the keyring of the backup back: spy is admitted.
stop
restore
up_start
answered_by_all "after a plain restore (expected every service: the test's premise)" spy_answered

# The restore docs/SECURITY.md asks for: today's revocations kept.
stop
restore
cp -a "$work/revoked-today/." "$data/keys/revoked/"
up_start
b status > /dev/null || fail "admin's key is not answered after the restore"
answered=$(spy_answered)
[ -z "$answered" ] || fail "a restore that kept revoked/ still admits spy on: $answered"
b reports > /dev/null || fail "the restored system does not list reports"
echo "restore: a plain restore admits a key revoked since the backup; keeping revoked/ refuses it"
