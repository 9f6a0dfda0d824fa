/*  gateway: baosong's HTTP/JSON front door (libmicrohttpd + jansson).

    People (officers with a login) and systems (API tokens) reach the
    services through it: reports in as JSON or multipart forms, receipts and
    statuses out, and a plain HTML form for officers. It keeps no state of
    its own: sessions are signed tokens (session.h), everything else is a
    ZeroMQ command to intake or review.

    The parts:
      gateway.c   the HTTP server: libmicrohttpd with a thread per connection
                  (or a pool), bodies and multipart forms read within
                  limits, one log line per request; it calls the routes and
                  no file calls it;
      http.c      what every handler uses: service calls on the thread's
                  own ZeroMQ client (sockets are never shared between
                  threads), the request's headers, cookies, query, form and
                  JSON body, and the answers (an error of a file opened in
                  a browser's tab as a page in Chinese); it calls no other
                  file but page_text.c;
      auth.c      who is asking: a session (cookie or Bearer s1.…) or an API
                  token checked by intake (registry.token_check), and the
                  form token (CSRF) of cookie sessions;
      routes.c    the endpoint table and the JSON API handlers;
      sign_in.c   login, logout and the session cookie (API and pages);
      submit.c    a submission from JSON or a form, sent to intake;
      routes_units.c  a unit's commissions (約稿), notices (通知) and
                  withdrawal (撤回);
      pages.c     the HTML pages (login, submission form, receipt) that
                  work with no script;
      page_text.c the words of those pages in either script, the script a
                  person chose, and a page's frame; it calls no other file;
      refusal_words.c  a refusal in the console's sentences (its
                  dictionaries), for those pages;
      console.c   the web console's files (gateway.web_root), read as the
                  gateway starts; console_static.c serves them under
                  /static/, console_page.c writes a page: who may open it
                  (console_access.c), its first reads (console_reads.c),
                  the page and header written whole (console_written.c);
      bundle.c    the console's modules made one script as the gateway starts;
      console_api.c  the listings only the console needs (my reports,
                  service status);
      session.c   signing and checking session tokens;
      feed.c      the live statistics as Server-Sent Events;
      feed_ring.c the feed's changes, read once for every page;
      metrics.c   GET /metrics for Prometheus: its counters, the services'
                  pings, review's queue.

    Every answer carries Content-Security-Policy (same origin only, no
    framing), Referrer-Policy: no-referrer, X-Frame-Options: DENY,
    X-Content-Type-Options: nosniff and Cache-Control: no-store (the
    console's hashed script and style sheet may be kept: console_static.c); with
    gateway.behind_tls also Strict-Transport-Security, and cookies are
    Secure. An attachment is served under a sandboxing policy.

    Errors: every refusal is an HTTP 4xx/5xx with the JSON body
    {"error": {"code", "field", "message"}} (bs_json_error; with "reason"
    and "line" when the service's error has them), the codes of bs_error
    plus "unauthorized" (401) and "forbidden" (403).
*/
#ifndef GATEWAY_H_INCLUDED
#define GATEWAY_H_INCLUDED

#include <microhttpd.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bs_client.h"
#include "bs_config.h"
#include "bs_error.h"
#include "bs_json.h"
#include "bs_schemas.h"
#include "login_limit.h"
#include "session.h"

/* Roles as bits; a route lists the roles that may call it. */
#define GATEWAY_ROLE_OFFICER 0x01u
#define GATEWAY_ROLE_EDITOR 0x02u
#define GATEWAY_ROLE_PUBLISHER 0x04u
#define GATEWAY_ROLE_LEADER 0x08u
#define GATEWAY_ROLE_ADMIN 0x10u
#define GATEWAY_ROLE_TOKEN 0x20u  /* an API token (a system, not a person) */
#define GATEWAY_ANYONE 0x00u      /* no authentication needed */
#define GATEWAY_SIGNED_IN 0xffffu /* any session or token */
#define GATEWAY_STAFF (GATEWAY_ROLE_EDITOR | GATEWAY_ROLE_LEADER | GATEWAY_ROLE_ADMIN)

