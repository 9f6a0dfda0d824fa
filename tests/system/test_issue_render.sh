#!/usr/bin/env bash
# `baosong issue render` and GET /api/v1/issues/ID/document: a published
# issue of three items as PDF (read back with pdftotext and pdffonts; page
# 1 as PNG for a person to look at), DOCX (read back with python3-docx),
# HTML and text; a draft marked 草稿; unknown issue and format refused.
# The files stay in <build>/tests/output/system_test_issue_render/.
#   tests/system/test_issue_render.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
NAME=render
source "$(dirname "$0")/../support/system_up.sh"
output="$build_dir/tests/output/system_test_issue_render"
rm -rf "$output" && mkdir -p "$output"
export BAOSONG_PUBLICATION_ISSUING_UNIT=中共安陽市委組織部
# A loaded machine answers slowly (a password hash takes seconds): every
# process, the CLI too, waits 20 s a try (the CLI's own default is 2 s).
configure request_timeout_ms 20000

up_start

# The second title has every markup character (escaped in HTML and DOCX,
# read back as typed).
titles=("林州市嚴格職權管理，積極自查自糾" "湯陰縣在村級幹部中實行'創業承諾' & <試點> \"公開\""
        "殷都區開闢週末課堂創新幹部培訓")
b unit add 安陽市 --level city > /dev/null
b unit add 林州市 --level county --parent 安陽市 > /dev/null
for i in 0 1 2; do
    b walk-in --unit 林州市 --operator 趙文書 --title "${titles[$i]}" \
        --body "第一段：${titles[$i]}的做法。
第二段：全市各級組織部門認真貫徹落實，取得明顯成效。" > /dev/null
    b claim $((i + 1)) > /dev/null
    b decide $((i + 1)) adopt --periodical 組工信息 --critique 好 > /dev/null
done
for _ in $(seq 100); do [ "$(b --json pending | grep -o '"report_id"' | wc -l)" -eq 3 ] && break; sleep 0.2; done
b issue create 組工信息 > /dev/null
b issue add 1 1 2 --section 工作動態 > /dev/null
b issue add 1 3 --section 經驗交流 > /dev/null
b issue edit 1 --note 本期刊發三篇信息。 --editor 張編輯 > /dev/null
# 組工信息 is published here without a sign-off: nobody is asked for one.
status=0; out=$(b issue ask-signoff 1 2>&1) || status=$?
[ $status -eq 1 ] && grep -q "without a leader's sign-off" <<< "$out" \
    || fail "ask-signoff where no sign-off is needed: $status $out"
b issue publish 1 > "$work/publish.out" || fail "publish: $(cat "$work/publish.out")"
year=$(date +%Y)
grep -q "${year}年第1期（總第1期）" "$work/publish.out" || fail "not numbered: $(cat "$work/publish.out")"

# PDF: masthead, numbers, every title exactly, embedded CJK font, page 1 as PNG.
b issue render 1 --format pdf --output "$output/issue.pdf" > /dev/null
pdftotext -enc UTF-8 "$output/issue.pdf" "$output/issue.pdf.txt"
for expected in 組工信息 第1期 總第1期 中共安陽市委組織部 工作動態 經驗交流 本期刊發三篇信息 \
    "責任編輯：張編輯" "來源：林州市" "${titles[@]}"; do
    grep -qF -- "$expected" "$output/issue.pdf.txt" || fail "the PDF's text lacks $expected"
done
pdffonts "$output/issue.pdf" | grep -E "NotoSerifCJK.* yes " > /dev/null || fail "no embedded CJK font"
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$output/issue.pdf" "$output/issue-page-1"
[ -s "$output/issue-page-1.png" ] || fail "no PNG of page 1"
! grep -q 草稿 "$output/issue.pdf.txt" || fail "a published issue says 草稿"

# DOCX read back by python-docx: the titles (Heading 1) in order.
b issue render 1 --format docx --output "$output/issue.docx" > /dev/null
# Debian's python3 (python3-docx), not another one first on PATH
/usr/bin/python3 - "$output/issue.docx" "${titles[@]}" << 'PY' || fail "the DOCX does not read back"
import sys, docx
document = docx.Document(sys.argv[1])
titles = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
assert titles == sys.argv[2:], titles
text = "\n".join(p.text for p in document.paragraphs)
for expected in ("組工信息", "第1期（總第1期）", "中共安陽市委組織部", "責任編輯：張編輯"):
    assert expected in text, expected
PY

