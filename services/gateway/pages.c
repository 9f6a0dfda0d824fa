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
    without scripts. Its words are in the script the person chose
    (page_text.c: the console's choice, or this page's own switch), the
    officer named by their name as entered.
*/
#include "gateway.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "bs_html.h"
#include "bs_log.h"

/* The script of the person asking (page_text.c); asked on the page
   itself (?script=), it is kept in the bs_script cookie (*cookie, else
   left empty). */
static gateway_script_t
s_script (gateway_request_t *request, char *cookie, size_t size)
{
    const char *asked = gateway_query (request, "script");
    gateway_script_t script = gateway_script_choose (asked, gateway_cookie (request, "bs_script"),
                                                     gateway_header (request, "Accept-Language"));
    if (cookie && size)
        *cookie = 0;
    if (asked && cookie && strcmp (asked, gateway_script_tag (script)) == 0)
        gateway_script_cookie (script, cookie, size);
    return script;
}

#define S_WORD(id) gateway_text (GATEWAY_TEXT_##id, script)

/* text is where the stream puts the page: only valid once closed. A page
   that could not be written whole is not sent (as one whose stream could
   not be opened). cookies: the Set-Cookie values, one a line. */
static enum MHD_Result
s_page_close (gateway_request_t *request, FILE *stream, char **text, unsigned status,
              const char *cookies, const char *location)
{
    if (!gateway_page_close (stream, text))
        return MHD_NO;
    return gateway_reply_html (request, status, *text, cookies && *cookies ? cookies : NULL,
                               location);
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
s_login_page (gateway_request_t *request, unsigned status, int message)
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
    char token[GATEWAY_CSRF_MAX], cookies[400], kept[120];
    s_login_token (request, nonce, token, sizeof token);
    gateway_script_t script = s_script (request, kept, sizeof kept);
    gateway_cookie_format (request, "bs_login", nonce, 3600, cookies, sizeof cookies);
    if (*kept)
        snprintf (cookies + strlen (cookies), sizeof cookies - strlen (cookies), "\n%s", kept);
    char *text = NULL;
    size_t size = 0;
    FILE *stream = gateway_page_open (&text, &size, S_WORD (LOGIN_TITLE), script, "/submit");
    if (!stream)
        return MHD_NO;
    if (message >= 0) {
        fputs ("<p class=\"error\">", stream);
        bs_html_escape (stream, gateway_text ((gateway_text_t) message, script));
        fputs ("</p>\n", stream);
    }
    fputs ("<form method=\"post\" action=\"/login\" accept-charset=\"utf-8\">\n"
           "<input type=\"hidden\" name=\"csrf\" value=\"",
           stream);
    bs_html_escape (stream, token);
    fprintf (stream,
             "\">\n<label>%s <input type=\"text\" name=\"login\" required autofocus></label>\n"
             "<label>%s <input type=\"password\" name=\"password\" required></label>\n"
             "<p><button type=\"submit\">%s</button></p>\n</form>\n",
             S_WORD (LOGIN_NAME), S_WORD (PASSWORD), S_WORD (LOGIN));
    return s_page_close (request, stream, &text, status, cookies, NULL);
}

/* A page saying why not (title and message), with the way back; message
   is a page's word, detail (may be NULL) what the service said. */
static enum MHD_Result
s_message_page (gateway_request_t *request, unsigned status, gateway_text_t title,
                gateway_text_t message, const char *detail)
{
    char kept[120];
    gateway_script_t script = s_script (request, kept, sizeof kept);
    char *text = NULL;
    size_t size = 0;
    FILE *stream =
        gateway_page_open (&text, &size, gateway_text (title, script), script, "/submit");
    if (!stream)
        return MHD_NO;
    fputs ("<p class=\"error\">", stream);
    bs_html_escape (stream, gateway_text (message, script));
    if (detail)
        bs_html_escape (stream, detail);
    fprintf (stream, "</p>\n<p><a href=\"/submit\">%s</a></p>\n", S_WORD (BACK));
    return s_page_close (request, stream, &text, status, kept, NULL);
}

