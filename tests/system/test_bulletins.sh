#!/usr/bin/env bash
# Scoring rules and bulletins, driven as an office would, on a clock moved
# to March 2026 (BAOSONG_CLOCK_FILE): reports from five units are decided
# and one adopted by the province; rules version 1 is loaded; a bad rules
# file is refused with its line number and the rules stay; in April the
# monthly notice of March is issued (basis decided) and fetched in every
# format; then an adoption is reverted and new rules are loaded: the issued
# bulletin's record and files stay the same byte for byte, while scores
# name the new version (and the old one on request); in May the April
# notice lists the correction. The XLSX is read back with openpyxl, cell by
# cell against the bulletin's rows; the PDF's text (pdftotext) holds every
# unit's line with every figure; its chart page (the last) is written as a PNG for a
# person to look at. A period not ended and a second bulletin of a period
# are refused. Then statistics' store is deleted and rebuilt from the logs:
# the same figures, scores (rules versions 1 and 2) and bulletins, byte for
# byte. The files stay in <build>/tests/output/system_test_bulletins/.
#   tests/system/test_bulletins.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=bulletins
source "$(dirname "$0")/../support/system_up.sh"
output="$build_dir/tests/output/system_test_bulletins"
rm -rf "$output" && mkdir -p "$output"
export BAOSONG_CLOCK_FILE="$work/clock"
# A loaded machine answers slowly: every process, the CLI too, waits 20 s
# a try (the CLI's own default is 2 s).
configure request_timeout_ms 20000
# Move every process's clock to a local time ("2026-03-16 10:00").
clock_at() {
    echo $(( $(date -d "$1" +%s%3N) - $(date +%s%3N) )) > "$work/clock.new"
    mv "$work/clock.new" "$work/clock"
}
json() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

clock_at "2026-03-16 10:00"
up_start

b unit add 安阳市 --level city > /dev/null
for county in 林州市 滑县 汤阴县; do b unit add $county --level county --parent 安阳市 > /dev/null; done
b unit add 姚村镇 --level township --parent 林州市 > /dev/null

cat > "$work/rules-1.ini" << 'INI'
; 2026 rules, as an office writes them
[rules]
name = 二〇二六年考核办法
[points]
adopted = 2
adopted_province = 6
[rewards]
adopted = 50
adopted_province = 300
[quotas]
county = 2
township = 1
[unit_quotas]
滑县 = 1
[assessment]
quota = 40
quality = 20
timeliness = 10
upward = 30
upward_full = 6
INI
b rules load "$work/rules-1.ini" > /dev/null
[ "$(b --json rules show | json '["version"]')" = 1 ] || fail "rules 1 not in force"

# A bad file: refused with its line, exit status 1; version 1 stays.
printf '[points]\nadopted = 3\nadopted_citty = 4\n' > "$work/bad.ini"
set +e
out=$(b rules load "$work/bad.ini" 2>&1); status=$?
set -e
[ $status -eq 1 ] && grep -q "line 3: unknown key 'adopted_citty'" <<< "$out" \
    || fail "bad rules: $status $out"
printf '[points]\nadopted = -2\n' > "$work/bad.ini"
b rules load "$work/bad.ini" 2>&1 | grep "line 2: '-2' is not a whole number" > /dev/null \
    && fail "a negative value was loaded" || true
[ "$(b --json rules show | json '["version"]')" = 1 ] || fail "a bad file changed the rules"

# March: eight reports, five adopted, one returned, one adopted upward.
units=(林州市 林州市 林州市 滑县 滑县 汤阴县 姚村镇 姚村镇)
for i in $(seq 0 7); do
    b walk-in --unit "${units[$i]}" --operator 赵文书 --title "三月信息$i" --body "正文$i" > /dev/null
done
for id in 1 2 3 4 7; do
    b claim $id > /dev/null
    b decide $id adopt --periodical 組工信息 --critique 好 > /dev/null
done
b claim 6 > /dev/null
b decide 6 return --critique 请补充 > /dev/null
b adoption 2 --level province --outlet 省委组织部信息 > /dev/null
for _ in $(seq 100); do
    [ "$(b --json stats --period 2026-03 --basis decided --unit 林州市 | json '["rows"][0]["adopted_province"]')" = 1 ] && break
    sleep 0.2
done

