/*  mail_parse and mail_text: every fixture of tests/data/mail becomes
    exactly the expected UTF-8 title, body and attachment bytes; bad mail is
    refused with the right code and field; HTML becomes text; encoded words
    and charsets decode strictly; receipts parse back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_test.h"
#include "mail_deliver.h"
#include "mail_parse.h"
#include "mail_receipt.h"
#include "mail_text.h"

static char *
s_read (const char *name, size_t *size)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/tests/data/mail/%s", BAOSONG_SOURCE_DIR, name);
    FILE *file = fopen (path, "rb");
    assert_non_null (file);
    fseek (file, 0, SEEK_END);
    long length = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *bytes = malloc ((size_t) length + 1);
    assert_int_equal (fread (bytes, 1, (size_t) length, file), (size_t) length);
    bytes[length] = 0;
    fclose (file);
    *size = (size_t) length;
    return bytes;
}

static const mail_limits_t s_limits = {.max_message = 1 << 20};

static int
s_parse (const char *name, mail_report_t *report, bs_error_t *error)
{
    size_t size;
    char *bytes = s_read (name, &size);
    int rc = mail_parse (bytes, size, &s_limits, report, error);
    free (bytes);
    return rc;
}

static void
s_expect (const char *name, const char *title, const char *body, const char *message_id)
{
    mail_report_t report;
    bs_error_t error;
    int rc = s_parse (name, &report, &error);
    if (rc != BS_OK)
        fail_msg ("%s: %s: %s", name, error.field, error.text);
    assert_string_equal (report.submit.title, title);
    assert_string_equal (report.submit.body, body);
    assert_string_equal (report.submit.channel, "email");
    assert_string_equal (report.submit.sender, "officer@county.example");
    assert_string_equal (report.reply_to, "officer@county.example");
    assert_string_equal (report.submit.message_id, message_id);
    assert_false (report.auto_submitted);
    mail_report_clear (&report);
}

static void
test_gbk_base64 (void **state)
{
    (void) state;
    s_expect ("gbk_base64.eml", "县委组织部召开基层党建工作推进会",
              "县委组织部召开基层党建工作推进会。\n会议部署了村（社区）“两委”换届准备工作，"
              "主持人：王喆。",
              "gbk-base64@county.example");
}

static void
test_gb18030_quoted_printable (void **state)
{
    (void) state;
    s_expect ("gb18030_qp.eml", "城关镇干部监督专项检查",
              "城关镇开展干部监督专项检查。\n检查覆盖全部12个村，发现问题3项，已整改完毕。\n"
              "吉祥的𠮷字也要对。",
              "gb18030-qp@county.example");
}

static void
test_big5_subject (void **state)
{
    (void) state;
    s_expect ("big5_subject.eml", "信息報送工作會議紀要",
              "市委組織部召開信息工作會議。\n會議通報了上半年信息採用情況。",
              "big5-subject@county.example");
}

static void
test_html_only (void **state)
{
    (void) state;
    s_expect ("html_only.eml", "乡镇党委书记述职评议会",
              "乡镇党委书记“抓党建”述职评议会召开，朱镕同志主持。\n\n"
              "参会 人员：中国共产党员 42 名 & 列席代表。\n会议要求：立即整改。",
              "html-only@county.example");
}

static void
test_docx_attachment (void **state)
{
    (void) state;
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (s_parse ("docx_attachment.eml", &report, &error), BS_OK);
    assert_string_equal (report.submit.title, "村委会换届选举情况报告");
    assert_string_equal (report.submit.body, "附件是村委会换届选举情况报告，请审阅。");
    assert_int_equal (report.submit.attachments.count, 1);
    bs_attachment_t *attachment = report.submit.attachments.items;
    assert_string_equal (attachment->name, "换届报告.docx");
    assert_string_equal (attachment->content_type,
                         "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    size_t size;
    char *docx = s_read ("report.docx", &size);
    assert_int_equal (attachment->size, size);
    assert_int_equal (attachment->data.size, size);
    assert_memory_equal (attachment->data.data, docx, size);
    assert_int_equal (strlen (attachment->sha256), 64);
    free (docx);
    mail_report_clear (&report);
}

static void
s_expect_refused (const char *name, int code, const char *field)
{
    mail_report_t report;
    bs_error_t error;
    int rc = s_parse (name, &report, &error);
    if (rc != code || strcmp (error.field, field) != 0)
        fail_msg ("%s: got %d %s (%s), expected %d %s", name, rc, error.field, error.text, code,
                  field);
    assert_null (report.submit.title); /* nothing half-made */
    mail_report_clear (&report);
}