/* A refusal of the submission form, shown above it: the sentence in the
   person's script and the form's field at fault ("" for none). */
typedef struct {
    const char *message;
    char field[BS_ERROR_FIELD_MAX];
} s_refusal_t;

/* A control's label and the start of the control's tag (control, as
   "textarea" or "input type=\"text\"", of field name), both marked when
   the refusal names the field: the control described by the refusal and
   focused. word (NULL: none, a box's word comes after it) names it; the
   caller ends the tag. */
static void
s_control_open (FILE *stream, const s_refusal_t *refusal, const char *word, const char *control,
                const char *name)
{
    bool fault = refusal && strcmp (refusal->field, name) == 0;
    fprintf (stream, "<label%s>%s%s<%s name=\"%s\"%s", fault ? " class=\"invalid\"" : "",
             word ? word : "", word ? " " : "", control, name,
             fault ? " aria-invalid=\"true\" aria-describedby=\"refusal\" autofocus" : "");
}

/* What the person typed in field name, as the refused form posted it
   ("" when none: a fresh form). */
static const char *
s_typed (gateway_request_t *request, const s_refusal_t *refusal, const char *name)
{
    const gateway_part_t *part = refusal ? gateway_form_field (request, name) : NULL;
    return part && part->data && !part->filename ? (const char *) part->data : "";
}

/* The submission form: fresh (refusal NULL, status 200), or again after a
   refusal with what the person typed (all but the files, which a page
   cannot give back), the refusal above it and its field marked. */