# April: the March notice, issued; a month not ended is refused.
clock_at "2026-04-02 09:00"
set +e
out=$(b bulletin issue monthly 2026-04 --basis decided 2>&1); status=$?
set -e
[ $status -eq 1 ] && grep -q "has not ended" <<< "$out" || fail "April issued in April: $out"
b bulletin issue monthly 2026-03 --basis decided > "$work/issue.out" \
    || fail "issue: $(cat "$work/issue.out")"
set +e
out=$(b bulletin issue monthly 2026-03 2>&1); status=$?
set -e
[ $status -eq 1 ] && grep -q "issued already: bulletin 1" <<< "$out" || fail "issued twice: $out"
mkdir -p "$output/first" "$output/later"
b --json bulletin show 1 > "$output/first/bulletin.json"
for format in pdf xlsx csv html; do
    b bulletin render 1 --format $format --output "$output/first/bulletin.$format" > /dev/null
done
# The bulletin's rows are statistics.scores of its period at issue time.
b --json scores --period 2026-03 --basis decided > "$work/scores.json"
/usr/bin/python3 - "$output/first/bulletin.json" "$work/scores.json" << 'PY' || fail "rows differ"
import json, sys
bulletin, scores = (json.load(open(p)) for p in sys.argv[1:])
assert bulletin["rules_version"] == scores["rules_version"] == 1, (bulletin, scores)
assert bulletin["rows"] == scores["rows"], (bulletin["rows"], scores["rows"])
rows = {r["unit"]: r for r in bulletin["rows"]}
assert set(rows) == {"安阳市", "林州市", "滑县", "汤阴县", "姚村镇"}, rows.keys()
lin = rows["林州市"]
assert (lin["submitted"], lin["adopted"], lin["adopted_province"]) == (3, 3, 1), lin
assert lin["points"] == 3 * 2 + 6 and lin["reward"] == 3 * 50 + 300, lin
assert lin["quota"] == 2 and lin["quota_met"] is True, lin
assert rows["滑县"]["quota"] == 1 and rows["汤阴县"].get("quota_met", False) is False
# 40 quota + 20 quality + 10 timeliness (nothing commissioned) + 30 upward (6 >= 6)
assert lin["score"] == 100 and lin["rank"] == 1, lin
hua = rows["滑县"]  # 2 sent, 1 adopted: quality 10; upward 0
assert (hua["score_quota"], hua["score_quality"], hua["score_upward"], hua["score"]) == (40, 10, 0, 60), hua
PY

# XLSX read back as Excel would: every cell equals the bulletin's rows.
/usr/bin/python3 - "$output/first/bulletin.xlsx" "$output/first/bulletin.csv" \
    "$output/first/bulletin.json" << 'PY' || fail "the XLSX does not read back"
import csv, json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
assert book.sheetnames == ["通报", "更正"], book.sheetnames
sheet = book["通报"]
fields = next(csv.reader(open(sys.argv[2], encoding="utf-8-sig")))
rows = json.load(open(sys.argv[3]))["rows"]
cells = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
assert len(cells) == len(rows), (len(cells), len(rows))
for got, want in zip(cells, rows):
    for field, value in zip(fields, got):
        expected = want.get(field, 0 if field not in ("tier", "unit", "quota_met") else "")
        if field == "quota_met":
            expected = "是" if want.get("quota_met", False) else "否"
        assert value == expected, (want["unit"], field, value, expected)
assert len(sheet._charts) == 1, "no chart on the sheet"
PY

# The PDF's text holds each unit's line with every figure; page 2 (chart) as PNG.
pdftotext -enc UTF-8 "$output/first/bulletin.pdf" "$output/first/bulletin.pdf.txt"
/usr/bin/python3 - "$output/first/bulletin.pdf.txt" "$output/first/bulletin.json" << 'PY' \
    || fail "the PDF's text lacks a figure"
