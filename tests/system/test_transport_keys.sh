#!/usr/bin/env bash
# CurveZMQ on every socket: a python3-zmq client with no key, a random key
# or a revoked key gets nothing from any command, stream or feed socket of
# a running system; the right certificates work (transport_refusal.py).
# Then principal_attacks.py: what holders of real keys must not do.
# Also: `baosong up` made the certificates, with private modes, and
# `baosong cert add|list|revoke` change what the services admit.
#   tests/system/test_transport_keys.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$(cd "$1" && pwd)
build_dir=$(cd "$2" && pwd)
baosong="$build_dir/baosong"
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-keys-XXXXXX")
data="$work/var"
# The gateway's HTTP port: a free one below the ephemeral range.
source "$source_dir/tests/support/free_port.sh"
port=$(free_port)
export BAOSONG_GATEWAY_HTTP=127.0.0.1:$port
up_pid=
cleanup() {
    [ -n "$up_pid" ] && kill -TERM "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null || true
    for f in "$data"/run/*.pid; do [ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; tail -20 "$work/up.log" >&2 || true; exit 1; }
bs() { "$baosong" --data "$data" "$@"; }

"$baosong" up --data "$data" > "$work/up.log" 2>&1 &
up_pid=$!
for _ in $(seq 100); do bs status > /dev/null 2>&1 && break; sleep 0.2; done
bs status > /dev/null || fail "the services did not come up"

# The first up made the certificates: folder 0700, secrets 0600.
[ "$(stat -c %a "$data/keys")" = 700 ] || fail "keys folder is not 0700"
for name in intake review publication statistics gateway mail admin; do
    [ -f "$data/keys/$name.cert" ] || fail "no certificate for $name"
    [ "$(stat -c %a "$data/keys/$name.cert_secret")" = 600 ] || fail "$name's secret is not 0600"
done
bs init | grep "already" > /dev/null || fail "a second init made certificates again"

# A reader with the role stream, and a certificate that is then revoked.
bs cert add reader --kind operator --login reader --roles stream > /dev/null
bs cert add gone --kind operator --login gone --unit 滑縣 --roles editor,stream > /dev/null
cp "$data/keys/gone.cert_secret" "$work/gone.cert_secret"
bs cert revoke gone > "$work/revoke.log"
grep -q "intake .*reloaded" "$work/revoke.log" || fail "intake did not reload: $(cat "$work/revoke.log")"
bs cert list | grep "gone .*revoked" > /dev/null || fail "cert list does not show gone revoked"
[ ! -e "$data/keys/gone.cert_secret" ] || fail "the revoked secret is still there"
bs unit add 滑縣 --level county > /dev/null

# Debian's python3, the one python3-zmq and python3-msgpack belong to.
BAOSONG="$baosong" /usr/bin/python3 "$source_dir/tests/system/transport_refusal.py" "$data" \
    "$work/gone.cert_secret" || fail "a socket answered the wrong client"

# Attacks with real keys: forged admins, one unit's key acting for
# another, streams without the role, revocation on every socket.
bs unit add 湯陰縣 --level county > /dev/null
bs cert add unita --kind operator --login unita --unit 滑縣 --roles officer > /dev/null
bs cert add spy --kind operator --login spy --unit 滑縣 --roles officer,stream > /dev/null
BAOSONG="$baosong" /usr/bin/python3 "$source_dir/tests/system/principal_attacks.py" "$data" \
    || fail "an attack with a real key succeeded"

# The CLI acts as its certificate's holder: it takes no name or role to
# act as.
for option in "--editor ghost-editor" "--role admin"; do
    out=$(bs claim 1 $option 2>&1) && fail "claim took $option"
    grep -q "unknown option" <<< "$out" || fail "claim $option: $out"
done

# Revoked while connected: the same certificate, held by the CLI, stops
# working at once.
bs cert add temp --kind operator --login temp > /dev/null
BAOSONG_CERTIFICATE=temp bs status > /dev/null || fail "a fresh certificate does not work"
cp "$data/keys/temp.cert_secret" "$work/temp.cert_secret"
bs cert revoke temp > /dev/null
cp "$work/temp.cert_secret" "$data/keys/temp.cert_secret"
cp "$data/keys/revoked/"temp.*.cert "$data/keys/temp.cert"
bs cert add other --kind operator --login other > /dev/null # every service reloads
set +e
BAOSONG_CERTIFICATE=temp BAOSONG_REQUEST_TIMEOUT_MS=300 BAOSONG_REQUEST_RETRIES=1 \
    bs reports > /dev/null 2>&1
status=$?
set -e
[ $status -ne 0 ] || fail "a revoked certificate put back in the folder still works"
echo "every socket refuses what it must"
