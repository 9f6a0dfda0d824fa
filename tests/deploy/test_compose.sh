#!/usr/bin/env bash
# The containers as an operator runs them: docker/compose.yaml brought up
# with Debian's docker-compose 1.29 (or the compose BAOSONG_COMPOSE names:
# test_compose_v2.sh gives compose v2) from the image scripts/test-deploy
# built (BAOSONG_IMAGE, default baosong:latest), then
#   - every container healthy, `baosong status` answering in each, only the
#     gateway and LMTP published (on loopback), the image slim and locked
#     down (non-root, read-only root, no capabilities, no apt cache, no
#     gnupg suite);
#   - the CurveZMQ keys: made once by the one-shot service `keys` in the
#     volume `keys`, each service given its own volume keys-NAME (read-only)
#     with every public certificate and its own secret key alone (0600),
#     none in the image; a client with keys of its own is refused;
#   - a day's flow through the published ports: log in and submit over
#     HTTP, a report by mail over LMTP, review, publish, statistics;
#   - each service's process killed (SIGKILL) in turn while reports are
#     submitted over HTTP, each restarted by the engine (restart: always),
#     then `docker kill` of each in turn, brought back by `up -d`:
#     every acknowledged report is registered exactly once (intake has
#     it, statistics counts it once);
#   - `down` then `up`: every report and figure is still there, the keys
#     the same;
#   - an operator's certificate added and revoked with the cli service:
#     every running service refuses it at once, none restarted (docker/cli
#     copies the change to each service and has them reload);
#   - a backup of every store and the keys (docker/backup) taken while that
#     certificate was admitted, restored in place after its revocation:
#     every report back, the certificate still refused (today's revoked/
#     kept); then the volumes destroyed and the backup restored: every
#     report is back, under the old keys;
#   - the profile "metrics": Prometheus (Debian's, docker/prometheus) in the
#     gateway's network namespace takes its configuration and alert rules
#     (promtool check config) and scrapes the gateway's /metrics: its
#     target up, every service up (baosong_service_up), every series its
#     alerts name there; the host, not loopback to the gateway, is refused
#     /metrics;
#   - the profile "tls": nginx (Debian's, docker/tls) publishes HTTPS with
#     the certificate and key given as secrets (files, in no image), proxies
#     to the gateway, which is told it is behind TLS (HSTS), passes the live
#     feed on as it comes, and finds the gateway again after the engine
#     restarted it;
#   - the one-container mode (`baosong up`) reachable through -p;
#   - every container of the test removed with its anonymous volumes (the
#     image's VOLUME, Prometheus'): no volume any of them mounted is left.
#   tests/deploy/test_compose.sh        (root or the docker group; ~5 min)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/tests/support/free_port.sh"
python=/usr/bin/python3
image=${BAOSONG_IMAGE:-baosong:latest}
export BAOSONG_IMAGE=$image
export BAOSONG_PROMETHEUS_IMAGE=baosong-prometheus:test$$
export BAOSONG_TLS_IMAGE=baosong-tls:test$$
project=bsdeploy$$
export COMPOSE_PROJECT_NAME=$project
export BAOSONG_HTTP_PORT=$(free_port) BAOSONG_LMTP_PORT=$(free_port)
export BAOSONG_PUBLISH_ADDRESS=127.0.0.1 BAOSONG_HTTPS_ADDRESS=127.0.0.1 BAOSONG_HTTPS_PORT=$(free_port)
export BAOSONG_GATEWAY_BEHIND_TLS=1
# Health checked every second, not every 10: a container (re)started is
# healthy at its first check, and the test waits for that a few dozen times.
export BAOSONG_HEALTH_INTERVAL=1s
# A subnet of its own (172.31.x.0/24, x from 100 to 199) for the network.
export BAOSONG_SUBNET=172.31.$((100 + $$ % 100))
url=http://127.0.0.1:$BAOSONG_HTTP_PORT
work=$(mktemp -d "${TMPDIR:-/tmp}/baosong-deploy-XXXXXX")
# The profile tls's certificate and key (made in its step), as an operator
# gives them: files on the host.
export BAOSONG_TLS_CERTIFICATE=$work/tls/certificate.pem BAOSONG_TLS_KEY=$work/tls/key.pem
services=(intake review publication statistics gateway mail)
single=