static void
test_bad_mail_is_refused (void **state)
{
    (void) state;
    s_expect_refused ("bad_malformed.eml", BS_E_MALFORMED, "mime");
    s_expect_refused ("bad_charset.eml", BS_E_INVALID, "charset");
    s_expect_refused ("bad_empty.eml", BS_E_INVALID, "body");

    mail_report_t report;
    bs_error_t error;
    const mail_limits_t tiny = {.max_message = 100};
    size_t size;
    char *bytes = s_read ("gbk_base64.eml", &size);
    assert_int_equal (mail_parse (bytes, size, &tiny, &report, &error), BS_E_LIMIT);
    assert_string_equal (error.field, "size");
    free (bytes);
    assert_int_equal (mail_parse ("", 0, &s_limits, &report, &error), BS_E_MALFORMED);
    const char *garbage = "\x01\x02\x03 not a mail";
    assert_int_not_equal (mail_parse (garbage, strlen (garbage), &s_limits, &report, &error),
                          BS_OK);
    mail_report_clear (&report);
}

static void
test_too_many_attachments (void **state)
{
    (void) state;
    char *mail = NULL;
    size_t length = 0;
    FILE *stream = open_memstream (&mail, &length);
    fprintf (stream, "From: a@b.example\nSubject: many\nMIME-Version: 1.0\n"
                     "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                     "Content-Type: text/plain\n\ntext\n");
    for (int i = 0; i <= BS_ATTACHMENTS_MAX; i++)
        fprintf (stream,
                 "--b\nContent-Type: image/png\nContent-Disposition: attachment; "
                 "filename=p%d.png\nContent-Transfer-Encoding: base64\n\niVBORw0KGgo=\n",
                 i);
    fprintf (stream, "--b--\n");
    fclose (stream);
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (mail_parse (mail, length, &s_limits, &report, &error), BS_E_LIMIT);
    assert_string_equal (error.field, "attachments");
    free (mail);
}

static void
test_too_much_text (void **state)
{
    (void) state;
    char *mail = NULL;
    size_t length = 0;
    FILE *stream = open_memstream (&mail, &length);
    fprintf (stream, "From: a@b.example\nSubject: long\nMIME-Version: 1.0\n"
                     "Content-Type: multipart/mixed; boundary=b\n\n");
    for (int i = 0; i < 3000; i++) /* 3,000 inline parts of 30 bytes: 90 KB of text */
        fprintf (stream, "--b\nContent-Type: text/plain\n\n%029d\n", i);
    fprintf (stream, "--b--\n");
    fclose (stream);
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (mail_parse (mail, length, &s_limits, &report, &error), BS_E_LIMIT);
    assert_string_equal (error.field, "body");
    free (mail);
}

static void
test_no_subject_takes_the_first_line (void **state)
{
    (void) state;
    const char *mail = "From: a@b.example\nContent-Type: text/plain; charset=utf-8\n"
                       "Auto-Submitted: auto-generated\n\n\n  第一行标题  \n第二行\n";
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (mail_parse (mail, strlen (mail), &s_limits, &report, &error), BS_OK);
    assert_string_equal (report.submit.title, "第一行标题");
    assert_string_equal (report.submit.body, "  第一行标题\n第二行");
    assert_true (report.auto_submitted);
    assert_null (report.submit.message_id);
    mail_report_clear (&report);
}

static void
test_raw_eight_bit_subject (void **state)
{
    (void) state;
    /* old Chinese mailers put GBK bytes straight into headers and body */
    const char *mail = "From: a@b.example\nSubject: \xd6\xd0\xce\xc4 report\n"
                       "Content-Type: text/plain\n\n\xd5\xfd\xce\xc4\n";
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (mail_parse (mail, strlen (mail), &s_limits, &report, &error), BS_OK);
    assert_string_equal (report.submit.title, "中文 report");
    assert_string_equal (report.submit.body, "正文");
    mail_report_clear (&report);
}

static void
test_plain_wins_in_alternative (void **state)
{
    (void) state;
    const char *mail = "From: a@b.example\nSubject: alt\nMIME-Version: 1.0\n"
                       "Content-Type: multipart/alternative; boundary=z\n\n"
                       "--z\nContent-Type: text/html; charset=utf-8\n\n<p>HTML 版</p>\n"
                       "--z\nContent-Type: text/plain; charset=utf-8\n\n纯文本版\n--z--\n";
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (mail_parse (mail, strlen (mail), &s_limits, &report, &error), BS_OK);
    assert_string_equal (report.submit.body, "纯文本版");
    assert_int_equal (report.submit.attachments.count, 0);
    mail_report_clear (&report);
}

static void
test_headers_decode_exactly (void **state)
{
    (void) state;
    char *text;
    bs_error_t error;
    /* 中 in GBK is D6 D0: split across two words, joined before conversion */
    assert_int_equal (mail_text_header ("=?GBK?B?1g==?= =?GBK?B?0A==?=", &text, &error), BS_OK);
    assert_string_equal (text, "中");
    free (text);
    assert_int_equal (
        mail_text_header ("Re: =?utf-8?Q?a_b=E4=B8=AD?=  tail\r\n  folded", &text, &error), BS_OK);
    assert_string_equal (text, "Re: a b中 tail folded");
    free (text);
    /* raw 8-bit GBK in a header (old mailers) */
    assert_int_equal (mail_text_header ("\xd6\xd0\xce\xc4", &text, &error), BS_OK);
    assert_string_equal (text, "中文");
    free (text);
    /* not an encoded word: kept as text */
    assert_int_equal (mail_text_header ("=?broken", &text, &error), BS_OK);
    assert_string_equal (text, "=?broken");
    free (text);
    assert_int_equal (mail_text_header ("=?big5?B?//8=?=", &text, &error), BS_E_INVALID);
    assert_string_equal (error.field, "charset");
    assert_int_equal (mail_text_header ("=?x-no-such-charset?B?YQ==?=", &text, &error),
                      BS_E_INVALID);
}

static void
test_charsets_convert_strictly (void **state)
{
    (void) state;
    char *text;
    bs_error_t error;
    /* GB2312 label, GBK-only character (喆 = 86 B4): read as GB18030 */
    assert_int_equal (mail_text_convert ("GB2312", "\x86\xb4", 2, &text, &error), BS_OK);
    assert_string_equal (text, "喆");
    free (text);
    /* a GB18030 four-byte sequence: 𠮷 */
    assert_int_equal (mail_text_convert ("gb18030", "\x95\x34\xb2\x35", 4, &text, &error), BS_OK);
    assert_string_equal (text, "𠮷");
    free (text);
    /* a cut-off sequence is an error, not U+FFFD */
    assert_int_equal (mail_text_convert ("gbk", "\xd6", 1, &text, &error), BS_E_INVALID);
    assert_null (text);
    assert_int_equal (mail_text_convert ("utf-8", "\xe4\xb8", 2, &text, &error), BS_E_INVALID);
    assert_int_equal (mail_text_convert ("big5", "\xa4\xa4", 2, &text, &error), BS_OK);
    assert_string_equal (text, "中");
    free (text);
    /* Python's name for it, which some mailers write */
    assert_int_equal (mail_text_convert ("big5_tw", "\xa4\xa4", 2, &text, &error), BS_OK);
    assert_string_equal (text, "中");
    free (text);
    /* undeclared: UTF-8 when valid, else GB18030 */
    assert_int_equal (mail_text_convert (NULL, "中", strlen ("中"), &text, &error), BS_OK);
    assert_string_equal (text, "中");
    free (text);
    assert_int_equal (mail_text_convert ("", "\xd6\xd0", 2, &text, &error), BS_OK);
    assert_string_equal (text, "中");
    free (text);
    assert_int_equal (mail_text_convert ("utf-8", "a\0b", 3, &text, &error), BS_E_INVALID);
}

static void
test_html_to_text (void **state)
{
    (void) state;
    char *text = mail_text_from_html (
        "<!DOCTYPE html><html><head><meta charset=utf-8><style>b{}</style></head><body>"
        "<h1>标题</h1><div>第一行</div><div>第二&#x884C;</div><ul><li>甲</li><li>乙 "
        "&lt;丙&gt;</li></ul><SCRIPT type=\"x\">var a = '<p>';</SCRIPT><p title=\"a>b\">"
        "段落&#12290;&unknown; &#0; x</p></body></html>");
    assert_string_equal (text, "标题\n\n第一行\n第二行\n\n甲\n乙 <丙>\n\n段落。&unknown; &#0; x");
    free (text);
    text = mail_text_from_html ("no tags &amp;  spaces\n\n here");
    assert_string_equal (text, "no tags & spaces here");
    free (text);
    text = mail_text_from_html ("<style>unterminated");
    assert_string_equal (text, "");
    free (text);
}

/* Hostile text costs linear time: 2 MB of '&' and of "=?" would take
   hours if every one searched to the end (256 KB, still minutes, under
   valgrind: BAOSONG_TEST_QUICK). */
static void
test_hostile_text_is_linear (void **state)
{
    (void) state;
    size_t size = getenv ("BAOSONG_TEST_QUICK") ? 256 << 10 : 2 << 20;
    char *text = malloc (size + 1);
    memset (text, '&', size);
    text[size] = 0;
    char *plain = mail_text_from_html (text);
    assert_int_equal (strlen (plain), size);
    free (plain);
    for (size_t i = 0; i + 7 <= size; i += 7)
        memcpy (text + i, "=?a?B?x", 7); /* never closed by "?=" */
    bs_error_t error;
    assert_int_equal (mail_text_header (text, &plain, &error), BS_OK);
    free (plain);
    free (text);
}

static void
test_tidy (void **state)
{
    (void) state;
    char text[] = "\r\n\r\n line one  \r\nline two\t\r\n\r\n\r\n";
    mail_text_tidy (text);
    assert_string_equal (text, " line one\nline two");
}

static void
test_replies_name_the_reason (void **state)
{
    (void) state;
    mail_outcome_t outcome = {.code = BS_OK};
    char line[512];
    snprintf (outcome.status, sizeof outcome.status, "registered");
    snprintf (outcome.reg_no, sizeof outcome.reg_no, "2026-000123");
    mail_outcome_reply (&outcome, "reports@city.example", line, sizeof line);
    assert_string_equal (line, "250 2.0.0 <reports@city.example> registered as 2026-000123");
    snprintf (outcome.status, sizeof outcome.status, "duplicate");
    mail_outcome_reply (&outcome, "r@c", line, sizeof line);
    assert_string_equal (line, "250 2.0.0 <r@c> duplicate: already registered as 2026-000123");
    snprintf (outcome.status, sizeof outcome.status, "held");
    outcome.hold_id = 7;
    mail_outcome_reply (&outcome, "r@c", line, sizeof line);
    assert_string_equal (line, "250 2.0.0 <r@c> held for staff to assign (hold 7)");
    outcome.code = bs_error_set (&outcome.error, BS_E_LIMIT, "size", "too big");
    mail_outcome_reply (&outcome, "r@c", line, sizeof line);
    assert_string_equal (line, "552 5.3.4 too big");
    outcome.code = bs_error_set (&outcome.error, BS_E_INVALID, "charset", "bad 中 bytes");
    mail_outcome_reply (&outcome, "r@c", line, sizeof line);
    assert_string_equal (line, "554 5.6.0 undecodable text: bad ? bytes");
    outcome.code = bs_error_set (&outcome.error, BS_E_MALFORMED, "mime", "no boundary");
    mail_outcome_reply (&outcome, "r@c", line, sizeof line);
    assert_string_equal (line, "554 5.6.0 malformed MIME: no boundary");
    outcome.code = bs_error_set (&outcome.error, BS_E_UNAVAILABLE, "", "intake is away");
    mail_outcome_reply (&outcome, "r@c", line, sizeof line);
    assert_string_equal (line, "451 4.3.0 intake is away");
}

static void
test_receipt_parses_back (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("baosong-receipt");
    bs_error_t error;
    bs_config_t *config = bs_config_load (NULL, &error);
    assert_non_null (config);
    assert_int_equal (bs_config_set (config, "data_dir", folder, &error), BS_OK);
    mail_t mail;
    assert_int_equal (mail_init (&mail, config, &error), BS_OK);
    mail_report_t report;
    assert_int_equal (s_parse ("big5_subject.eml", &report, &error), BS_OK);
    mail_outcome_t outcome = {.code = BS_OK, .received_at = 1795000000000};
    snprintf (outcome.status, sizeof outcome.status, "registered");
    snprintf (outcome.reg_no, sizeof outcome.reg_no, "2026-000123");
    mail_envelope_id ("x", 1, outcome.id, sizeof outcome.id);
    char *receipt = mail_receipt_build (&mail, &report, &outcome);
    assert_non_null (receipt);
    assert_non_null (strstr (receipt, "In-Reply-To: <big5-subject@county.example>"));
    assert_non_null (strstr (receipt, "Auto-Submitted: auto-replied"));
    assert_non_null (strstr (receipt, "To: officer@county.example"));
    mail_report_t back;
    assert_int_equal (mail_parse (receipt, strlen (receipt), &s_limits, &back, &error), BS_OK);
    assert_string_equal (back.submit.title, "回執：已登記 2026-000123");
    assert_non_null (strstr (back.submit.body, "登記號：2026-000123"));
    assert_non_null (strstr (back.submit.body, "標題：信息報送工作會議紀要"));
    assert_true (back.auto_submitted);
    mail_report_clear (&back);
    free (receipt);
    /* written once to the outbox, however often it is sent */
    assert_int_equal (mail_receipt_send (&mail, &report, &outcome, &error), BS_OK);
    assert_int_equal (mail_receipt_send (&mail, &report, &outcome, &error), BS_OK);
    char command[1400];
    snprintf (command, sizeof command, "test $(ls '%s/mail/outbox/new' | wc -l) -eq 1", folder);
    assert_int_equal (system (command), 0);
    mail_report_clear (&report);
    bs_config_destroy (&config);
    bs_folder_remove (folder);
    free (folder);
}

/* A mail built in memory: headers (CRLF-separated) and a plain body. */
static int
s_parse_text (const char *headers, mail_report_t *report, bs_error_t *error)
{
    char mail[4096];
    snprintf (mail, sizeof mail,
              "From: officer@county.example\r\nTo: report@city.example\r\n%s\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n\r\n正文。\r\n",
              headers);
    return mail_parse (mail, strlen (mail), &s_limits, report, error);
}

static void
test_header_injection_is_refused (void **state)
{
    (void) state;
    mail_report_t report;
    bs_error_t error;
    /* A Message-ID whose encoded word decodes to CR LF + "Bcc: ...": the
       receipt would have carried it as a header of its own. */
    const char *hostile[] = {
        "Subject: t\r\nMessage-ID: <=?utf-8?q?a=0D=0ABcc=3A_victim=40evil=2Eexample?=@x>",
        "Subject: t\r\nMessage-ID: =?utf-8?b?PGFAeD4NCkJjYzogdmljdGltQGV2aWwuZXhhbXBsZT4=?=",
        "Subject: t\r\nMessage-ID: <a=?utf-8?q?=1B=5B31m?=@x>",
    };
    for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
        int rc = s_parse_text (hostile[i], &report, &error);
        if (rc == BS_OK) {
            const char *id = report.submit.message_id ? report.submit.message_id : "";
            for (const char *at = id; *at; at++)
                if ((unsigned char) *at < 0x20 || *at == 0x7f)
                    fail_msg ("case %zu: a control character reached message_id: %s", i, id);
            mail_report_clear (&report);
        } else {
            assert_int_equal (rc, BS_E_MALFORMED);
            assert_string_equal (error.field, "message_id");
        }
    }
    /* Whatever the parser lets through, the receipt never echoes a control
       character into a header. */
    char *folder = bs_test_temp_dir ("baosong-receipt");
    bs_config_t *config = bs_config_load (NULL, &error);
    assert_non_null (config);
    assert_int_equal (bs_config_set (config, "data_dir", folder, &error), BS_OK);
    mail_t mail;
    assert_int_equal (mail_init (&mail, config, &error), BS_OK);
    assert_int_equal (s_parse_text ("Subject: t\r\nMessage-ID: <ok@x>", &report, &error), BS_OK);
    free (report.submit.message_id);
    report.submit.message_id = strdup ("a@x>\r\nBcc: victim@evil.example\r\nX-Y: <b");
    mail_outcome_t outcome = {.code = BS_OK, .received_at = 1795000000000};
    snprintf (outcome.status, sizeof outcome.status, "registered");
    snprintf (outcome.reg_no, sizeof outcome.reg_no, "2026-000124");
    mail_envelope_id ("y", 1, outcome.id, sizeof outcome.id);
    char *receipt = mail_receipt_build (&mail, &report, &outcome);
    assert_non_null (receipt);
    if (strstr (receipt, "\nBcc:") || strstr (receipt, "victim@evil"))
        fail_msg ("the receipt carries the injected header:\n%s", receipt);
    assert_null (strstr (receipt, "In-Reply-To"));
    free (receipt);
    /* A From address with a control character gets no receipt either. */
    free (report.reply_to);
    report.reply_to = strdup ("a@x\r\nBcc: victim@evil.example");
    receipt = mail_receipt_build (&mail, &report, &outcome);
    if (receipt && (strstr (receipt, "\nBcc:") || strstr (receipt, "victim@evil")))
        fail_msg ("the receipt carries the injected header:\n%s", receipt);
    free (receipt);
    mail_report_clear (&report);
    bs_config_destroy (&config);
    bs_folder_remove (folder);
    free (folder);
}