typedef struct gateway gateway_t;
struct gateway_route;

#define GATEWAY_NAME_MAX (BS_NAME_MAX + 1) /* a person's name, bytes with NUL */

/* Who is asking: a session or an API token. */
typedef struct {
    bool known;                    /* authenticated */
    bool cookie;                   /* by the session cookie (needs the form token to post) */
    unsigned roles;                /* GATEWAY_ROLE_ bits */
    char login[GATEWAY_LOGIN_MAX]; /* officer login, "" for a token */
    char unit[GATEWAY_UNIT_MAX];   /* the unit they act for */
    char roles_text[GATEWAY_ROLES_MAX];
    char name[GATEWAY_NAME_MAX]; /* a session's officer's name, "" if not known */
    char token_name[65]; /* an API token's name */
    char secret[129];    /* an API token's secret (never logged) */
    char session[1024];  /* the session token, for the form token */
    uint64_t expires;    /* session expiry, ms */
    uint64_t generation; /* the session's generation (session.h) */
} gateway_principal_t;

/* One part of a form: a field or a file. */
typedef struct {
    char *name;          /* form field name */
    char *filename;      /* NULL for a plain field */
    char *content_type;  /* a file's type, NULL if none given */
    unsigned char *data; /* the value, NUL-terminated */
    size_t size;         /* bytes of data */
    size_t capacity;     /* bytes allocated */
} gateway_part_t;

/* One HTTP request while it is read and answered. */
typedef struct {
    gateway_t *gateway;
    struct MHD_Connection *connection;
    char method[16];
    char path[512];
    uint64_t started; /* monotonic ms */
    int status;       /* HTTP status of the response, 0 until queued */
    bool form;        /* multipart/form-data or x-www-form-urlencoded */
    char *body;       /* raw body (non-form), NUL-terminated */
    size_t body_size;
    size_t body_capacity;
    size_t received; /* bytes of body received so far */
    bool too_large;  /* more than gateway.max_body_bytes */
    struct MHD_PostProcessor *post;
    gateway_part_t *parts; /* form parts in order */
    size_t part_count;
    bs_error_t form_error; /* a part over its limit, ... (code 0 if none) */
    gateway_principal_t principal;
    const struct gateway_route *route; /* the endpoint, NULL if none */
    bool path_known;                   /* some endpoint has this path */
    unsigned retry_after;              /* seconds for a Retry-After header, 0: none */
    const char *cache_control;         /* the answer's Cache-Control, NULL: no-store */
    /* Who is asking, once found: a read made for a page (gateway_route_read)
       is a copy of the page's request and asks intake no second time. */
    struct {
        bool done;
        int rc;
        bs_error_t error;
    } auth;
    /* A read made for a page: its query string as a JSON object of strings
       (NULL: the connection's), its JSON answer kept in captured with its
       status rather than sent. */
    json_t *query;
    bool capture;
    json_t *captured;
    /* The console's page: the answers of the reads it draws first, as
       {"path?query": [status, body]} (routes.c fills it, console_page.c writes
       it into the page). NULL: none. */
    json_t *first_reads;
} gateway_request_t;

/* A handler answers the request (gateway_reply_*) and returns MHD_YES, or
   MHD_NO to drop the connection. */
typedef enum MHD_Result (gateway_handler_fn) (gateway_request_t *request,
                                              const struct gateway_route *route, const char *tail);

/* An endpoint. With handle NULL the row is a plain pass-through: the JSON
   body (or the query string of a GET) is a record of request, sent to
   service, and the reply record comes back as JSON; actor names a field
   of request filled with the caller's login. */
