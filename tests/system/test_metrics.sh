#!/usr/bin/env bash
# GET /metrics for Prometheus: well-formed text format (every sample has
# its HELP and TYPE, a name, optional labels and a number), every service
# up, and the figures move with the work: a report submitted raises
# intake's log and review's queue, a login through the gateway counts a
# command to intake and a 4xx answer, a report that does not exist a
# failed command; a stopped consumer's lag grows and
# goes back to 0 when it runs again.
#   tests/system/test_metrics.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=metrics
source "$(dirname "$0")/../support/system_up.sh"
python=/usr/bin/python3
url=http://$BAOSONG_GATEWAY_HTTP

up_start

scrape() { # -> $work/metrics.txt, checked for the text format
    curl -sS --fail -D "$work/headers.txt" "$url/metrics" > "$work/metrics.txt" || fail "GET /metrics failed"
    grep -qi '^content-type: text/plain; version=0.0.4' "$work/headers.txt" \
        || fail "not Prometheus' text format: $(grep -i content-type "$work/headers.txt")"
    "$python" - "$work/metrics.txt" << 'CHECK' || fail "/metrics is not well-formed"
import re, sys
described, typed, histograms, bad = set(), set(), set(), []
buckets, counts = {}, {}
for line in open(sys.argv[1]):
    line = line.rstrip("\n")
    if line.startswith("# HELP "):
        described.add(line.split()[2]); continue
    if line.startswith("# TYPE "):
        name, kind = line.split()[2:4]
        typed.add(name)
        if kind not in ("counter", "gauge", "histogram"): bad.append(line)
        if kind == "histogram": histograms.add(name)
        continue
    m = re.fullmatch(r'([a-z_]+)(\{[a-z_]+="[^"\\]*"(,[a-z_]+="[^"\\]*")*\})? (\d+(\.\d+)?)', line)
    family = m and re.sub(r'_(bucket|sum|count)$', '', m.group(1))
    if m and family in histograms:
        name = family
    else:
        name = m and m.group(1)
    if not m or name not in described or name not in typed:
        bad.append(line)
    elif m.group(1).endswith("_bucket") and family in histograms:
        series = re.sub(r',?le="[^"]*"', '', m.group(2))
        le = re.search(r'le="([^"]*)"', m.group(2)).group(1)
        bound = float("inf") if le == "+Inf" else float(le)
        previous = buckets.setdefault(family + series, [])
        if previous and (bound <= previous[-1][0] or int(m.group(4)) < previous[-1][1]):
            bad.append(line + "  (buckets must rise, counts never fall)")
        previous.append((bound, int(m.group(4))))
    elif m.group(1).endswith("_count") and family in histograms:
        counts[family + m.group(2)] = int(m.group(4))
for series, rows in buckets.items():
    if rows[-1][0] != float("inf") or counts.get(series) != rows[-1][1]:
        bad.append(series + ": no +Inf bucket equal to its _count")
for line in bad: print("bad line:", line)
sys.exit(1 if bad else 0)
CHECK
}
value() { # NAME{LABELS} -> its number, or "none"
    awk -v name="$1" '$1 == name {print $2; found = 1} END {if (!found) print "none"}' "$work/metrics.txt"
}