/* Found by tests/fuzz (mime): an empty text part reached memchr with a
   NULL buffer (undefined behaviour; the sanitizer build aborts on it). */
static void
test_empty_text_part (void **state)
{
    (void) state;
    const char *mail = "From: officer@county.example\r\nSubject: empty\r\nMIME-Version: 1.0\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n\r\n";
    mail_report_t report;
    bs_error_t error;
    assert_int_equal (mail_parse (mail, strlen (mail), &s_limits, &report, &error), BS_E_INVALID);
    assert_string_equal (error.field, "body");
    mail_report_clear (&report);
}

/* Found by tests/fuzz (mime): each paragraph mark, one byte, becomes two
   line breaks, and the text was rewritten in place: "x<p>" repeated (or
   raw mark bytes) overran the buffer (ASan: heap-buffer-overflow). */
static void
test_html_paragraphs_grow_the_text (void **state)
{
    (void) state;
    for (size_t count = 1; count < 400; count += 7) {
        char *html = calloc (count, 8);
        char *expected = calloc (count, 4);
        for (size_t i = 0; i < count; i++) {
            strcat (html, i % 2 ? "x\002" : "x<p>");
            strcat (expected, i ? "\n\nx" : "x");
        }
        char *text = mail_text_from_html (html);
        assert_non_null (text);
        assert_string_equal (text, expected);
        free (text);
        free (expected);
        free (html);
    }
}