# HTML and text.
b issue render 1 --format html --output "$output/issue.html" > /dev/null
b issue render 1 --format txt --output - > "$output/issue.txt"
for title in "${titles[@]}"; do grep -qF "$title" "$output/issue.txt" || fail "issue.txt lacks $title"; done
for file in issue.html issue.txt; do
    grep -qF "第1期" "$output/$file" || fail "$file lacks 第1期"
done
grep -q "@media print" "$output/issue.html" || fail "the HTML has no print CSS"
grep -qF "<h2>湯陰縣在村級幹部中實行&#39;創業承諾&#39; &amp; &lt;試點&gt; &quot;公開&quot;</h2>" \
    "$output/issue.html" || fail "the HTML does not escape the second title"
# Parsed back: only the page's own elements, and the titles as typed in the
# contents and as headings.
/usr/bin/python3 - "$output/issue.html" "${titles[@]}" << 'PY' || fail "the HTML does not read back"
import html.parser, sys
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.open, self.texts = set(), [], {"h2": [], "a": []}
    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in self.texts:
            self.open.append(tag)
            self.texts[tag].append("")
    def handle_endtag(self, tag):
        if self.open and self.open[-1] == tag:
            self.open.pop()
    def handle_data(self, data):
        if self.open:
            self.texts[self.open[-1]][-1] += data
page = Page()
page.feed(open(sys.argv[1], encoding="utf-8").read())
page.close()
own = {"html", "head", "meta", "title", "style", "body", "header", "h1", "div", "span", "p",
       "nav", "h3", "ol", "li", "a", "main", "article", "h2", "footer"}
assert page.tags <= own, page.tags - own
assert page.texts["h2"] == sys.argv[2:], page.texts["h2"]
assert page.texts["a"] == sys.argv[2:], page.texts["a"]
PY

# A draft renders with 草稿.
b issue create 組工信息 > /dev/null
b issue render 2 --format pdf --output "$output/draft.pdf" > /dev/null
pdftotext -enc UTF-8 "$output/draft.pdf" - | grep 草 > /dev/null || fail "the draft PDF has no 草稿 mark"
b issue render 2 --format txt --output - | grep 草稿 > /dev/null || fail "the draft text has no 草稿"

# Bad input: clear errors, exit status 1 (refused) and 2 (usage).
set +e
out=$(b issue render 99 --format pdf --output "$work/none.pdf" 2>&1); status=$?
[ $status -eq 1 ] && grep -q "no issue 99" <<< "$out" || fail "unknown issue: $status $out"
[ ! -e "$work/none.pdf" ] || fail "a file was written for an unknown issue"
out=$(b issue render 1 --format odt --output "$work/none.odt" 2>&1); status=$?
[ $status -eq 1 ] && grep -q "no format 'odt'" <<< "$out" || fail "unknown format: $status $out"
out=$(b issue render x 2>&1); status=$?
[ $status -eq 2 ] || fail "a bad issue id: $status $out"
set -e

# HTTP: the same file, with its type and name.
echo secret-pw-123 | b officer add pub --name 出版人 --unit 安陽市 --roles publisher --password-stdin > /dev/null
token=$(curl -sS -H 'Content-Type: application/json' \
    -d '{"login":"pub","password":"secret-pw-123"}' "http://127.0.0.1:$port/api/v1/login" \
    | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
auth=(-H "Authorization: Bearer $token")
curl -sS "${auth[@]}" -D "$work/headers" -o "$output/http.pdf" \
    "http://127.0.0.1:$port/api/v1/issues/1/document?format=pdf"
grep -qi "^content-type: application/pdf" "$work/headers" || fail "HTTP type: $(cat "$work/headers")"
grep -qi "^content-disposition: attachment; filename\*=UTF-8''" "$work/headers" || fail "HTTP name"
pdftotext -enc UTF-8 "$output/http.pdf" - | grep -F "${titles[0]}" > /dev/null || fail "the HTTP PDF lacks a title"
code=$(curl -sS "${auth[@]}" -o "$work/err" -w '%{http_code}' \
    "http://127.0.0.1:$port/api/v1/issues/99/document?format=pdf")
[ "$code" = 404 ] && grep -q "no issue 99" "$work/err" || fail "HTTP unknown issue: $code $(cat "$work/err")"
code=$(curl -sS "${auth[@]}" -o "$work/err" -w '%{http_code}' \
    "http://127.0.0.1:$port/api/v1/issues/1/document?format=odt")
[ "$code" = 400 ] || fail "HTTP unknown format: $code $(cat "$work/err")"
echo "issue render: pdf, docx, html, txt, draft, bad input and HTTP all right ($output)"
