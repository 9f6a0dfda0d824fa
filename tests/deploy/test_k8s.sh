#!/usr/bin/env bash
# The Kubernetes manifests, offline (there is no cluster here): well-formed,
# every reference resolves, probes run real commands, and they agree with
# docker/compose.yaml (tests/deploy/check_k8s.py), and every pod mounts the
# public certificates and its own secret key alone, read-only (as every
# compose service its own keys volume). Then the checker is shown to fail: a
# copy of the manifests with a probe naming another service, a Secret nobody
# makes, a port that does not exist, keys mounted writable or not at all,
# a pod given another's secret key, probes presenting a certificate the pod
# has no key of, and a compose file whose service mounts its keys writable,
# or another's, is refused.
#   tests/deploy/test_k8s.sh     (seconds; needs python3-yaml)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
python=/usr/bin/python3
"$python" "$top/tests/deploy/check_k8s.py" "$top/k8s" "$top/docker/compose.yaml"

work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-k8s-XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/k8s"
cp "$top"/k8s/* "$work/k8s/"
sed -i "0,/- intake$/s//- review/" "$work/k8s/intake.yaml"    # the startup probe
sed -i 's/name: baosong-gateway$/name: baosong-nowhere/' "$work/k8s/gateway.yaml"
sed -i 's/targetPort: stream$/targetPort: streem/' "$work/k8s/review.yaml"
sed -i 's/readOnly: true$/readOnly: false/' "$work/k8s/publication.yaml"
sed -i 's|mountPath: /etc/baosong/keys$|mountPath: /etc/baosong/other|' "$work/k8s/statistics.yaml"
sed -i 's/name: baosong-keys-mail$/name: baosong-keys-admin/' "$work/k8s/mail.yaml"   # another's key
sed -i '/name: BAOSONG_CERTIFICATE$/{n;s/value: review$/value: admin/}' "$work/k8s/review.yaml"
sed -e 's|- keys-mail:/etc/baosong/keys:ro$|- keys-mail:/etc/baosong/keys|' \
    -e 's|- keys-intake:/etc/baosong/keys:ro$|- keys-review:/etc/baosong/keys:ro|' \
    "$top/docker/compose.yaml" >"$work/compose.yaml"
cmp -s "$work/compose.yaml" "$top/docker/compose.yaml" && { echo "FAIL: the compose copy is not broken" >&2; exit 1; }
if "$python" "$top/tests/deploy/check_k8s.py" "$work/k8s" "$work/compose.yaml" >"$work/out" 2>&1; then
    cat "$work/out"; echo "FAIL: broken manifests passed the check" >&2; exit 1
fi
for expected in "baosong status intake" "unknown Secret" "targetPort streem" \
    "container publication: mounts the keys at /etc/baosong/keys writable" \
    "container statistics: mounts nothing at /etc/baosong/keys" \
    "container mail: mounts another program's secret key ['baosong-keys-admin']" \
    "container review: its probes present the certificate 'admin'" \
    "compose mail: does not mount the volume keys-mail read-only" \
    "compose intake: mounts keys not its own: ['keys-review']"; do
    grep -qF "$expected" "$work/out" || { cat "$work/out"; echo "FAIL: the check missed: $expected" >&2; exit 1; }
done
echo "PASS test_k8s"