typedef struct gateway_route {
    const char *method;         /* "GET", "POST" */
    const char *path;           /* exact, or a prefix ending in '/' with tail */
    bool tail;                  /* path is a prefix, the rest is passed on */
    unsigned roles;             /* who may call (GATEWAY_ bits) */
    const char *service;        /* "intake", "review", ... */
    const bs_schema_t *request; /* request record schema */
    const bs_schema_t *reply;   /* reply record schema */
    const char *actor;          /* field filled with the login, or NULL */
    gateway_handler_fn *handle; /* NULL: pass-through */
    bool forms;                 /* takes HTML forms (multipart, urlencoded) too */
} gateway_route_t;

/* The server (gateway.c); its accessors (http.c). */
gateway_t *gateway_new (bs_config_t *config, bs_error_t *error);
int gateway_start (gateway_t *self, bs_error_t *error);
void gateway_destroy (gateway_t **self_p);
bs_config_t *gateway_config (gateway_t *self);
const unsigned char *gateway_session_key (gateway_t *self);
uint64_t gateway_session_ms (gateway_t *self);
uint64_t gateway_started_at (gateway_t *self); /* ms since epoch */
/* gateway.behind_tls: browsers reach us through HTTPS (Secure cookies). */
bool gateway_behind_tls (gateway_t *self);
gateway_login_limit_t *gateway_login_limit (gateway_t *self);

/* Requests and answers (http.c). Call service on this thread's own
   client. An error reply returns its code with error filled. id NULL: a
   fresh idempotency key. */
int gateway_call (gateway_request_t *request, const char *service, const char *id,
                  const bs_schema_t *request_schema, const void *record,
                  const bs_schema_t *reply_schema, void *reply, bs_error_t *error);

/* The same, tried once: a login is never sent twice. */
int gateway_call_once (gateway_request_t *request, const char *service,
                       const bs_schema_t *request_schema, const void *record,
                       const bs_schema_t *reply_schema, void *reply, bs_error_t *error);

/* The client's IP address as text ("?" when unknown). */
void gateway_client_address (gateway_request_t *request, char *buffer, size_t size);

/* Responses. Each queues the response and returns MHD_YES/NO. */
enum MHD_Result gateway_reply_json (gateway_request_t *request, unsigned status, json_t *body,
                                    const char *set_cookie, const char *location);
enum MHD_Result gateway_reply_html (gateway_request_t *request, unsigned status, char *html,
                                    const char *set_cookie, const char *location);
/* Bytes as they are (an attachment), with a Content-Disposition. data is copied. */
enum MHD_Result gateway_reply_bytes (gateway_request_t *request, const char *content_type,
                                     const void *data, size_t size, const char *disposition);
/* Content-Disposition "attachment; filename*=UTF-8''<name percent-encoded>"
   (RFC 6266) into buffer. */
void gateway_disposition (const char *name, char *buffer, size_t size);
/* text percent-encoded (all but letters, digits and "-._~"; RFC 3986) into
   buffer, cut at a whole character's code when it is too small. */
void gateway_percent_encode (const char *text, char *buffer, size_t size);
enum MHD_Result gateway_reply_error (gateway_request_t *request, unsigned status, const char *code,
                                     const char *field, const char *format, ...)
    __attribute__ ((format (printf, 5, 6)));
/* The error of a service call: its HTTP status from its code. */
enum MHD_Result gateway_reply_failure (gateway_request_t *request, const bs_error_t *error);
unsigned gateway_http_status (int code);

/* A header, cookie or query argument, or NULL. */
const char *gateway_header (gateway_request_t *request, const char *name);
const char *gateway_cookie (gateway_request_t *request, const char *name);
const char *gateway_query (gateway_request_t *request, const char *name);
/* Every argument of the query string as a JSON object of strings (new
   reference). */
json_t *gateway_query_object (gateway_request_t *request);

/* The form field named name (NUL-terminated), or NULL. */
const gateway_part_t *gateway_form_field (gateway_request_t *request, const char *name);

/* A form or query value as JSON for the field name of schema: booleans
   from check boxes, an empty number box as null, else a string. New
   reference. */
json_t *gateway_form_value (const bs_schema_t *schema, const char *name, const char *value);