static int
s_setup (void **state)
{
    (void) state;
    mail_parse_init ();
    return 0;
}

static int
s_teardown (void **state)
{
    (void) state;
    mail_parse_shutdown ();
    return 0;
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_gbk_base64),
        cmocka_unit_test (test_gb18030_quoted_printable),
        cmocka_unit_test (test_big5_subject),
        cmocka_unit_test (test_html_only),
        cmocka_unit_test (test_docx_attachment),
        cmocka_unit_test (test_bad_mail_is_refused),
        cmocka_unit_test (test_too_many_attachments),
        cmocka_unit_test (test_too_much_text),
        cmocka_unit_test (test_no_subject_takes_the_first_line),
        cmocka_unit_test (test_raw_eight_bit_subject),
        cmocka_unit_test (test_plain_wins_in_alternative),
        cmocka_unit_test (test_headers_decode_exactly),
        cmocka_unit_test (test_charsets_convert_strictly),
        cmocka_unit_test (test_html_to_text),
        cmocka_unit_test (test_hostile_text_is_linear),
        cmocka_unit_test (test_tidy),
        cmocka_unit_test (test_replies_name_the_reason),
        cmocka_unit_test (test_receipt_parses_back),
        cmocka_unit_test (test_header_injection_is_refused),
        cmocka_unit_test (test_empty_text_part),
        cmocka_unit_test (test_html_paragraphs_grow_the_text),
    };
    return cmocka_run_group_tests (tests, s_setup, s_teardown);
}
