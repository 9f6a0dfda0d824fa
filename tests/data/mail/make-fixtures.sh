#!/bin/sh
# Writes the mail fixtures of tests/data/mail from UTF-8 text, encoding
# every body and encoded word with iconv and base64 / a quoted-printable
# filter, as a real mail program would. The .eml files are committed;
# run this again only to change them (README.md says what each holds).
set -eu
cd "$(dirname "$0")"

b64 () { base64 -w 76; }
# quoted-printable of stdin (RFC 2045: =XX for every byte that is not
# printable ASCII, '=' included; lines of at most 76 characters)
qp () {
    od -An -v -tx1 | tr -s ' \n' '\n\n' | grep -v '^$' | awk '
        BEGIN { line = ""; for (i = 0; i < 256; i++) value[sprintf ("%02x", i)] = i }
        {
            b = value[$1]
            if (b == 10) { print line; line = ""; next }
            if (b >= 33 && b <= 126 && b != 61) t = sprintf ("%c", b); else t = "=" toupper ($1)
            if (length (line) + length (t) > 75) { print line "="; line = "" }
            line = line t
        }
        END { if (line != "") print line }'
}
# an RFC 2047 encoded word: word CHARSET B|Q TEXT
word () {
    if [ "$2" = B ]; then
        printf '=?%s?B?%s?=' "$1" "$(printf '%s' "$3" | iconv -f UTF-8 -t "$1" | base64 -w 0)"
    else
        printf '=?%s?Q?%s?=' "$1" "$(printf '%s' "$3" | iconv -f UTF-8 -t "$1" | od -An -v -tx1 |
            tr -s ' \n' '\n\n' | grep -v '^$' | awk '{ printf "=%s", toupper ($1) }')"
    fi
}

# 1. GBK body in base64, GBK encoded-word subject (喆 is in GBK, not GB2312)
{
    printf 'From: 王喆 <officer@county.example>\nTo: reports@city.example\n'
    printf 'Subject: %s\n' "$(word GBK B '县委组织部召开基层党建工作推进会')"
    printf 'Message-ID: <gbk-base64@county.example>\nDate: Sat, 28 Nov 2026 09:00:00 +0800\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n'
    printf '县委组织部召开基层党建工作推进会。\n会议部署了村（社区）“两委”换届准备工作，主持人：王喆。\n' |
        iconv -f UTF-8 -t GBK | b64
} > gbk_base64.eml

# 2. GB18030 body in quoted-printable (𠮷 U+20BB7 is a four-byte GB18030
#    sequence), GB18030 Q encoded-word subject
{
    printf 'From: officer@county.example\nTo: reports@city.example\n'
    printf 'Subject: %s\n' "$(word GB18030 Q '城关镇干部监督专项检查')"
    printf 'Message-ID: <gb18030-qp@county.example>\nDate: Sat, 28 Nov 2026 09:10:00 +0800\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset="gb18030"\nContent-Transfer-Encoding: quoted-printable\n\n'
    printf '城关镇开展干部监督专项检查。\n检查覆盖全部12个村，发现问题3项，已整改完毕。\n吉祥的𠮷字也要对。\n' |
        iconv -f UTF-8 -t GB18030 | qp
} > gb18030_qp.eml

# 3. Big5 encoded-word subject in two words (white space between them is
#    not text), Big5 body in base64
{
    printf 'From: officer@county.example\nTo: reports@city.example\n'
    printf 'Subject: %s\n %s\n' "$(word Big5 B '信息報送工作')" "$(word Big5 B '會議紀要')"
    printf 'Message-ID: <big5-subject@county.example>\nDate: Sat, 28 Nov 2026 09:20:00 +0800\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=big5\nContent-Transfer-Encoding: base64\n\n'
    printf '市委組織部召開信息工作會議。\n會議通報了上半年信息採用情況。\n' | iconv -f UTF-8 -t BIG5 | b64
} > big5_subject.eml