/* The JSON body as an object: BS_OK, or the error (empty, not UTF-8, not
   JSON, too large) to answer with. Caller decrefs *object. */
int gateway_body_json (gateway_request_t *request, json_t **object, bs_error_t *error);

/* Authentication (auth.c). Fills request->principal; BS_OK if a valid
   session or token was presented, BS_E_NOT_FOUND if none was, else the
   error (a bad or expired session, an unknown token, intake down). */
int gateway_authenticate (gateway_request_t *request, bs_error_t *error);
/* Make session (whose signed token is token) the request's principal. */
void gateway_principal_from_session (gateway_request_t *request, const gateway_session_t *session,
                                     const char *token, bool cookie);
/* Check the form token of a cookie session on a POST. */
bool gateway_csrf_ok (gateway_request_t *request, const char *given);
void gateway_csrf_token (gateway_request_t *request, char *buffer, size_t size);
unsigned gateway_roles_parse (const char *roles);
/* The name of the role of bit (GATEWAY_ROLE_OFFICER is bit 0: "officer"),
   or NULL past the last role. */
const char *gateway_role_name (unsigned bit);
/* An envelope id derived from the caller, what (the command) and their
   Idempotency-Key, so the same key from the same caller is the same
   command; "" when no key. BS_E_INVALID (field key) for a key over
   GATEWAY_IDEMPOTENCY_KEY_MAX bytes. */
#define GATEWAY_IDEMPOTENCY_KEY_MAX 128
int gateway_idempotency_id (gateway_request_t *request, const char *what, const char *key,
                            char *buffer, size_t size, bs_error_t *error);

/* Log in (sign_in.c): check login and password with intake, then sign a
   session. BS_OK with *token (caller frees) and the officer's name; else
   the error and *status (401 for a wrong password, 429 with
   request->retry_after when too many wrong ones or checks, 503 intake
   down). The password is checked here (argon2id), never at intake. */
int gateway_login (gateway_request_t *request, const char *login, const char *password,
                   char **token, char *name, size_t name_size, unsigned *status, bs_error_t *error);
/* A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Secure when the
   gateway is behind TLS; value NULL clears the cookie. */
void gateway_cookie_format (gateway_request_t *request, const char *name, const char *value,
                            uint64_t seconds, char *buffer, size_t size);
/* Log out: end every session of the request's officer at intake (their
   session generation moves on). Nothing when no session was presented. */
void gateway_logout (gateway_request_t *request);
/* The Set-Cookie value for a session token (NULL token: clear it). */
void gateway_session_cookie (gateway_request_t *request, const char *token, char *buffer,
                             size_t size);
/* An error answer with the status a call chose (401, 403 get their own codes). */
enum MHD_Result gateway_refuse (gateway_request_t *request, unsigned status,
                                const bs_error_t *error);

/* The live feed's reader shared by every page (feed.c): made with the
   gateway, its thread started by the first page; destroy it after the
   HTTP server has stopped. NULL without memory. */
typedef struct gateway_feed gateway_feed_t;
gateway_feed_t *gateway_feed_new (gateway_t *gateway);
void gateway_feed_destroy (gateway_feed_t **self_p);

/* GET /api/v1/statistics/feed (feed.c): the live statistics as
   Server-Sent Events, resumable with Last-Event-ID. */
enum MHD_Result gateway_statistics_feed (gateway_request_t *request,
                                         const struct gateway_route *route, const char *tail);

/* Routing (routes.c): find the endpoint (request->route, path_known) as
   soon as the headers are in, answer once the body is. */
void gateway_route_find (gateway_request_t *request);
enum MHD_Result gateway_route (gateway_request_t *request);

/* Submission shared by the JSON API and the HTML form (submit.c): fill
   submit from the principal and send it. Returns BS_OK with receipt, or
   the error with *status the HTTP status to answer with. */
int gateway_submit (gateway_request_t *request, bs_submit_t *submit, bs_submitted_t *receipt,
                    unsigned *status, bs_error_t *error);