static enum MHD_Result
s_submit_page (gateway_request_t *request, unsigned status, const s_refusal_t *refusal)
{
    const gateway_principal_t *principal = &request->principal;
    char csrf[GATEWAY_CSRF_MAX], kept[120];
    gateway_csrf_token (request, csrf, sizeof csrf);
    gateway_script_t script = s_script (request, kept, sizeof kept);
    char *text = NULL;
    size_t size = 0;
    FILE *stream = gateway_page_open (&text, &size, S_WORD (TITLE), script, "/submit");
    if (!stream)
        return MHD_NO;
    /* The officer by their name as entered (the login where none). */
    fprintf (stream, "<p>%s", S_WORD (OFFICER));
    bs_html_escape (stream, *principal->name ? principal->name : principal->login);
    fputs (S_WORD (UNIT), stream);
    bs_html_escape (stream, principal->unit);
    fputs ("</p>\n", stream);
    if (refusal) {
        fprintf (stream, "<p class=\"error\" id=\"refusal\" role=\"alert\">%s：",
                 S_WORD (NOT_REGISTERED));
        bs_html_escape (stream, refusal->message);
        fputs ("</p>\n", stream);
    }
    fputs ("<form method=\"post\" action=\"/submit\" enctype=\"multipart/form-data\" "
           "accept-charset=\"utf-8\">\n<input type=\"hidden\" name=\"csrf\" value=\"",
           stream);
    bs_html_escape (stream, csrf);
    fputs ("\">\n", stream);
    s_control_open (stream, refusal, S_WORD (FIELD_TITLE), "input type=\"text\"", "title");
    fputs (" required maxlength=\"200\" value=\"", stream);
    bs_html_escape (stream, s_typed (request, refusal, "title"));
    fputs ("\"></label>\n", stream);
    /* A textarea drops one newline right after its tag: give it one, so
       a text that starts with a newline keeps it. */
    s_control_open (stream, refusal, S_WORD (FIELD_BODY), "textarea", "body");
    fputs (" required>\n", stream);
    bs_html_escape (stream, s_typed (request, refusal, "body"));
    fputs ("</textarea></label>\n", stream);
    s_control_open (stream, refusal, S_WORD (FIELD_KIND), "select", "kind");
    fputs (">\n", stream);
    static const struct {
        const char *value;
        gateway_text_t word;
    } kinds[] = {{"situation", GATEWAY_TEXT_KIND_SITUATION},
                 {"topic", GATEWAY_TEXT_KIND_TOPIC},
                 {"urgent", GATEWAY_TEXT_KIND_URGENT},
                 {"research", GATEWAY_TEXT_KIND_RESEARCH},
                 {"highlight", GATEWAY_TEXT_KIND_HIGHLIGHT}};
    const char *kind = s_typed (request, refusal, "kind");
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        fprintf (stream, "<option value=\"%s\"%s>%s</option>\n", kinds[i].value,
                 strcmp (kind, kinds[i].value) == 0 ? " selected" : "",
                 gateway_text (kinds[i].word, script));
    fputs ("</select></label>\n", stream);
    s_control_open (stream, refusal, S_WORD (FIELD_TOPIC), "input type=\"text\"", "topic");
    fputs (" value=\"", stream);
    bs_html_escape (stream, s_typed (request, refusal, "topic"));
    fputs ("\"></label>\n", stream);
    s_control_open (stream, refusal, NULL, "input type=\"checkbox\"", "urgent");
    fprintf (stream, " value=\"on\"%s> %s</label>\n",
             *s_typed (request, refusal, "urgent") ? " checked" : "", S_WORD (FIELD_URGENT));
    s_control_open (stream, refusal, S_WORD (FIELD_ATTACHMENTS), "input type=\"file\"",
                    "attachments");
    fprintf (stream,
             " multiple></label>\n"
             "<p><button type=\"submit\">%s</button></p>\n</form>\n"
             "<form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
             "value=\"",
             S_WORD (SUBMIT));
    bs_html_escape (stream, csrf);
    fprintf (stream, "\"><button type=\"submit\">%s</button></form>\n", S_WORD (LOGOUT));
    return s_page_close (request, stream, &text, status, kept, NULL);
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
        return unavailable ? s_message_page (request, 503, GATEWAY_TEXT_TITLE,
                                             GATEWAY_TEXT_UNAVAILABLE, NULL)
                           : s_login_page (request, 200, -1);
    return s_submit_page (request, 200, NULL);
}