import json, re, sys
text = re.sub(r"—\s*\d+\s*—", "", open(sys.argv[1], encoding="utf-8").read())
text = re.sub(r"\s+", "", text)
bulletin = json.load(open(sys.argv[2]))
for r in bulletin["rows"]:
    g = lambda k: r.get(k, 0)
    quota = (f"信息任务{g('quota')}篇完成{g('quota_done')}篇（{'达标' if r.get('quota_met') else '未达标'}）"
             if g("quota") else "无信息任务")
    line = (f"第{g('rank')}名{r['unit']}：报送{g('submitted')}篇，采用{g('adopted')}篇，"
            f"县级采用{g('adopted_county')}篇，市级采用{g('adopted_city')}篇，"
            f"省级采用{g('adopted_province')}篇，中央采用{g('adopted_central')}篇，"
            f"积分{g('points')}分，稿酬{g('reward')}元，{quota}，漏报约稿{g('missed_scored')}次，"
            f"迟报约稿{g('answered_late_scored')}次，扣{g('penalty')}分；考核：任务{g('score_quota')}分，"
            f"质量{g('score_quality')}分，时效{g('score_timeliness')}分，上行{g('score_upward')}分，"
            f"总分{g('score')}分。")
    assert line in text, line
assert "信息工作月通报（2026年3月）" in text
assert "未完成信息任务的单位：" in text and "汤阴县" in text
assert "计分规则第1版：二〇二六年考核办法" in text
PY
pages=$(pdfinfo "$output/first/bulletin.pdf" | awk '/^Pages:/ { print $2 }')
pdftotext -enc UTF-8 -f "$pages" -l "$pages" "$output/first/bulletin.pdf" - | grep 各单位采用篇数 > /dev/null \
    || fail "the last page is not the chart"
pdftoppm -png -r 60 -f "$pages" -l "$pages" -singlefile "$output/first/bulletin.pdf" \
    "$output/chart-page"
[ -s "$output/chart-page.png" ] || fail "no PNG of the chart page"

# Later: a revert and new rules change nothing of the issued bulletin.
b revert 2 --reason 误采用 > /dev/null
for _ in $(seq 100); do
    [ "$(b --json stats --period 2026-03 --basis decided --unit 林州市 | json '["rows"][0]["adopted"]')" = 2 ] && break
    sleep 0.2
done
printf '[rules]\nname = 修订\n[points]\nadopted = 5\n' > "$work/rules-2.ini"
b rules load "$work/rules-2.ini" > /dev/null
b --json scores --period 2026-03 --basis decided --unit 林州市 > "$work/v2.json"
[ "$(json '["rules_version"]' < "$work/v2.json")" = 2 ] || fail "scores do not name version 2"
[ "$(json '["rows"][0]["points"]' < "$work/v2.json")" = 10 ] || fail "v2 points: $(cat "$work/v2.json")"
[ "$(b --json scores --period 2026-03 --basis decided --unit 林州市 --rules 1 | json '["rows"][0]["points"]')" = 10 ] \
    || fail "rules 1 over the reverted figures: 2 adopted * 2 + 6"
b --json bulletin show 1 > "$output/later/bulletin.json"
cmp -s "$output/first/bulletin.json" "$output/later/bulletin.json" || fail "bulletin 1 changed"
for format in pdf xlsx csv html; do
    b bulletin render 1 --format $format --output "$output/later/bulletin.$format" > /dev/null
    cmp "$output/first/bulletin.$format" "$output/later/bulletin.$format" \
        || fail "bulletin 1's $format changed"
done

# May: the April notice shows the correction of March.
clock_at "2026-05-02 09:00"
b bulletin issue monthly 2026-04 --basis decided > /dev/null
b --json bulletin show 2 > "$work/second.json"
/usr/bin/python3 - "$work/second.json" << 'PY' || fail "no correction in bulletin 2"
import json, sys
second = json.load(open(sys.argv[1]))
assert second["rules_version"] == 2
fixes = {(c["unit"], c["figure"]): (c["was"], c["now"], c["bulletin_id"], c["period"])
         for c in second["corrections"]}
assert fixes[("林州市", "adopted")] == (3, 2, 1, "2026-03"), fixes
assert fixes[("林州市", "points")] == (12, 10, 1, "2026-03"), fixes
PY
b bulletin render 2 --format pdf --output "$output/second.pdf" > /dev/null
pdftotext -enc UTF-8 "$output/second.pdf" - | tr -d ' \n' | grep "第1号通报（2026-03）林州市的adopted由3更正为2" > /dev/null \
    || fail "the April PDF lacks the correction"