/* Turn the form's fields into a submit (files become attachments). */
int gateway_submit_from_form (gateway_request_t *request, bs_submit_t *submit, bs_error_t *error);

/* A unit's own commissions and withdrawal (routes_units.c). */
enum MHD_Result gateway_unit_commissions (gateway_request_t *request, const gateway_route_t *route,
                                          const char *tail);
enum MHD_Result gateway_withdraw (gateway_request_t *request, const gateway_route_t *route,
                                  const char *tail);
enum MHD_Result gateway_unit_notices (gateway_request_t *request, const gateway_route_t *route,
                                      const char *tail);
enum MHD_Result gateway_notice_read (gateway_request_t *request, const gateway_route_t *route,
                                     const char *tail);

/* Publication's documents (documents.c): GET /api/v1/issues/{id}/document
   ?format=pdf|docx|html|txt, the rendered issue as a file. */
enum MHD_Result gateway_issue_document (gateway_request_t *request, const gateway_route_t *route,
                                        const char *tail);
/* The words of the pages the gateway writes itself (page_text.c), in
   Simplified Chinese or Traditional: each as (id, Simplified, Traditional). */
#define GATEWAY_TEXTS(X)                                                                           \
    X (SCRIPT_OTHER, "繁體中文", "简体中文")                                                       \
    X (TITLE, "组工信息报送", "組工信息報送")                                                      \
    X (LOGIN_TITLE, "组工信息报送 · 登录", "組工信息報送 · 登錄")                                  \
    X (LOGIN_NAME, "登录名", "登錄名")                                                             \
    X (PASSWORD, "密码", "密碼")                                                                   \
    X (LOGIN, "登录", "登錄")                                                                      \
    X (BACK, "返回报送页", "返回報送頁")                                                           \
    X (OFFICER, "信息员 ", "信息員 ")                                                              \
    X (UNIT, "，报送单位：", "，報送單位：")                                                       \
    X (FIELD_TITLE, "标题", "標題")                                                                \
    X (FIELD_BODY, "正文", "正文")                                                                 \
    X (FIELD_KIND, "类别", "類別")                                                                 \
    X (KIND_SITUATION, "情况报道", "情況報道")                                                     \
    X (KIND_TOPIC, "专题信息", "專題信息")                                                         \
    X (KIND_URGENT, "紧急重要信息", "緊急重要信息")                                                \
    X (KIND_RESEARCH, "调研性信息", "調研性信息")                                                  \
    X (KIND_HIGHLIGHT, "特色、亮点信息", "特色、亮點信息")                                         \
    X (FIELD_TOPIC, "专题", "專題")                                                                \
    X (FIELD_URGENT, "紧急", "緊急")                                                               \
    X (FIELD_ATTACHMENTS, "附件", "附件")                                                          \
    X (SUBMIT, "报送", "報送")                                                                     \
    X (LOGOUT, "退出登录", "退出登錄")                                                             \
    X (UNAVAILABLE, "系统暂时无法使用，请稍后再试。", "系統暫時無法使用，請稍後再試。")            \
    X (LOGIN_FORM_EXPIRED, "登录表单已失效，请重新登录。", "登錄表單已失效，請重新登錄。")         \
    X (LOGIN_MISSING, "请填写登录名和密码。", "請填寫登錄名和密碼。")                              \
    X (LOGIN_WRONG, "登录名或密码不正确。", "登錄名或密碼不正確。")                                \
    X (LOGIN_TOO_MANY, "密码错误次数过多，请稍后再试。", "密碼錯誤次數過多，請稍後再試。")         \
    X (LOGIN_DISABLED, "此账号已停用，不能登录；请与管理员联系。",                                  \
       "此賬號已停用，不能登錄；請與管理員聯繫。")                                                  \
    X (LOGIN_UNAVAILABLE, "系统暂时无法登录，请稍后再试。", "系統暫時無法登錄，請稍後再試。")      \
    X (SUBMIT_FAILED, "无法报送", "無法報送")                                                      \
    X (SESSION_EXPIRED, "登录已失效，请重新登录。", "登錄已失效，請重新登錄。")                    \
    X (FORM_EXPIRED, "表单已失效，请重新打开报送页。", "表單已失效，請重新打開報送頁。")           \
    X (NOT_REGISTERED, "未能登记", "未能登記")                                                     \
    X (FIELD_NAMED, "（字段 ", "（欄位 ")                                                          \
    X (RECEIPT, "报送回执", "報送回執")                                                            \
    X (RECEIPT_DUPLICATE, "此稿件已登记过，登记号 ", "此稿件已登記過，登記號 ")                    \
    X (RECEIPT_REVISED, "已登记修订稿（第 ", "已登記修訂稿（第 ")                                  \
    X (RECEIPT_REVISED_NO, " 版），登记号 ", " 版），登記號 ")                                     \
    X (RECEIPT_HELD, "已收到，待工作人员分派（暂存号 ", "已收到，待工作人員分派（暫存號 ")         \
    X (RECEIPT_REGISTERED, "已登记，登记号 ", "已登記，登記號 ")                                   \
    X (RECEIPT_TITLE, "标题：", "標題：")                                                          \
    X (CONTINUE, "继续报送", "繼續報送")                                                           \
    X (FILE_FAILED, "无法打开", "無法打開")                                                        \
    X (FILE_NOT_FOUND, "找不到这个文件：它可能已被删除，或链接有误。",                             \
       "找不到這個文件：它可能已被刪除，或鏈接有誤。")                                             \
    X (FILE_FORBIDDEN, "您无权查看这个文件。", "您無權查看這個文件。")                             \
    X (FILE_INVALID, "链接有误，无法打开这个文件。", "鏈接有誤，無法打開這個文件。")               \
    X (FILE_UNAVAILABLE, "系统暂时无法生成这个文件，请稍后再试。",                                 \
       "系統暫時無法生成這個文件，請稍後再試。")                                                   \
    X (FILE_ERROR, "出错了，这个文件暂时无法打开，请稍后再试。",                                   \
       "出錯了，這個文件暫時無法打開，請稍後再試。")                                               \
    X (TO_CONSOLE, "返回工作台", "返回工作台")