# 4. HTML only, declared gb2312 but holding GBK's 镕 (real mail mislabels),
#    with head, style, script, comment, entities and numeric references
{
    printf 'From: officer@county.example\nTo: reports@city.example\n'
    printf 'Subject: %s\n' "$(word UTF-8 B '乡镇党委书记述职评议会')"
    printf 'Message-ID: <html-only@county.example>\nDate: Sat, 28 Nov 2026 09:30:00 +0800\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/html; charset=gb2312\nContent-Transfer-Encoding: base64\n\n'
    printf '<html><head><title>不应出现</title><style>p { color: red }</style></head>\n<body>\n<script>alert("不应出现")</script>\n<p>乡镇党委书记&ldquo;抓党建&rdquo;述职评议会召开，朱镕同志主持。</p>\n<!-- 注释不应出现 -->\n<p>参会&nbsp;人员：&#20013;&#x56fd;共产党员 42 名\n &amp; 列席代表。<br>会议要求：<b>立即</b>整改。</p>\n</body></html>\n' |
        iconv -f UTF-8 -t GBK | b64
} > html_only.eml

# 5. A docx attachment (report.docx: the minimal OOXML parts, zipped)
rm -rf docx && mkdir -p docx/_rels docx/word
printf '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>\n' > 'docx/[Content_Types].xml'
printf '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>\n' > docx/_rels/.rels
printf '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>村委会换届选举情况报告</w:t></w:r></w:p></w:body></w:document>\n' > docx/word/document.xml
rm -f report.docx
(cd docx && TZ=UTC touch -t 202611280000 '[Content_Types].xml' _rels/.rels word/document.xml &&
    zip -X -q ../report.docx '[Content_Types].xml' _rels/.rels word/document.xml)
rm -rf docx
{
    printf 'From: officer@county.example\nTo: reports@city.example\n'
    printf 'Subject: %s\n' "$(word UTF-8 B '村委会换届选举情况报告')"
    printf 'Message-ID: <docx-attachment@county.example>\nDate: Sat, 28 Nov 2026 09:40:00 +0800\n'
    printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="=-next-part-1"\n\n'
    printf 'This is a multi-part message in MIME format.\n\n--=-next-part-1\n'
    printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
    printf '附件是村委会换届选举情况报告，请审阅。\n\n--=-next-part-1\n'
    printf 'Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document;\n name="%s"\n' "$(word UTF-8 B '换届报告.docx')"
    printf 'Content-Disposition: attachment;\n filename*=UTF-8%s%s\n' "''" "$(printf '换届报告.docx' | od -An -v -tx1 | tr -s ' \n' '\n\n' | grep -v '^$' | awk '{ printf "%%%s", toupper ($1) }')"
    printf 'Content-Transfer-Encoding: base64\n\n'
    b64 < report.docx
    printf '\n--=-next-part-1--\n'
} > docx_attachment.eml

# 6. A sender no officer has: intake holds it for staff
{
    printf 'From: stranger@elsewhere.example\nTo: reports@city.example\nSubject: %s\n' "$(word UTF-8 B '来自未登记邮箱的信息')"
    printf 'Message-ID: <unknown-sender@elsewhere.example>\nMIME-Version: 1.0\n'
    printf 'Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n'
    printf '某街道开展党员志愿服务活动。\n'
} > unknown_sender.eml

# 6b. an answer to commission 1: the tag [约稿1] in a GBK subject
{
    printf 'From: 王喆 <officer@county.example>\nTo: reports@city.example\n'
    printf 'Subject: %s\n' "$(word GBK B '[约稿1] 县委组织部基层党建工作做法')"
    printf 'Message-ID: <commission-gbk@county.example>\nDate: Thu, 03 Dec 2026 09:00:00 +0800\n'
    printf 'MIME-Version: 1.0\nContent-Type: text/plain; charset=GBK\nContent-Transfer-Encoding: base64\n\n'
    printf '按约稿要求，报送我县基层党建工作的做法与成效。\n' | iconv -f UTF-8 -t GBK | b64
} > commission_gbk.eml

# Bad mail
# 7. a multipart with no boundary
printf 'From: officer@county.example\nSubject: broken\nMIME-Version: 1.0\nContent-Type: multipart/mixed\n\n--x\nContent-Type: text/plain\n\nhello\n--x--\n' > bad_malformed.eml
# 8. declared GBK, but 0xFF 0xFE is no GBK sequence
{
    printf 'From: officer@county.example\nSubject: undecodable\nMIME-Version: 1.0\n'
    printf 'Content-Type: text/plain; charset=gbk\nContent-Transfer-Encoding: base64\n\n'
    { printf '正文' | iconv -f UTF-8 -t GBK; printf '\377\376\n'; } | b64
} > bad_charset.eml
# 9. no text at all: only white space
printf 'From: officer@county.example\nSubject: empty\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n  \n\n' > bad_empty.eml
