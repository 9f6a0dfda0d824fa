#!/usr/bin/env bash
# The Kubernetes manifests, offline (there is no cluster here): well-formed,
# every reference resolves, probes run real commands, and they agree with
# docker/compose.yaml (tests/deploy/check_k8s.py). Then the checker is shown
# to fail: a copy of the manifests with a probe naming another service, a
# Secret nobody makes and a port that does not exist is refused.
#   tests/deploy/test_k8s.sh     (seconds; needs python3-yaml)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
python=/usr/bin/python3
"$python" "$top/tests/deploy/check_k8s.py" "$top/k8s" "$top/docker/compose.yaml"

work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-k8s-XXXXXX")
trap 'rm -rf "$work"' EXIT
cp "$top"/k8s/* "$work/"
sed -i "0,/- intake$/s//- review/" "$work/intake.yaml"    # the startup probe
sed -i 's/name: baosong-gateway$/name: baosong-nowhere/' "$work/gateway.yaml"
sed -i 's/targetPort: stream$/targetPort: streem/' "$work/review.yaml"
if "$python" "$top/tests/deploy/check_k8s.py" "$work" "$top/docker/compose.yaml" >"$work/out" 2>&1; then
    cat "$work/out"; echo "FAIL: broken manifests passed the check" >&2; exit 1
fi
for expected in "baosong status intake" "unknown Secret" "targetPort streem"; do
    grep -q "$expected" "$work/out" || { cat "$work/out"; echo "FAIL: the check missed: $expected" >&2; exit 1; }
done
echo "PASS test_k8s"