enum MHD_Result
gateway_page_login (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    const gateway_part_t *csrf = gateway_form_field (request, "csrf");
    if (!s_login_token_ok (request, csrf ? (const char *) csrf->data : NULL))
        return s_login_page (request, 403, GATEWAY_TEXT_LOGIN_FORM_EXPIRED);
    const gateway_part_t *login = gateway_form_field (request, "login");
    const gateway_part_t *password = gateway_form_field (request, "password");
    if (!login || !password || !login->size || !password->size)
        return s_login_page (request, 400, GATEWAY_TEXT_LOGIN_MISSING);
    char *token = NULL, name[BS_NAME_MAX + 1];
    unsigned status = 0;
    bs_error_t error;
    if (gateway_login (request, (const char *) login->data, (const char *) password->data, &token,
                       name, sizeof name, &status, &error)
        != BS_OK)
        return s_login_page (request, status,
                             status == 401   ? GATEWAY_TEXT_LOGIN_WRONG
                             : status == 403 ? GATEWAY_TEXT_LOGIN_DISABLED
                             : status == 429 ? GATEWAY_TEXT_LOGIN_TOO_MANY
                                             : GATEWAY_TEXT_LOGIN_UNAVAILABLE);
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

/* The form again after a refusal, said as the console says it (the
   service's own sentence where the console's dictionaries cannot be
   read), the field at fault being the form's control it names: its first
   word ("attachments" of "attachments[2].name"); a body too large, which
   names none, is the files' doing (as web/js/errors.js has it). */
static enum MHD_Result
s_submit_refused (gateway_request_t *request, unsigned status, const bs_error_t *error,
                  gateway_script_t script)
{
    char message[BS_ERROR_TEXT_MAX + 2 * BS_ERROR_FIELD_MAX];
    const gateway_refusal_words_t *words =
        gateway_console_refusal_words (gateway_console (request->gateway));
    if (!gateway_refusal_words_say (words, bs_error_name (error->code), error, script, message,
                                    sizeof message))
        snprintf (message, sizeof message, "%s%s%s%s", error->text,
                  *error->field ? S_WORD (FIELD_NAMED) : "", error->field,
                  *error->field ? "）" : "");
    s_refusal_t refusal = {.message = message};
    snprintf (refusal.field, sizeof refusal.field, "%.*s", (int) strcspn (error->field, "[."),
              error->field);
    if (!*refusal.field && strcmp (error->reason, "too_large") == 0)
        snprintf (refusal.field, sizeof refusal.field, "attachments");
    return s_submit_page (request, status, &refusal);
}

enum MHD_Result
gateway_page_submit (gateway_request_t *request, const gateway_route_t *route, const char *tail)
{
    (void) route;
    (void) tail;
    bool unavailable;
    if (!s_signed_in (request, &unavailable))
        return unavailable ? s_message_page (request, 503, GATEWAY_TEXT_SUBMIT_FAILED,
                                             GATEWAY_TEXT_UNAVAILABLE, NULL)
                           : s_login_page (request, 401, GATEWAY_TEXT_SESSION_EXPIRED);
    const gateway_part_t *csrf = gateway_form_field (request, "csrf");
    if (!gateway_csrf_ok (request, csrf ? (const char *) csrf->data : ""))
        return s_message_page (request, 403, GATEWAY_TEXT_SUBMIT_FAILED, GATEWAY_TEXT_FORM_EXPIRED,
                               NULL);
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
    gateway_script_t script = s_script (request, NULL, 0);
    if (rc != BS_OK) {
        bs_log_info ("POST /submit refused: %s%s%s%s%s", error.text, *error.field ? " field " : "",
                     error.field, *error.reason ? " reason " : "", error.reason);
        return s_submit_refused (request, status, &error, script);
    }
    char *text = NULL;
    size_t size = 0;
    FILE *stream = gateway_page_open (&text, &size, S_WORD (RECEIPT), script, "/submit");
    if (!stream) {
        bs_codec_record_free (&bs_submitted_schema, &receipt);
        return MHD_NO;
    }
    const char *state = receipt.status ? receipt.status : "registered";
    fputs ("<p class=\"receipt\">", stream);
    if (strcmp (state, "duplicate") == 0)
        fputs (S_WORD (RECEIPT_DUPLICATE), stream);
    else if (strcmp (state, "revised") == 0)
        fprintf (stream, "%s%llu%s", S_WORD (RECEIPT_REVISED), (unsigned long long) receipt.version,
                 S_WORD (RECEIPT_REVISED_NO));
    else if (strcmp (state, "held") == 0)
        fprintf (stream, "%s%llu）", S_WORD (RECEIPT_HELD), (unsigned long long) receipt.hold_id);
    else
        fputs (S_WORD (RECEIPT_REGISTERED), stream);
    if (strcmp (state, "held") != 0) {
        fputs ("<strong id=\"reg_no\">", stream);
        bs_html_escape (stream, receipt.reg_no);
        fputs ("</strong>", stream);
    }
    fprintf (stream, "</p>\n<p>%s", S_WORD (RECEIPT_TITLE));
    const gateway_part_t *title = gateway_form_field (request, "title");
    bs_html_escape (stream, title ? (const char *) title->data : "");
    fprintf (stream, "</p>\n<p><a href=\"/submit\">%s</a></p>\n", S_WORD (CONTINUE));
    bs_codec_record_free (&bs_submitted_schema, &receipt);
    return s_page_close (request, stream, &text, status == 201 ? 201 : 200, NULL, NULL);
}
