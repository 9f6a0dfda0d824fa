/*  gateway pages: the plain HTML form for officers (Chinese, UTF-8).

    GET /submit shows the login form, or, with a session cookie, the
    submission form; POST /login (with the login form's own token, tied to
    the bs_login cookie) sets the cookie (HttpOnly, SameSite=Strict, and
    Secure with gateway.behind_tls) and goes to the form; POST /submit
    registers the report and answers with a receipt page naming its
    registration number (已登記，登記號 …). No script, no external file,
    one inline style allowed by its hash in the Content-Security-Policy:
    the pages work in any browser, and every value shown is HTML-escaped.
    Each form carries the session's form token (CSRF), checked on POST.
    The web console (console.c) is at /; this form stays for browsers
    without scripts.
*/
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bs_html.h"
#include "bs_log.h"
#include "bs_text.h"

/* The pages' only style, inline: the Content-Security-Policy allows it by
   its hash (gateway_pages_policy), so no other inline style or script
   runs. */
static const char s_style[] =
    "body{font-family:sans-serif;max-width:44em;margin:2em auto;padding:0 1em}"
    "label{display:block;margin-top:1em}input[type=text],textarea,select"
    "{width:100%;box-sizing:border-box}textarea{height:14em}.error{color:#a00}"
    ".receipt{font-size:1.3em}";