# docker/backup and docker/restore run the same compose (BAOSONG_COMPOSE).
export BAOSONG_COMPOSE=${BAOSONG_COMPOSE:-docker-compose}
compose() { $BAOSONG_COMPOSE -f "$top/docker/compose.yaml" "$@"; }
# Every container of the test gone, with its anonymous volumes (-v: the
# image's VOLUME of the one container and the admin's, Prometheus').
teardown() {
    [ -n "$single" ] && docker rm -fv "$single" >/dev/null 2>&1 || true
    single=
    cli_down
    compose --profile cli --profile metrics --profile tls down -v --remove-orphans >/dev/null 2>&1 || true
}
cleanup() {
    local status=$?
    if [ $status -ne 0 ]; then
        echo "--- compose ps, logs (last lines) ---" >&2
        compose ps >&2 || true
        compose logs --tail=15 >&2 2>&1 || true
    fi
    teardown
    docker rmi "$BAOSONG_PROMETHEUS_IMAGE" "$BAOSONG_TLS_IMAGE" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $* ($(date +%T))"; }

# A service's container (docker-compose 1.29's own `ps` takes seconds).
container() {
    docker ps -aq --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=$1" --filter "label=com.docker.compose.oneoff=False"
}
# The admin's container: a one-off container of the service `cli` (the
# keys volume, admin's certificate) kept running, made again when a step
# stopped or removed it; its id in $work/admin. (`compose run` takes
# seconds each time; `docker exec` into this one does not.)
admin() {
    local admin
    admin=$(cat "$work/admin" 2>/dev/null || true)
    if [ -z "$admin" ] || [ "$(docker inspect -f '{{.State.Running}}' "$admin" 2>/dev/null)" != true ]; then
        [ -z "$admin" ] || docker rm -fv "$admin" >/dev/null 2>&1 || true
        admin=$(compose run -d --no-deps --entrypoint sleep cli infinity 2>/dev/null | tail -1)
        echo "$admin" >"$work/admin"
    fi
    echo "$admin"
}
# The admin's CLI there.
cli() { docker exec -i "$(admin)" baosong "$@"; }
# Before `down`: the one-off container would keep the network.
cli_down() { docker rm -fv "$(cat "$work/admin" 2>/dev/null)" >/dev/null 2>&1 || true; rm -f "$work/admin"; }
health() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$1"; }

# Wait (up to 120 s) until every service's container is running and healthy.
wait_healthy() {
    local service id
    for _ in $(seq 240); do
        local all=1
        for service in "${services[@]}"; do
            id=$(container "$service")
            [ -n "$id" ] && [ "$(health "$id")" = healthy ] || { all=0; break; }
        done
        [ $all = 1 ] && return 0
        sleep 0.5
    done
    for service in "${services[@]}"; do
        echo "$service: $(health "$(container "$service")")" >&2
    done
    fail "not every container became healthy"
}

# A figure of one unit from `baosong --json stats` (all periods).
figure() { # UNIT FIGURE
    cli --json stats --period all --unit "$1" | "$python" -c '
import json, sys
unit, name = sys.argv[1], sys.argv[2]
def rows(value):
    if isinstance(value, dict):
        if value.get("unit") == unit and name in value:
            yield value[name]
        for v in value.values(): yield from rows(v)
    elif isinstance(value, list):
        for v in value: yield from rows(v)
print(next(rows(json.load(sys.stdin)), 0))' "$1" "$2"
}

# Wait (up to 60 s) until the unit's figure is the wanted number.
wait_figure() { # UNIT FIGURE WANTED
    local got
    for _ in $(seq 120); do
        got=$(figure "$1" "$2" 2>/dev/null || echo "?")
        [ "$got" = "$3" ] && return 0
        sleep 0.5
    done
    fail "$1's $2 is $got, not $3"
}

http() { # METHOD PATH [JSON] -> body on stdout, fails on a non-2xx
    curl -sS --fail-with-body -X "$1" "$url$2" -H "Authorization: Bearer ${token:-}" \
        -H 'Content-Type: application/json' ${3:+-d "$3"}
}

step "compose up"
echo "compose: $BAOSONG_COMPOSE, $($BAOSONG_COMPOSE version | head -1)"
docker volume ls -q | sort >"$work/volumes-before"
compose config -q || fail "$BAOSONG_COMPOSE rejects docker/compose.yaml"
compose up -d --no-build 2>&1 | tail -3
wait_healthy

step "every container: status, user, read-only root, what is published"
for service in "${services[@]}"; do
    id=$(container "$service")
    docker exec "$id" baosong status "$service" >/dev/null \
        || fail "baosong status $service fails in its container"
    docker exec "$id" baosong status >"$work/status.txt" \
        || { cat "$work/status.txt" >&2; fail "baosong status fails in the $service container"; }
    [ "$(docker exec "$id" id -u)" = 10001 ] || fail "$service runs as $(docker exec "$id" id -u)"
    ! docker exec "$id" touch /usr/bin/x 2>/dev/null || fail "$service's root is writable"
    [ "$(docker inspect -f '{{.HostConfig.CapDrop}}' "$id")" = "[ALL]" ] || fail "$service keeps capabilities"
    [ "$(docker inspect -f '{{.HostConfig.RestartPolicy.Name}}' "$id")" = always ] || fail "$service: not restart always"
    # compose.yaml's limits: mem_limit 512m, cpus 1.0, pids_limit 256.
    limits=$(docker inspect -f '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}' "$id")
    [ "$limits" = "536870912 1000000000 256" ] \
        || fail "$service: limits (memory, nano-CPUs, pids) are $limits, not 512m, 1 CPU, 256"
    [ "$(docker inspect -f '{{.HostConfig.LogConfig.Config}}' "$id")" != "map[]" ] || fail "$service: no log rotation"
    published=$(docker port "$id" | sort | tr '\n' ' ')
    case $service in
        gateway) [ "$published" = "8080/tcp -> 127.0.0.1:$BAOSONG_HTTP_PORT " ] ;;
        mail) [ "$published" = "2424/tcp -> 127.0.0.1:$BAOSONG_LMTP_PORT " ] ;;
        *) [ -z "$published" ] ;;
    esac || fail "$service publishes '$published'"