typedef enum {
#define GATEWAY_TEXT_ID(id, hans, hant) GATEWAY_TEXT_##id,
    GATEWAY_TEXTS (GATEWAY_TEXT_ID)
#undef GATEWAY_TEXT_ID
} gateway_text_t;

typedef enum { GATEWAY_HANS, GATEWAY_HANT } gateway_script_t;

/* The script a person reads: asked (?script=zh-Hant or zh-Hans), else
   kept (the bs_script cookie), else the first Chinese language of
   accept_language; Simplified when none says. Any may be NULL. */
gateway_script_t gateway_script_choose (const char *asked, const char *kept,
                                        const char *accept_language);
/* "zh-Hans" or "zh-Hant" (a static string). */
const char *gateway_script_tag (gateway_script_t script);
/* The Set-Cookie value that keeps script (bs_script, a year). */
void gateway_script_cookie (gateway_script_t script, char *buffer, size_t size);
/* A page's word in script (a static string). */
const char *gateway_text (gateway_text_t id, gateway_script_t script);
/* A page of the gateway's own: its head (lang, title, the one style), the
   switch to the other script at switch_path?script=… (NULL: none) and
   the heading; NULL when no stream could be opened. gateway_page_close
   ends it: text is the page (the caller's to free), false when it could
   not be written whole. */
FILE *gateway_page_open (char **text, size_t *size, const char *title, gateway_script_t script,
                         const char *switch_path);
bool gateway_page_close (FILE *stream, char **text);

/* A refusal as the console says it (refusal_words.c): the console's
   sentences for a refusal, read from its dictionaries under web_root
   (js/i18n/zh-Hans.js, zh-Hant.js) as the gateway starts; NULL with error
   when they cannot be read. */
