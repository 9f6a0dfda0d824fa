#!/usr/bin/env bash
# `baosong cert reload`: every running service reads its keys folder again
# when that folder was changed by something other than `cert add|revoke`
# here. This is compose's case (docker/cli): the admin's folder is not the
# services' own, a revocation is made in the admin's, copied into the
# services' folder (as baosong-keys-split does), and only then reloaded.
#   - an operator's certificate, admitted, is revoked in the admin's copy:
#     the services, reloaded on their unchanged folder, still answer it;
#   - the revocation copied into their folder: still answered until the
#     reload; after `cert reload` (exit 0, every service reached) no
#     service answers it, none restarted;
#   - `cert reload` with a service down exits 3.
#   tests/system/test_cert_reload.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=cert-reload
source "$(dirname "$0")/../support/system_up.sh"
services="intake review publication statistics mail"

as_op() {
    BAOSONG_KEYS_DIR="$work/op-keys" BAOSONG_CERTIFICATE=op BAOSONG_REQUEST_TIMEOUT_MS=1000 \
        BAOSONG_REQUEST_RETRIES=1 b "$@"
}
op_answered() { # which services answer op's ping ("" when none)
    local service answered=
    for service in $services; do
        as_op status "$service" > /dev/null 2>&1 && answered="$answered $service"
    done
    echo "${answered# }"
}
pids() { cat "$data"/run/*.pid | sort | tr '\n' ' '; }

up_start
b cert add op --kind operator --login op --roles officer > /dev/null
mkdir -m 0700 "$work/op-keys"
cp "$data"/keys/*.cert "$data/keys/op.cert_secret" "$work/op-keys/"
answered_by_all "its new certificate" op_answered
pids_before=$(pids)

# The admin's own copy of the folder, as compose's `keys` volume.
cp -a "$data/keys" "$work/admin-keys"
BAOSONG_KEYS_DIR="$work/admin-keys" b cert revoke op > /dev/null
answered_by_all "revoked in another folder only" op_answered

# The change copied into the services' folder (baosong-keys-split's way:
# the revoked certificate in first, then the certificate taken out).
mkdir -p -m 0700 "$data/keys/revoked"
cp -p "$work"/admin-keys/revoked/op.*.cert "$data/keys/revoked/"
rm -f "$data/keys/op.cert"
answered_by_all "revoked in the services' folder, before the reload" op_answered
b cert reload > "$work/reload.txt" || { cat "$work/reload.txt" >&2; fail "cert reload failed"; }
for service in $services; do
    grep -q "^$service .*reloaded" "$work/reload.txt" || { cat "$work/reload.txt" >&2; fail "$service did not reload"; }
done
answered=$(op_answered)
[ -z "$answered" ] || fail "op revoked and reloaded, yet answered by: $answered"
[ "$(pids)" = "$pids_before" ] || fail "a service restarted"
admitted=
for _ in $(seq 20); do b status > /dev/null 2>&1 && admitted=1 && break; sleep 0.5; done
[ -n "$admitted" ] || fail "the admin's own certificate is refused after the reload"

# A service that does not answer (stopped: `up` would restart one that
# ended): exit 3.
mail_pid=$(cat "$data/run/mail.pid")
kill -STOP "$mail_pid"
trap 'kill -CONT "$mail_pid" 2>/dev/null; cleanup' EXIT
status=0
b cert reload > "$work/reload.txt" 2>&1 || status=$?
kill -CONT "$mail_pid"
[ "$status" = 3 ] || { cat "$work/reload.txt" >&2; fail "cert reload with mail stopped exited $status, not 3"; }
grep -q "^mail .*not reached" "$work/reload.txt" || { cat "$work/reload.txt" >&2; fail "mail's silence not said"; }
echo "cert reload: a revocation copied into the services' folder takes effect at the reload, on every service, none restarted"