done
docker exec "$(container mail)" test -s /var/lib/baosong/run/mail-lmtp.address \
    || fail "mail did not write run/mail-lmtp.address"
id=$(container intake)
! docker exec "$id" dpkg -s gnupg >/dev/null 2>&1 || fail "the image holds the gnupg suite"
! docker exec "$id" dpkg -s dirmngr >/dev/null 2>&1 || fail "the image holds dirmngr"
[ -z "$(docker exec "$id" sh -c 'ls /var/lib/apt/lists /var/cache/apt/archives 2>/dev/null | grep -E "\.deb$|_Packages"')" ] \
    || fail "the image keeps apt's lists or packages"

step "the keys: made once, each service its own secret key alone, read-only, none in the image"
keys_container=$(docker ps -aq --filter "label=com.docker.compose.project=$project" \
    --filter "label=com.docker.compose.service=keys")
[ -n "$keys_container" ] || fail "no container of the one-shot service keys"
[ "$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$keys_container")" = "exited 0" ] \
    || fail "the keys service did not end with 0"
for service in "${services[@]}"; do
    id=$(container "$service")
    [ "$(docker inspect -f '{{range .Mounts}}{{if eq .Destination "/etc/baosong/keys"}}{{.Name}} {{.RW}}{{end}}{{end}}' "$id")" \
        = "${project}_keys-$service false" ] || fail "$service does not mount the volume keys-$service read-only"
    ! docker exec "$id" touch /etc/baosong/keys/x 2>/dev/null || fail "$service can write the keys"
    docker exec "$id" sh -c 'cd /etc/baosong/keys && stat -c "%a %U %n" . *' >"$work/keys.txt"
    grep -qx "700 baosong ." "$work/keys.txt" || fail "$service's keys folder is not 0700"
    grep -qx "600 baosong $service.cert_secret" "$work/keys.txt" \
        || { cat "$work/keys.txt" >&2; fail "$service has no private $service.cert_secret"; }
    [ "$(grep -c '\.cert_secret$' "$work/keys.txt")" = 1 ] \
        || { cat "$work/keys.txt" >&2; fail "$service holds another program's secret key"; }
    for name in intake review publication statistics gateway mail admin; do
        grep -q " $name.cert$" "$work/keys.txt" || fail "$service lacks the certificate of $name"
    done
