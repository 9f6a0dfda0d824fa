#!/usr/bin/env bash
# Two hosts on one machine: network namespaces joined by a veth pair.
#   host B (10.77.0.2): intake, review, publication
#   host A (10.77.0.1): statistics and the gateway, and the client
# Every arrow between them is tcp:// across the link: the gateway's
# commands to intake, statistics' streams from intake, review and
# publication. 10,000 reports are submitted through the gateway from host A
# (four clients, each report under its own Idempotency-Key, retried until
# acknowledged) while the link is cut twice and healed: first `ip link set
# down` for 5 s, then every packet silently dropped for 5 s (`tc netem loss
# 100%`, or iptables DROP where the kernel lacks netem), as when a router dies.
# Then: 10,000 acknowledged, 10,000 different reports, no report id beyond
# 10,000 (nothing registered twice or unacknowledged), and statistics on
# the far side counts exactly 10,000 (its streams resumed by themselves).
#   tests/deploy/test_netns.sh [BUILD_DIR]    (root; BAOSONG_NETNS_REPORTS=N)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: test_netns needs root (ip netns)" >&2
    exit 77
fi
# By default the programs scripts/test built (build-test/), else build/.
build=${1:-$top/build-test}
[ -n "${1:-}" ] || [ -x "$build/baosong-intake" ] || build=$top/build
[ -x "$build/baosong-intake" ] || "$top/scripts/build" "$build"
build=$(cd "$build" && pwd)
python=/usr/bin/python3
reports=${BAOSONG_NETNS_REPORTS:-10000}
clients=4
tag=$$
a=bsa$tag b=bsb$tag
veth_a=bsva$tag veth_b=bsvb$tag
ip_a=10.77.0.1 ip_b=10.77.0.2
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-netns-XXXXXX")
pids=()
cleanup() {
    local status=$?
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 1
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    if [ $status -ne 0 ]; then tail -n 15 "$work"/*.log >&2 2>/dev/null || true; fi
    ip netns del "$a" 2>/dev/null || true
    ip netns del "$b" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date +%T))"; }

step "two namespaces, one veth link"
ip netns add "$a"
ip netns add "$b"
ip link add "$veth_a" netns "$a" type veth peer name "$veth_b" netns "$b"
ip -n "$a" addr add "$ip_a/24" dev "$veth_a"
ip -n "$b" addr add "$ip_b/24" dev "$veth_b"
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set "$veth_a" up
ip -n "$b" link set "$veth_b" up

# Every process knows every address; each binds its own on its host.
export BAOSONG_INTAKE_COMMAND=tcp://$ip_b:5550 BAOSONG_INTAKE_STREAM=tcp://$ip_b:5551
export BAOSONG_REVIEW_COMMAND=tcp://$ip_b:5560 BAOSONG_REVIEW_STREAM=tcp://$ip_b:5561
export BAOSONG_PUBLICATION_COMMAND=tcp://$ip_b:5570 BAOSONG_PUBLICATION_STREAM=tcp://$ip_b:5571
export BAOSONG_STATISTICS_COMMAND=tcp://$ip_a:5580 BAOSONG_STATISTICS_FEED=tcp://$ip_a:5581
export BAOSONG_MAIL_COMMAND=tcp://$ip_a:5590 BAOSONG_GATEWAY_HTTP=127.0.0.1:8080
export BAOSONG_INTAKE_COMMAND_BIND=tcp://$ip_b:5550 BAOSONG_INTAKE_STREAM_BIND=tcp://$ip_b:5551
export BAOSONG_REVIEW_COMMAND_BIND=tcp://$ip_b:5560 BAOSONG_REVIEW_STREAM_BIND=tcp://$ip_b:5561
export BAOSONG_PUBLICATION_COMMAND_BIND=tcp://$ip_b:5570 BAOSONG_PUBLICATION_STREAM_BIND=tcp://$ip_b:5571
export BAOSONG_STATISTICS_COMMAND_BIND=tcp://$ip_a:5580 BAOSONG_STATISTICS_FEED_BIND=tcp://$ip_a:5581
# One keys folder for every process (CurveZMQ, docs/SECURITY.md): the
# certificates `baosong init` makes, as an operator copies them to hosts.
export BAOSONG_KEYS_DIR=$work/keys
"$build/baosong" --data "$work/cli" init >/dev/null
start() { # NAMESPACE SERVICE
    ip netns exec "$1" "$build/baosong-$2" --data "$work/$2" >"$work/$2.log" 2>&1 &
    pids+=($!)
}
step "intake, review, publication on B; statistics, gateway on A"
start "$b" intake
start "$b" review
start "$b" publication
start "$a" statistics
start "$a" gateway
on_a() { ip netns exec "$a" "$@"; }
cli() { on_a "$build/baosong" --data "$work/cli" "$@"; }
for _ in $(seq 120); do
    cli status intake review publication statistics gateway >/dev/null 2>&1 && break
    sleep 0.5
done
cli status intake review publication statistics gateway || fail "the services did not come up"

cli unit add 林州市 --level county >/dev/null
echo 'pw-林州-2026' | cli officer add linzhou --name 王信息員 --unit 林州市 --roles officer \
    --password-stdin >/dev/null
url=http://127.0.0.1:8080
token=$(on_a curl -sS --fail-with-body "$url/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"login":"linzhou","password":"pw-林州-2026"}' | "$python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')

step "$reports submits from A, the link cut twice"
loaders=()
for client in $(seq $clients); do
    : >"$work/acked-$client.txt"
    ip netns exec "$a" "$python" "$top/tests/deploy/submit_load.py" "$url" "$token" "c$client" \
        $((reports / clients)) "$work/acked-$client.txt" 2>"$work/client-$client.log" &
    pids+=($!)
    loaders+=($!)
done
acked() { cat "$work"/acked-*.txt | wc -l; }
wait_acked() { # N: until N reports are acknowledged (every client still going)
    until [ "$(acked)" -ge "$1" ]; do
        local alive=0
        for pid in "${loaders[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 1 ] || [ "$(acked)" -ge "$1" ] || fail "the clients stopped at $(acked)"
        sleep 0.2
    done
}
wait_acked $((reports / 5))
ip -n "$a" link set "$veth_a" down
echo "link down at $(acked) acknowledged"
sleep 5
ip -n "$a" link set "$veth_a" up
echo "link up at $(acked) acknowledged"
wait_acked $((reports / 2))
# Every packet dropped both ways, the link still up: netem where the
# kernel has it (sch_netem), else a DROP rule in each namespace.
if ip netns exec "$a" tc qdisc add dev "$veth_a" root netem loss 100% 2>/dev/null; then
    ip netns exec "$b" tc qdisc add dev "$veth_b" root netem loss 100%
    how=netem
    heal() { ip netns exec "$a" tc qdisc del dev "$veth_a" root; ip netns exec "$b" tc qdisc del dev "$veth_b" root; }
else
    for ns in "$a" "$b"; do
        ip netns exec "$ns" iptables -I INPUT -i "bsv${ns#bs}" -j DROP
        ip netns exec "$ns" iptables -I OUTPUT -o "bsv${ns#bs}" -j DROP
    done
    how="iptables DROP (no sch_netem)"
    heal() { for ns in "$a" "$b"; do
        ip netns exec "$ns" iptables -D INPUT -i "bsv${ns#bs}" -j DROP
        ip netns exec "$ns" iptables -D OUTPUT -o "bsv${ns#bs}" -j DROP
    done; }
fi
echo "every packet dropped ($how) at $(acked) acknowledged"
sleep 5
heal
echo "healed at $(acked) acknowledged"
for pid in "${loaders[@]}"; do wait "$pid" || { cat "$work"/client-*.log >&2; fail "a client failed"; }; done
cat "$work"/client-*.log

step "every acknowledged report once"
cat "$work"/acked-*.txt >"$work/acked.txt"
count=$(wc -l <"$work/acked.txt")
[ "$count" = "$reports" ] || fail "$count acknowledged, not $reports"
[ "$(awk '{print $2}' "$work/acked.txt" | sort -u | wc -l)" = "$reports" ] || fail "two acknowledgements name one report"
! awk '$4 != "registered"' "$work/acked.txt" | grep . > /dev/null || fail "a report was not registered as new"
highest=$(awk '$3 > max {max = $3} END {print max}' "$work/acked.txt")
[ "$highest" = "$reports" ] || fail "report ids go up to $highest: something was registered unacknowledged"
got=0
for _ in $(seq 240); do
    got=$(cli --json stats --period all --unit 林州市 | "$python" -c '
import json, sys
def rows(v):
    if isinstance(v, dict):
        if v.get("unit") == "林州市" and "submitted" in v: yield v["submitted"]
        for x in v.values(): yield from rows(x)
    elif isinstance(v, list):
        for x in v: yield from rows(x)
print(next(rows(json.load(sys.stdin)), 0))' 2>/dev/null || echo 0)
    [ "$got" = "$reports" ] && break
    sleep 0.5
done
[ "$got" = "$reports" ] || fail "statistics on A counts $got, not $reports"
echo "$reports acknowledged across a cut link: 0 lost, 0 doubled; statistics counts $got"
echo "PASS test_netns"