typedef struct gateway_refusal_words gateway_refusal_words_t;
gateway_refusal_words_t *gateway_refusal_words_new (const char *web_root, bs_error_t *error);
void gateway_refusal_words_destroy (gateway_refusal_words_t **self_p);
/* Write into buffer the console's sentence in script for error (code its
   wire name: bs_error_name, or the gateway's "unauthorized",
   "forbidden"), chosen as web/js/errors.js errorMessage chooses; false
   (buffer untouched) when self is NULL or the dictionary has none. */
bool gateway_refusal_words_say (const gateway_refusal_words_t *self, const char *code,
                                const bs_error_t *error, gateway_script_t script, char *buffer,
                                size_t size);

/* HTML pages (pages.c). */
enum MHD_Result gateway_page_home (gateway_request_t *request, const gateway_route_t *route,
                                   const char *tail);
enum MHD_Result gateway_page_login (gateway_request_t *request, const gateway_route_t *route,
                                    const char *tail);
enum MHD_Result gateway_page_submit (gateway_request_t *request, const gateway_route_t *route,
                                     const char *tail);
/* The Content-Security-Policy of every answer (allows the pages' own
   inline style by its hash; page_text.c). */
void gateway_pages_policy (char *buffer, size_t size);
enum MHD_Result gateway_page_logout (gateway_request_t *request, const gateway_route_t *route,
                                     const char *tail);

/* The web console (console.c, console_api.c): its files under /static/
   (console_static.h), the HTML shell for every page path (console_page.h),
   and the listings only it needs. Its shell, style sheet and script are
   read once, as the gateway starts (gateway_console_new: NULL with error
   when gateway.web_root holds no console; the pages then answer 500). */
typedef struct gateway_console gateway_console_t;
gateway_console_t *gateway_console_new (bs_config_t *config, bs_error_t *error);
void gateway_console_destroy (gateway_console_t **self_p);
/* The gateway's console (http.c), NULL when it could not be read. */
gateway_console_t *gateway_console (gateway_t *self);
/* The console's sentences for a refusal (NULL when self is NULL). */
const gateway_refusal_words_t *gateway_console_refusal_words (const gateway_console_t *self);
/* The console's modules under js_root as one script (bundle.c), with the
   pages' first views they import (js_root/../first/NAME.html): BS_OK
   with *text (caller frees) and *size, or the error naming the file and
   line it cannot bundle. */
int gateway_bundle_make (const char *js_root, char **text, size_t *size, bs_error_t *error);
/* The regular file root/path of at most max bytes, whole and
   NUL-terminated (bundle.c): BS_OK with *data (caller frees) and *size;
   BS_E_NOT_FOUND (none, not a plain file, too large) or BS_E_SYSTEM. */
int gateway_web_read (const char *root, const char *path, size_t max, char **data, size_t *size);
enum MHD_Result gateway_console_my_reports (gateway_request_t *request,
                                            const gateway_route_t *route, const char *tail);
enum MHD_Result gateway_console_my_upward (gateway_request_t *request,
                                           const gateway_route_t *route, const char *tail);
enum MHD_Result gateway_console_people (gateway_request_t *request, const gateway_route_t *route,
                                        const char *tail);
enum MHD_Result gateway_console_settings (gateway_request_t *request, const gateway_route_t *route,
                                          const char *tail);
enum MHD_Result gateway_console_status (gateway_request_t *request, const gateway_route_t *route,
                                        const char *tail);

/* GET /metrics (metrics.c). What it counts (http.c): a command sent to
   service with its outcome rc, an answer with its HTTP status. Any thread. */
enum MHD_Result gateway_metrics_get (gateway_request_t *request, const gateway_route_t *route,
                                     const char *tail);
void gateway_metrics_command (gateway_t *self, const char *service, int rc);
void gateway_metrics_response (gateway_t *self, int status);

#endif