done
id=$(container intake)
[ -z "$(docker run --rm --entrypoint ls "$image" -A /etc/baosong/keys)" ] || fail "the image holds keys"
# The same client in the same network: admitted with the installation's
# keys, refused with a key pair of its own (CurveZMQ on every socket).
compose run --rm -T --entrypoint sh cli -c 'baosong status intake >/dev/null \
    && BAOSONG_KEYS_DIR=/tmp/own baosong init >/dev/null \
    && ! BAOSONG_KEYS_DIR=/tmp/own baosong status intake >/dev/null 2>&1' \
    || fail "a client with keys of its own was not refused (or the installation's were)"
keys_before=$(docker exec "$id" cat /etc/baosong/keys/intake.cert /etc/baosong/keys/admin.cert | sha256sum)

echo "image $image: $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1/1e6}')"

step "a day's flow through the published gateway and LMTP"
cli unit add 安陽市 --level city >/dev/null
cli unit add 湯陰縣 --level county --parent 安陽市 >/dev/null
cli unit add 林州市 --level county --parent 安陽市 >/dev/null
echo 'pw-湯陰-2026' | cli officer add tangyin --name 李信息員 --unit 湯陰縣 --roles officer \
    --email li@tangyin.example.cn --password-stdin >/dev/null
echo 'pw-林州-2026' | cli officer add linzhou --name 王信息員 --unit 林州市 --roles officer \
    --password-stdin >/dev/null