# A rebuild: statistics' store is moved away and the service killed; `up`
# restarts it on an empty store and it replays the logs. The rules and the
# bulletins are in its kept store (var/statistics_kept), so the scores come
# back under the same rules versions (2 in force, 1 on request), and both
# bulletins with the same record (rules version 1 for March, 2 for April)
# and the same bytes in every format.
mkdir -p "$output/rebuilt"
snapshot() {
    for period in 2026-03 2026-04; do
        b --json stats --period $period --basis decided > "$1/stats-$period.json"
        b --json scores --period $period --basis decided > "$1/scores-$period.json"
        b --json scores --period $period --basis decided --rules 1 > "$1/scores-$period-v1.json"
    done
    b --json rules show > "$1/rules.json"
    b --json bulletin list > "$1/bulletins.json"
    for id in 1 2; do
        b --json bulletin show $id > "$1/bulletin-$id.json"
        for format in pdf xlsx csv html; do
            b bulletin render $id --format $format --output "$1/bulletin-$id.$format" > /dev/null
        done
    done
}
snapshot "$output/later"
[ -d "$data/statistics_kept" ] || fail "no kept store beside statistics' store"
mv "$data/statistics" "$data/statistics.before-rebuild"
kill -KILL "$(cat "$data/run/statistics.pid")"
for _ in $(seq 150); do
    b --json stats --period 2026-03 --basis decided > "$work/now.json" 2>/dev/null \
        && cmp -s "$work/now.json" "$output/later/stats-2026-03.json" \
        && b --json stats --period 2026-04 --basis decided 2>/dev/null \
            | cmp -s - "$output/later/stats-2026-04.json" && break
    sleep 0.2
done
[ -d "$data/statistics" ] || fail "statistics did not start on a new store"
snapshot "$output/rebuilt"
for file in "$output"/later/*; do
    name=$(basename "$file")
    case $name in bulletin.*) continue ;; esac
    cmp "$file" "$output/rebuilt/$name" || fail "after the rebuild $name differs"
done
[ "$(json '["rules_version"]' < "$output/rebuilt/bulletin-1.json")" = 1 ] \
    && [ "$(json '["rules_version"]' < "$output/rebuilt/bulletin-2.json")" = 2 ] \
    || fail "the bulletins lost the rules version of their date"

# HTTP: the list and a file, as the console fetches them.
echo secret-pw-123 | b officer add lead --name 李主任 --unit 安阳市 --roles leader --password-stdin > /dev/null
token=$(curl -sS -H 'Content-Type: application/json' \
    -d '{"login":"lead","password":"secret-pw-123"}' "http://127.0.0.1:$port/api/v1/login" | json '["token"]')
auth=(-H "Authorization: Bearer $token")
curl -sS "${auth[@]}" "http://127.0.0.1:$port/api/v1/statistics/bulletins" | grep '"bulletin_id": *2' > /dev/null \
    || fail "HTTP bulletins"
curl -sS "${auth[@]}" -D "$work/headers" -o "$work/http.xlsx" \
    "http://127.0.0.1:$port/api/v1/statistics/bulletin_file?bulletin_id=1&format=xlsx"
cmp "$work/http.xlsx" "$output/first/bulletin.xlsx" || fail "HTTP XLSX differs"
grep -qi "^content-disposition: attachment" "$work/headers" || fail "HTTP name"
curl -sS "${auth[@]}" -o "$work/export.csv" \
    "http://127.0.0.1:$port/api/v1/statistics/export?table=scores&format=csv&period=2026-03&basis=decided"
grep -q "^林州市\|,林州市," "$work/export.csv" || fail "HTTP export: $(head -3 "$work/export.csv")"
code=$(curl -sS "${auth[@]}" -o "$work/err" -w '%{http_code}' \
    "http://127.0.0.1:$port/api/v1/statistics/bulletin_file?bulletin_id=9&format=pdf")
[ "$code" = 404 ] || fail "HTTP unknown bulletin: $code"
# A leader issues one over HTTP as well (the first quarter's), as themself.
curl -sS "${auth[@]}" -H 'Content-Type: application/json' -d '{"kind":"quarterly","period":"2026-Q1"}' \
    "http://127.0.0.1:$port/api/v1/statistics/bulletins" > "$work/leader-issue.json"
[ "$(json '["by"]' < "$work/leader-issue.json")" = lead ] && [ "$(json '["kind"]' < "$work/leader-issue.json")" = quarterly ] \
    || fail "a leader's bulletin: $(cat "$work/leader-issue.json")"
echo "bulletins: rules, frozen files, corrections, XLSX, PDF and HTTP all right ($output)"
