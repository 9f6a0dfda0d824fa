/*  bs_gateway_fixture: what the gateway's system tests
    (tests/system/test_gateway_*.c) share: real intake, review and gateway
    processes, the gateway on a free loopback port; units 安陽市 (city),
    滑縣 and 林州市 (counties); officers li (滑縣) and wang (林州市) and the
    editor zhao (安陽市), each logged in; an API token of 滑縣. The helpers
    drive the gateway with curl (bs_curl) as a client would and read its
    JSON answers.

    One fixture a test program: bs_gateway_setup and bs_gateway_teardown
    are the cmocka group's setup and teardown; they fill and empty the
    global bs_gateway.
*/
#ifndef BS_GATEWAY_FIXTURE_H_INCLUDED
#define BS_GATEWAY_FIXTURE_H_INCLUDED

#include <stddef.h>

#include <jansson.h>

#include "bs_curl.h"
#include "bs_schemas.h"
#include "bs_system.h"

#define BS_GATEWAY_PASSWORD_LI "李-密碼-2026"
#define BS_GATEWAY_PASSWORD_WANG "wang-secret-9"
#define BS_GATEWAY_PASSWORD_EDITOR "editor-pass-7"
#define BS_GATEWAY_MAX_BODY (2u << 20) /* gateway.max_body_bytes here */

typedef struct {
    bs_system_t *system;      /* the processes and their folder */
    char *li;                 /* li's session token (unit 滑縣) */
    char *wang;               /* wang's session token (unit 林州市) */
    char *editor;             /* zhao's session token (an editor of 安陽市) */
    char *secret;             /* an API token of 滑縣 */
    char bearer_li[2048];     /* "Authorization: Bearer <li>", for curl -H */
    char bearer_wang[2048];   /* the same for wang */
    char bearer_editor[2048]; /* for zhao */
    char bearer_token[256];   /* for the API token */
    size_t last_size;         /* bytes of the last body read */
} bs_gateway_fixture_t;

extern bs_gateway_fixture_t bs_gateway;

/* cmocka group setup: start the system and fill bs_gateway. */
int bs_gateway_setup (void **state);

/* cmocka group teardown: stop the system and free what setup made. */
int bs_gateway_teardown (void **state);

/* A test each program runs last: no password, session or token of the
   fixture is in the gateway's log, which has a line per request. */
void bs_gateway_no_secret_logged (void **state);

/* The gateway's URL of path (one of 8 rotating buffers, not the caller's). */
const char *bs_gateway_url (const char *path);

/* Run curl with the arguments (NULL-terminated): the HTTP status; the body
   in *body (the caller's), its size in bs_gateway.last_size. */
#define bs_gateway_curl(body, ...)                                                                 \
    bs_curl (bs_system_folder (bs_gateway.system), body, &bs_gateway.last_size, __VA_ARGS__)

/* The headers of a curl -D dump at path, lower-cased (caller frees). */
char *bs_gateway_headers (const char *path);

/* body parsed as JSON (the caller's to json_decref); fails the test if it
   is not JSON. */
json_t *bs_gateway_json (const char *body);

/* The string at first (then .second unless NULL) in object, or "". */
const char *bs_gateway_get (json_t *object, const char *first, const char *second);

/* POST a JSON text with a header line (or NULL) to path. */
int bs_gateway_post_json (const char *path, const char *header, const char *json, char **body);

/* Expect an error answer: status, the error code and field (NULL: any).
   Frees *body_p and sets it to NULL. */
void bs_gateway_expect_error (int status, char **body_p, int expected_status, const char *code,
                              const char *field);

/* As bs_gateway_expect_error, the error's reason (docs/API.md, Reasons)
   reason too. */
void bs_gateway_expect_refusal (int status, char **body_p, int expected_status, const char *code,
                                const char *field, const char *reason);

/* How many reports intake holds. */
size_t bs_gateway_count (void);

/* Call intake directly, as the system's admin; fails the test on an error. */
void bs_gateway_intake (const bs_schema_t *schema, const void *record,
                        const bs_schema_t *reply_schema, void *reply);

/* Log login in with password: their session token (the caller's); fails
   the test unless the gateway answers 200. */
char *bs_gateway_login (const char *login, const char *password);

/* Submit a report with JSON as header; its reg_no (the caller's). */
char *bs_gateway_submit_json (const char *header, const char *title, const char *body_text);

/* GET /api/v1/reports/ID as header: the status; *object the JSON (the
   caller's). */
int bs_gateway_get_report (const char *header, const char *id, json_t **object);

#endif