curl -sS --fail "$url/api/v1/health" >/dev/null || fail "the gateway is not reachable on $url"
tangyin=$(curl -sS --fail-with-body "$url/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"login":"tangyin","password":"pw-湯陰-2026"}' | "$python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
token=$tangyin
receipt=$(http POST /api/v1/reports '{"title":"湯陰縣在村級幹部中實行創業承諾","body":"湯陰縣推行創業承諾制。","kind":"highlight"}')
reg_no=$(echo "$receipt" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["reg_no"])')
http GET "/api/v1/reports/$reg_no" | grep 創業承諾 > /dev/null || fail "report $reg_no not readable over HTTP"
"$python" - "$BAOSONG_LMTP_PORT" <<'MAIL' || fail "LMTP refused the mail"
import smtplib, sys
from email.message import EmailMessage
message = EmailMessage()
message["From"] = "li@tangyin.example.cn"
message["To"] = "baosong@localhost"
message["Subject"] = "湯陰縣開展黨員冬訓"
message["Message-ID"] = "<deploy-test-1@tangyin.example.cn>"
message.set_content("湯陰縣組織黨員冬訓，覆蓋全縣。")
with smtplib.LMTP("127.0.0.1", int(sys.argv[1])) as lmtp:
    refused = lmtp.send_message(message)
    sys.exit(1 if refused else 0)
MAIL
wait_figure 湯陰縣 submitted 2
cli claim "$reg_no" >/dev/null
cli decide "$reg_no" adopt --periodical 組工信息 --critique "經驗做法有推廣價值。" >/dev/null
cli issue create 組工信息 >/dev/null
cli issue add 1 "$reg_no" >/dev/null
cli issue publish 1 >/dev/null
wait_figure 湯陰縣 adopted 1
wait_figure 湯陰縣 published 1

step "metrics: Prometheus (profile metrics) scrapes the gateway's /metrics"
# Built here from Debian's package (the build runs promtool check config).
docker build -q -t "$BAOSONG_PROMETHEUS_IMAGE" "$top/docker/prometheus" >/dev/null \
    || fail "the Prometheus image does not build (or promtool rejects its configuration)"
metrics_up=$SECONDS
compose --profile metrics up -d --no-build prometheus 2>&1 | tail -1
prometheus=$(container prometheus)
[ -n "$prometheus" ] || fail "no prometheus container"
docker exec "$prometheus" promtool check config /etc/prometheus/prometheus.yml >/dev/null \
    || fail "promtool rejects the configuration in the container"
[ "$(docker exec "$prometheus" id -un)" = prometheus ] || fail "prometheus does not run as its own user"
[ -z "$(docker port "$prometheus")" ] || fail "prometheus publishes a port"
# What Prometheus holds for an expression: the values, one a line.
promql() {
    docker exec "$prometheus" promtool query instant http://127.0.0.1:9090 "$1" 2>/dev/null \
        | sed -n 's/^.* => \([0-9.e+-]*\) @.*$/\1/p'
}
for _ in $(seq 120); do
    [ "$(promql 'up{job="baosong"}')" = 1 ] && [ "$(promql 'count(baosong_service_up == 1)')" = 5 ] \
        && [ "$(promql 'baosong_stream_consumer_lag{service="intake",consumer="statistics"}')" = 0 ] \
        && break
    sleep 1
done
[ "$(promql 'up{job="baosong"}')" = 1 ] || fail "Prometheus cannot scrape the gateway"
[ "$(promql 'count(baosong_service_up == 1)')" = 5 ] \
    || fail "not every service is up in Prometheus: $(promql 'baosong_service_up')"
[ "$(promql 'baosong_stream_consumer_lag{service="intake",consumer="statistics"}')" = 0 ] \
    || fail "no stream lag of statistics at intake in Prometheus"
# Every series the alert rules name is one the gateway gives (a misspelt
# name would make its alert never fire).
for name in $(grep -o 'baosong_[a-z_]*' "$top/docker/prometheus/alerts.yml" | sort -u); do
    [ -n "$(promql "count($name)")" ] || fail "alerts.yml names $name, which Prometheus has no series of"
done
code=$(curl -s -o /dev/null -w '%{http_code}' "$url/metrics")
[ "$code" = 403 ] || fail "/metrics answered $code to the host (not the gateway's loopback)"
echo "Prometheus scrapes the gateway: target up, 5 services up, every series of the alerts there" \
    "($((SECONDS - metrics_up)) s after up)"
# The kills below restart the gateway: Prometheus would keep the old
# network namespace (compose.yaml says so); it has been checked.
compose --profile metrics rm -sfv prometheus >/dev/null 2>&1

step "TLS: nginx (profile tls) in front of the gateway"
mkdir "$work/tls"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$BAOSONG_TLS_KEY" -out "$BAOSONG_TLS_CERTIFICATE" 2>/dev/null
chgrp 33 "$BAOSONG_TLS_KEY" && chmod 0640 "$BAOSONG_TLS_KEY"
docker build -q -t "$BAOSONG_TLS_IMAGE" "$top/docker/tls" >/dev/null || fail "the TLS image does not build"
[ -z "$(docker run --rm --network none --entrypoint sh "$BAOSONG_TLS_IMAGE" -c \
    'ls /run/secrets 2>/dev/null; grep -rl "PRIVATE KEY" /etc 2>/dev/null')" ] || fail "the TLS image holds a key"
compose --profile tls up -d --no-build tls 2>&1 | tail -1
tls=$(container tls)
[ -n "$tls" ] || fail "no tls container"
https=https://127.0.0.1:$BAOSONG_HTTPS_PORT
tls_curl() { curl -sS --cacert "$BAOSONG_TLS_CERTIFICATE" "$@"; }
tls_up() { # wait (up to 60 s) for the gateway's health over HTTPS
    for _ in $(seq 120); do tls_curl --fail -o /dev/null "$https/api/v1/health" 2>/dev/null && return 0; sleep 0.5; done
    docker logs --tail 20 "$tls" >&2
    fail "no answer over HTTPS on $https"
}
tls_up
[ "$(docker port "$tls" | tr '\n' ' ')" = "8443/tcp -> 127.0.0.1:$BAOSONG_HTTPS_PORT " ] \
    || fail "tls publishes '$(docker port "$tls")'"
[ "$(docker exec "$tls" id -un)" = www-data ] || fail "nginx does not run as www-data"
[ "$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.CapDrop}}' "$tls")" = "true [ALL]" ] \
    || fail "tls is not locked down"
tls_curl -D "$work/tls/headers" -o /dev/null "$https/api/v1/health"
grep -qi '^Strict-Transport-Security: ' "$work/tls/headers" || fail "no HSTS over HTTPS (gateway.behind_tls)"
! curl -s -o /dev/null "http://127.0.0.1:$BAOSONG_HTTPS_PORT/api/v1/health" -w '%{http_code}' | grep '^2' > /dev/null \
    || fail "plain HTTP is answered on the HTTPS port"
tls_login() { # LOGIN PASSWORD -> a session token, signed in over HTTPS
    tls_curl --fail-with-body "$https/api/v1/login" -H 'Content-Type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"$2\"}" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
token=$(tls_login tangyin 'pw-湯陰-2026')
# The live feed through the proxy (a leader's): a change arrives while the
# stream stays open (nothing buffered).
echo 'pw-安陽-2026' | cli officer add anyang --name 趙領導 --unit 安陽市 --roles leader --password-stdin >/dev/null
leader=$(tls_login anyang 'pw-安陽-2026')
tls_curl -N --max-time 60 -H "Authorization: Bearer $leader" "$https/api/v1/statistics/feed" >"$work/tls/feed" 2>/dev/null &
feed=$!
for _ in $(seq 60); do grep -q '^event: snapshot' "$work/tls/feed" && break; sleep 0.5; done
grep -q '^event: snapshot' "$work/tls/feed" || { kill "$feed" 2>/dev/null; fail "no snapshot from the live feed over HTTPS"; }
tls_curl --fail-with-body "$https/api/v1/reports" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"title":"湯陰縣經由加密通道報送","body":"經由反向代理。","kind":"highlight"}' >/dev/null \
    || { kill "$feed" 2>/dev/null; fail "no report submitted over HTTPS"; }
for _ in $(seq 60); do grep -q '^event: changed' "$work/tls/feed" && break; sleep 0.5; done
kill "$feed" 2>/dev/null || true
grep -q '^event: changed' "$work/tls/feed" || fail "the live feed passed no change through the proxy"
# The engine restarts a crashed gateway: nginx finds it again.
id=$(container gateway)
kill -KILL "$(docker inspect -f '{{.State.Pid}}' "$id")"
wait_healthy
tls_up
echo "HTTPS through nginx: the given certificate, HSTS, the live feed, the gateway found again after a crash"
# `down` below names no profile: no container of one may hold a network.
compose --profile tls rm -sfv tls >/dev/null 2>&1

step "each service killed in turn while reports are submitted"
token=$(curl -sS --fail-with-body "$url/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"login":"linzhou","password":"pw-林州-2026"}' | "$python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
: >"$work/acked.txt"
"$python" "$top/tests/deploy/submit_load.py" "$url" "$token" load 100000 "$work/acked.txt" "$work/stop" \
    2>"$work/load.log" &
loader=$!
acked() { wc -l <"$work/acked.txt"; }
more_acked() { # wait (up to 60 s) for 10 more acknowledgements
    local before
    before=$(acked)
    for _ in $(seq 300); do [ "$(acked)" -ge $((before + 10)) ] && return 0; sleep 0.2; done
    cat "$work/load.log" >&2
    fail "no report acknowledged for 60 s"
}
# A crash: the service's process killed with SIGKILL (as the OOM killer
# would), which `restart: always` answers.
for service in "${services[@]}"; do
    more_acked
    id=$(container "$service")
    restarts=$(docker inspect -f '{{.RestartCount}}' "$id")
    kill -KILL "$(docker inspect -f '{{.State.Pid}}' "$id")"
    wait_healthy
    [ "$(docker inspect -f '{{.RestartCount}}' "$id")" -gt "$restarts" ] \
        || fail "$service was not restarted after its process was killed"
    echo "$service killed (SIGKILL) and restarted; $(acked) reports acknowledged so far"
done
# `docker kill`: the engine takes it as the operator's stop and restarts
# nothing (Docker 20.10, whatever the policy); `up -d` brings it back.
for service in "${services[@]}"; do
    more_acked
    id=$(container "$service")
    docker kill "$id" >/dev/null
    docker wait "$id" >/dev/null
    compose up -d --no-build 2>&1 | grep -v "is up-to-date" || true
    wait_healthy
    echo "$service docker-killed and brought back by up -d; $(acked) acknowledged so far"
done
more_acked
touch "$work/stop"
wait "$loader" || { cat "$work/load.log" >&2; fail "the load did not finish"; }
cat "$work/load.log"
count=$(acked)
[ "$count" -ge 60 ] || fail "only $count reports acknowledged"
[ "$(awk '{print $2}' "$work/acked.txt" | sort -u | wc -l)" = "$count" ] \
    || fail "two acknowledgements name the same report"
! awk '$4 != "registered"' "$work/acked.txt" | grep . > /dev/null || fail "a load report was not registered as new"
wait_figure 林州市 submitted "$count"
# intake has each, with its own title (a sample of every 50th, and the last).
awk 'NR % 50 == 1 {print} END {print}' "$work/acked.txt" | while read -r key reg id status; do
    http GET "/api/v1/reports/$reg" | grep "第${key#load-}份" > /dev/null || fail "report $reg ($key) is not what was sent"
done
echo "$count reports acknowledged under kills: each registered once"

step "down and up: the volumes keep everything"
cli_down
compose down 2>&1 | tail -1
compose up -d --no-build 2>&1 | tail -1
wait_healthy
wait_figure 林州市 submitted "$count"
wait_figure 湯陰縣 published 1
token=$tangyin http GET "/api/v1/reports/$reg_no" | grep 創業承諾 > /dev/null || fail "report $reg_no lost by down/up"
[ "$(docker exec "$(container intake)" cat /etc/baosong/keys/intake.cert /etc/baosong/keys/admin.cert | sha256sum)" \
    = "$keys_before" ] || fail "up made new keys over the old ones"

step "a certificate revoked with the cli: refused by the running services at once"
# spy, an operator, keeps its own copy of its secret key (as a thief
# would), in a folder of its own that nothing the operator does touches.
compose run --rm -T cli cert add spy --kind operator --login linzhou --roles officer >/dev/null \
    || fail "cli cert add failed"
mkdir -m 0700 "$work/spy"
docker exec "$(admin)" tar -C /etc/baosong/keys -c . | tar -C "$work/spy" -x
find "$work/spy" -name '*.cert_secret' ! -name spy.cert_secret -delete
rm -rf "$work/spy/revoked"
chown -R 10001:10001 "$work/spy"
# Which services answer spy's ping, asked at once from the admin's
# container with spy's copy put in its /tmp ("" when none).
spy_answered() {
    tar -C "$work/spy" -c . | docker exec -i -e BAOSONG_KEYS_DIR=/tmp/spy -e BAOSONG_CERTIFICATE=spy \
        -e BAOSONG_REQUEST_TIMEOUT_MS=1000 -e BAOSONG_REQUEST_RETRIES=1 "$(admin)" sh -c '
        rm -rf /tmp/spy && mkdir -m 0700 /tmp/spy && tar -C /tmp/spy -x || exit 1
        for s in intake review publication statistics mail; do
            baosong status $s >/dev/null 2>&1 && echo $s &
        done; wait' | sort | tr '\n' ' '
}
[ "$(spy_answered)" = "intake mail publication review statistics " ] \
    || fail "spy's new certificate is not answered everywhere: '$(spy_answered)'"
"$top/docker/backup" "$work/backup" >/dev/null || fail "docker/backup failed"
restarts_before=$(for service in "${services[@]}"; do docker inspect -f '{{.RestartCount}} {{.State.StartedAt}}' "$(container "$service")"; done)
compose run --rm -T cli cert revoke spy >"$work/revoke.txt" 2>&1 || { cat "$work/revoke.txt" >&2; fail "cli cert revoke failed"; }
[ -z "$(spy_answered)" ] || fail "spy revoked, yet answered by: $(spy_answered)"
[ "$(for service in "${services[@]}"; do docker inspect -f '{{.RestartCount}} {{.State.StartedAt}}' "$(container "$service")"; done)" \
    = "$restarts_before" ] || fail "the revocation restarted a service"
for service in "${services[@]}"; do
    docker exec "$(container "$service")" sh -c 'ls /etc/baosong/keys/revoked' | grep '^spy\.' > /dev/null \
        || fail "$service's own keys do not hold spy's revocation"
done
echo "spy revoked: refused by every running service, none restarted"

step "restore in place: every report back, the certificate revoked since stays refused"
"$top/docker/restore" "$work/backup" >"$work/restore.txt" 2>&1 || { cat "$work/restore.txt" >&2; fail "docker/restore failed"; }
grep -q "spy.cert was revoked since the backup" "$work/restore.txt" \
    || { cat "$work/restore.txt" >&2; fail "restore did not leave out spy's revoked certificate"; }
wait_healthy
wait_figure 林州市 submitted "$count"
token=$tangyin http GET "/api/v1/reports/$reg_no" | grep 創業承諾 > /dev/null || fail "report $reg_no not restored in place"
[ -z "$(spy_answered)" ] || fail "the restore brought spy's revoked key back: answered by $(spy_answered)"
echo "restored in place: spy still refused everywhere"

step "backup, destroy, restore"
cli_down
compose down -v 2>&1 | tail -1
compose up -d --no-build 2>&1 | tail -1
wait_healthy
cli reports >"$work/empty.txt" 2>&1 || true
! grep -q 創業承諾 "$work/empty.txt" || fail "the volumes were not destroyed"
[ "$(docker exec "$(container intake)" cat /etc/baosong/keys/intake.cert /etc/baosong/keys/admin.cert | sha256sum)" \
    != "$keys_before" ] || fail "down -v kept the keys volume"
"$top/docker/restore" "$work/backup" >/dev/null || fail "docker/restore failed"
wait_healthy
wait_figure 林州市 submitted "$count"
wait_figure 湯陰縣 published 1
token=$tangyin http GET "/api/v1/reports/$reg_no" | grep 創業承諾 > /dev/null || fail "report $reg_no not restored"
[ "$(docker exec "$(container intake)" cat /etc/baosong/keys/intake.cert /etc/baosong/keys/admin.cert | sha256sum)" \
    = "$keys_before" ] || fail "the keys were not restored"
tail -1 "$work/acked.txt" | { read -r key reg id status
    http GET "/api/v1/reports/$reg" | grep "第${key#load-}份" > /dev/null || fail "report $reg not restored"; }

step "one container (baosong up) through -p"
port=$(free_port)
single=$(docker run -d --read-only --tmpfs /tmp --cap-drop ALL -p "127.0.0.1:$port:8080" "$image")
for _ in $(seq 120); do docker exec "$single" baosong status >/dev/null 2>&1 && break; sleep 0.5; done
docker exec "$single" baosong status >/dev/null || fail "baosong status fails in the one container"
curl -sS --fail "http://127.0.0.1:$port/api/v1/health" >/dev/null || fail "-p $port does not reach the gateway"

step "clean up: every container removed with its volumes"
teardown
docker volume ls -q | sort >"$work/volumes-after"
left=$(comm -13 "$work/volumes-before" "$work/volumes-after" | tr '\n' ' ')
[ -z "$left" ] || fail "volumes left by the test (or made meanwhile by another user of this engine): $left"
echo "docker volume ls: $(wc -l <"$work/volumes-before") volumes before the test, $(wc -l <"$work/volumes-after") after"

echo "PASS test_compose"