all_up() {
    for service in intake review publication statistics mail; do
        [ "$(value "baosong_service_up{service=\"$service\"}")" = 1 ] || return 1
    done
}
# until CONDITION: scrape until it holds, for up to a minute (a ping in
# the scrape waits 500 ms, so a loaded machine may need several).
until_scraped() {
    for _ in $(seq 120); do scrape; "$@" && return 0; sleep 0.5; done
    return 1
}

until_scraped all_up || fail "not every service is up in /metrics: $(grep service_up "$work/metrics.txt")"
[ "$(value baosong_review_queue_depth)" = 0 ] || fail "the queue is not empty: $(value baosong_review_queue_depth)"
intake_before=$(value 'baosong_stream_last_seq{service="intake"}')
commands_before=$(value 'baosong_gateway_commands_total{service="intake"}')
failures_before=$(value 'baosong_gateway_command_failures_total{service="intake"}')
refusals_before=$(value 'baosong_gateway_http_responses_total{class="4xx"}')

b unit add 滑縣 --level county > /dev/null
b submit --unit 滑縣 --title 指標測試 --body 正文。 > /dev/null
curl -sS -o /dev/null "$url/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"login":"nobody","password":"wrong"}'
# A command intake answers with an error: a report that does not exist.
echo secret-pw-123 | b officer add hua --name 滑縣信息員 --unit 滑縣 --roles officer --password-stdin > /dev/null
token=$(curl -sS --fail "$url/api/v1/login" -H 'Content-Type: application/json' \
    -d '{"login":"hua","password":"secret-pw-123"}' | "$python" -c 'import json,sys; print(json.load(sys.stdin)["token"])')
code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$url/api/v1/reports/2026-999999")
[ "$code" = 404 ] || fail "a report that does not exist answered $code"
queued_one() { [ "$(value baosong_review_queue_depth)" = 1 ] && all_up; }
until_scraped queued_one || fail "review's queue is $(value baosong_review_queue_depth), not 1"
[ "$(value 'baosong_stream_last_seq{service="intake"}')" -gt "$intake_before" ] \
    || fail "intake's log did not grow in /metrics"
[ "$(value 'baosong_gateway_commands_total{service="intake"}')" -gt "$commands_before" ] \
    || fail "the login's command to intake was not counted"
[ "$(value 'baosong_gateway_command_failures_total{service="intake"}')" -gt "$failures_before" ] \
    || fail "intake's error for the missing report was not counted as a failure"
[ "$(value 'baosong_gateway_http_responses_total{class="4xx"}')" -gt "$refusals_before" ] \
    || fail "the refused login was not counted as 4xx"

# Each service's LMDB map (used, at most its size) and its commits: the
# reports above were committed by intake, so its histogram counts turns.
# (Mail's store holds only its cursor: it has no such figures.)
for service in intake review publication statistics; do
    size=$(value "baosong_store_map_size_bytes{service=\"$service\"}")
    used=$(value "baosong_store_map_used_bytes{service=\"$service\"}")
    [ "$size" != none ] && [ "$used" != none ] && [ "$used" -gt 0 ] && [ "$used" -le "$size" ] \
        || fail "$service's map: $used bytes used of $size"
done
commits() { value "baosong_commit_duration_seconds_count{service=\"$1\"}"; }
commits_before=$(commits intake)
[ "$commits_before" != none ] && [ "$commits_before" -ge 1 ] || fail "intake counts no commit: $commits_before"
awk '$1 == "baosong_commit_duration_seconds_sum{service=\"intake\"}" && $2 > 0 {found = 1}
     END {exit !found}' "$work/metrics.txt" || fail "intake's commits took no time at all"

# Stream lag per consumer: review, a consumer of intake's log, is stopped
# (SIGSTOP) while reports come in. Intake sees it fall behind and go
# silent, while statistics, reading the same log, keeps up; once review
# runs again it catches up by itself and its lag is 0.
lag() { value "baosong_stream_consumer_lag{service=\"intake\",consumer=\"$1\"}"; }
caught_up() { all_up && [ "$(lag review)" = 0 ] && [ "$(lag statistics)" = 0 ]; }
until_scraped caught_up || fail "consumers behind before the stop: review $(lag review), statistics $(lag statistics)"
review_pid=$(cat "$data/run/review.pid")
kill -STOP "$review_pid"
trap 'kill -CONT "$review_pid" 2>/dev/null; cleanup' EXIT
for n in 1 2 3; do b submit --unit 滑縣 --title "停頓$n" --body 正文。 > /dev/null; done
review_behind() {
    [ "$(lag review)" != none ] && [ "$(lag review)" -ge 3 ] && [ "$(lag statistics)" = 0 ] \
        && [ "$(value 'baosong_stream_consumer_silence_seconds{service="intake",consumer="review"}')" -ge 2 ]
}
until_scraped review_behind \
    || fail "stopped review: lag $(lag review), silent $(value 'baosong_stream_consumer_silence_seconds{service="intake",consumer="review"}') s; statistics lag $(lag statistics)"
kill -CONT "$review_pid"
until_scraped caught_up || fail "review did not catch up: lag $(lag review)"
[ "$(value 'baosong_stream_consumer_committed_seq{service="intake",consumer="review"}')" \
    = "$(value 'baosong_stream_last_seq{service="intake"}')" ] || fail "review's committed is not intake's last"
echo "metrics: well-formed; services up; queue, log and counters follow the work;"
echo "a stopped consumer's lag grew while the other's stayed 0, and went back to 0"