void
gateway_pages_policy (char *buffer, size_t size)
{
    unsigned char hash[crypto_hash_sha256_BYTES];
    crypto_hash_sha256 (hash, (const unsigned char *) s_style, strlen (s_style));
    char encoded[sodium_base64_ENCODED_LEN (sizeof hash, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64 (encoded, sizeof encoded, hash, sizeof hash, sodium_base64_VARIANT_ORIGINAL);
    snprintf (buffer, size,
              "default-src 'self'; style-src 'self' 'sha256-%s'; img-src 'self' data:; "
              "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
              encoded);
}

static FILE *
s_page_open (char **text, size_t *size, const char *title)
{
    FILE *stream = bs_text_stream_open (text, size);
    if (!stream)
        return NULL;
    fputs ("<!DOCTYPE html>\n<html lang=\"zh-Hant\">\n<head>\n<meta charset=\"utf-8\">\n"
           "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
           stream);
    bs_html_escape (stream, title);
    fprintf (stream, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", s_style);
    bs_html_escape (stream, title);
    fputs ("</h1>\n", stream);
    return stream;
}

/* text is where the stream puts the page: only valid once closed. A page
   that could not be written whole is not sent (as one whose stream could
   not be opened). */
static enum MHD_Result
s_page_close (gateway_request_t *request, FILE *stream, char **text, unsigned status,
              const char *cookie, const char *location)
{
    fputs ("</body>\n</html>\n", stream);
    if (!bs_text_stream_close (stream, text))
        return MHD_NO;
    return gateway_reply_html (request, status, *text, cookie, location);
}

/* The login form's token (against login CSRF: another site logging a
   browser in as someone else). There is no session yet, so the browser
   gets a random nonce in the bs_login cookie and the form a MAC of it
   under the gateway key; POST /login needs both to match. A nonce the
   browser already has is kept, so two open login tabs both work. */
#define S_NONCE_BYTES 16
#define S_NONCE_TEXT (2 * S_NONCE_BYTES)

static bool
s_nonce_ok (const char *nonce)
{
    return nonce && strlen (nonce) == S_NONCE_TEXT
           && strspn (nonce, "0123456789abcdef") == S_NONCE_TEXT;
}

static void
s_login_token (gateway_request_t *request, const char *nonce, char *token, size_t size)
{
    char what[S_NONCE_TEXT + 8];
    snprintf (what, sizeof what, "login:%s", nonce);
    gateway_session_csrf (what, gateway_session_key (request->gateway), token, size);
}

static bool
s_login_token_ok (gateway_request_t *request, const char *given)
{
    const char *nonce = gateway_cookie (request, "bs_login");
    if (!s_nonce_ok (nonce) || !given)
        return false;
    char expected[GATEWAY_CSRF_MAX];
    s_login_token (request, nonce, expected, sizeof expected);
    return strlen (given) == strlen (expected)
           && sodium_memcmp (given, expected, strlen (expected)) == 0;
}

static enum MHD_Result
s_login_page (gateway_request_t *request, unsigned status, const char *message)
{
    char nonce[S_NONCE_TEXT + 1];
    const char *known = gateway_cookie (request, "bs_login");
    if (s_nonce_ok (known))
        snprintf (nonce, sizeof nonce, "%s", known);
    else {
        unsigned char fresh[S_NONCE_BYTES];
        randombytes_buf (fresh, sizeof fresh);
        sodium_bin2hex (nonce, sizeof nonce, fresh, sizeof fresh);
    }
    char token[GATEWAY_CSRF_MAX], cookie[200];
    s_login_token (request, nonce, token, sizeof token);
    gateway_cookie_format (request, "bs_login", nonce, 3600, cookie, sizeof cookie);
    char *text = NULL;
    size_t size = 0;
    FILE *stream = s_page_open (&text, &size, "組工信息報送 · 登錄");
    if (!stream)
        return MHD_NO;
    if (message) {
        fputs ("<p class=\"error\">", stream);
        bs_html_escape (stream, message);
        fputs ("</p>\n", stream);
    }
    fputs ("<form method=\"post\" action=\"/login\" accept-charset=\"utf-8\">\n"
           "<input type=\"hidden\" name=\"csrf\" value=\"",
           stream);
    bs_html_escape (stream, token);
    fputs ("\">\n<label>登錄名 <input type=\"text\" name=\"login\" required autofocus></label>\n"
           "<label>密碼 <input type=\"password\" name=\"password\" required></label>\n"
           "<p><button type=\"submit\">登錄</button></p>\n</form>\n",
           stream);
    return s_page_close (request, stream, &text, status, cookie, NULL);
}

static enum MHD_Result
s_message_page (gateway_request_t *request, unsigned status, const char *title, const char *message)
{
    char *text = NULL;
    size_t size = 0;
    FILE *stream = s_page_open (&text, &size, title);
    if (!stream)
        return MHD_NO;
    fputs ("<p class=\"error\">", stream);
    bs_html_escape (stream, message);
    fputs ("</p>\n<p><a href=\"/submit\">返回報送頁</a></p>\n", stream);
    return s_page_close (request, stream, &text, status, NULL, NULL);
}

static enum MHD_Result
s_submit_page (gateway_request_t *request)
{
    const gateway_principal_t *principal = &request->principal;
    char csrf[GATEWAY_CSRF_MAX];
    gateway_csrf_token (request, csrf, sizeof csrf);
    char *text = NULL;
    size_t size = 0;
    FILE *stream = s_page_open (&text, &size, "組工信息報送");
    if (!stream)
        return MHD_NO;
    fputs ("<p>信息員 ", stream);
    bs_html_escape (stream, principal->login);
    fputs ("，報送單位：", stream);
    bs_html_escape (stream, principal->unit);
    fputs ("</p>\n<form method=\"post\" action=\"/submit\" enctype=\"multipart/form-data\" "
           "accept-charset=\"utf-8\">\n<input type=\"hidden\" name=\"csrf\" value=\"",
           stream);
    bs_html_escape (stream, csrf);
    fputs ("\">\n<label>標題 <input type=\"text\" name=\"title\" required maxlength=\"200\">"
           "</label>\n<label>正文 <textarea name=\"body\" required></textarea></label>\n"
           "<label>類別 <select name=\"kind\">\n"
           "<option value=\"situation\">情況報道</option>\n"
           "<option value=\"topic\">專題信息</option>\n"
           "<option value=\"urgent\">緊急重要信息</option>\n"
           "<option value=\"research\">調研性信息</option>\n"
           "<option value=\"highlight\">特色、亮點信息</option>\n</select></label>\n"
           "<label>專題 <input type=\"text\" name=\"topic\"></label>\n"
           "<label><input type=\"checkbox\" name=\"urgent\" value=\"on\"> 緊急</label>\n"
           "<label>附件 <input type=\"file\" name=\"attachments\" multiple></label>\n"
           "<p><button type=\"submit\">報送</button></p>\n</form>\n"
           "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
           "value=\"",
           stream);
    bs_html_escape (stream, csrf);
    fputs ("\"><button type=\"submit\">退出登錄</button></form>\n", stream);
    return s_page_close (request, stream, &text, 200, NULL, NULL);
}

/* The signed-in officer of a page request, or false (no or bad cookie). */
static bool
s_signed_in (gateway_request_t *request, bool *unavailable)
{
    bs_error_t error;
    int rc = gateway_authenticate (request, &error);
    *unavailable = rc == BS_E_UNAVAILABLE || rc == BS_E_TIMEOUT;
    return rc == BS_OK && *request->principal.login;
}

enum MHD_Result
gateway_page_home (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    bool unavailable;
    if (!s_signed_in (request, &unavailable))
        return unavailable
                   ? s_message_page (request, 503, "組工信息報送", "系統暫時無法使用，請稍後再試。")
                   : s_login_page (request, 200, NULL);
    return s_submit_page (request);
}

enum MHD_Result
gateway_page_login (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    const gateway_part_t *csrf = gateway_form_field (request, "csrf");
    if (!s_login_token_ok (request, csrf ? (const char *) csrf->data : NULL))
        return s_login_page (request, 403, "登錄表單已失效，請重新登錄。");
    const gateway_part_t *login = gateway_form_field (request, "login");
    const gateway_part_t *password = gateway_form_field (request, "password");
    if (!login || !password || !login->size || !password->size)
        return s_login_page (request, 400, "請填寫登錄名和密碼。");
    char *token = NULL, name[BS_NAME_MAX + 1];
    unsigned status = 0;
    bs_error_t error;
    if (gateway_login (request, (const char *) login->data, (const char *) password->data, &token,
                       name, sizeof name, &status, &error)
        != BS_OK)
        return s_login_page (request, status,
                             status == 401   ? "登錄名或密碼不正確。"
                             : status == 429 ? "密碼錯誤次數過多，請稍後再試。"
                                             : "系統暫時無法登錄，請稍後再試。");
    char cookie[1400];
    gateway_session_cookie (request, token, cookie, sizeof cookie);
    free (token);
    char *text =
        strdup ("<!DOCTYPE html><meta charset=\"utf-8\"><a href=\"/submit\">/submit</a>\n");
    return gateway_reply_html (request, 303, text, cookie, "/submit");
}

enum MHD_Result
gateway_page_logout (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    gateway_logout (request);
    char cookie[200];
    gateway_session_cookie (request, NULL, cookie, sizeof cookie);
    char *text =
        strdup ("<!DOCTYPE html><meta charset=\"utf-8\"><a href=\"/submit\">/submit</a>\n");
    return gateway_reply_html (request, 303, text, cookie, "/submit");
}

enum MHD_Result
gateway_page_submit (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    bool unavailable;
    if (!s_signed_in (request, &unavailable))
        return unavailable
                   ? s_message_page (request, 503, "無法報送", "系統暫時無法使用，請稍後再試。")
                   : s_login_page (request, 401, "登錄已失效，請重新登錄。");
    const gateway_part_t *csrf = gateway_form_field (request, "csrf");
    if (!gateway_csrf_ok (request, csrf ? (const char *) csrf->data : ""))
        return s_message_page (request, 403, "無法報送", "表單已失效，請重新打開報送頁。");
    bs_submit_t submit;
    bs_submitted_t receipt;
    bs_error_t error;
    unsigned status = 400;
    int rc = gateway_submit_from_form (request, &submit, &error);
    if (rc == BS_OK) {
        rc = gateway_submit (request, &submit, &receipt, &status, &error);
        bs_codec_record_free (&bs_submit_schema, &submit);
    } else
        status = gateway_http_status (rc);
    if (rc != BS_OK) {
        /* One snprintf: a long text and field are cut, never overrun. */
        char message[BS_ERROR_TEXT_MAX + BS_ERROR_FIELD_MAX + 40];
        bool field = *error.field;
        snprintf (message, sizeof message, "未能登記：%s%s%s%s", error.text, field ? "（欄位 " : "",
                  error.field, field ? "）" : "");
        bs_log_info ("POST /submit refused: %s", error.text);
        return s_message_page (request, status, "未能登記", message);
    }
    char *text = NULL;
    size_t size = 0;
    FILE *stream = s_page_open (&text, &size, "報送回執");
    if (!stream) {
        bs_codec_record_free (&bs_submitted_schema, &receipt);
        return MHD_NO;
    }
    const char *state = receipt.status ? receipt.status : "registered";
    fputs ("<p class=\"receipt\">", stream);
    if (strcmp (state, "duplicate") == 0)
        fputs ("此稿件已登記過，登記號 ", stream);
    else if (strcmp (state, "revised") == 0)
        fprintf (stream, "已登記修訂稿（第 %llu 版），登記號 ",
                 (unsigned long long) receipt.version);
    else if (strcmp (state, "held") == 0)
        fprintf (stream, "已收到，待工作人員分派（暫存號 %llu）",
                 (unsigned long long) receipt.hold_id);
    else
        fputs ("已登記，登記號 ", stream);
    if (strcmp (state, "held") != 0) {
        fputs ("<strong id=\"reg_no\">", stream);
        bs_html_escape (stream, receipt.reg_no);
        fputs ("</strong>", stream);
    }
    fputs ("</p>\n<p>標題：", stream);
    const gateway_part_t *title = gateway_form_field (request, "title");
    bs_html_escape (stream, title ? (const char *) title->data : "");
    fputs ("</p>\n<p><a href=\"/submit\">繼續報送</a></p>\n", stream);
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    return s_page_close (request, stream, &text, status == 201 ? 201 : 200, NULL, NULL);
}
