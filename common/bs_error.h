/*  bs_error: the small fixed set of result codes every baosong call returns.

    Every function that can fail returns an int: BS_OK (0) or one of the codes
    below. Where a caller needs to tell a person what went wrong, the function
    also fills a bs_error_t with the field at fault and a sentence. The code's
    wire name (bs_error_name) is what replies carry in their "code" field.
*/
#ifndef BS_ERROR_H_INCLUDED
#define BS_ERROR_H_INCLUDED

#include <stdarg.h>

#define BS_OK 0
#define BS_E_MALFORMED 1    /* bytes are not a well-formed message */
#define BS_E_INVALID 2      /* a field is missing, mistyped or out of its limits */
#define BS_E_UNKNOWN_TYPE 3 /* no schema / no handler for this message type */
#define BS_E_NOT_FOUND 4    /* the thing named does not exist */
#define BS_E_CONFLICT 5     /* the thing exists but its state refuses the action */
#define BS_E_TIMEOUT 6      /* the peer did not answer in time */
#define BS_E_UNAVAILABLE 7  /* the peer is not running or not reachable */
#define BS_E_STORAGE 8      /* LMDB failed; see the log for the mdb error */
#define BS_E_DISK_FULL 9    /* the store cannot grow: the disk is full */
#define BS_E_MAP_FULL 10    /* internal: the LMDB map must grow and the txn be retried */
#define BS_E_SYSTEM 11      /* an OS call failed; errno is in the log */
#define BS_E_LIMIT 12       /* a configured limit was reached */
#define BS_E_DENIED 13      /* who asked may not: wrong password or token, another unit */

#define BS_ERROR_FIELD_MAX 64
#define BS_ERROR_TEXT_MAX 256
#define BS_ERROR_REASON_MAX 32

/* text is a sentence in English, for a log or a person at a terminal;
   reason (with line) is what a program that speaks to a person in
   another language reads: a word of a small documented vocabulary
   (docs/API.md, "Reasons") saying what is wrong with field, where the
   code and field alone do not (a name already taken, a line of a file
   that is no key = value line). */
typedef struct {
    int code;                         /* one of the BS_E_ codes, BS_OK if none */
    char field[BS_ERROR_FIELD_MAX];   /* the field at fault, "" if none */
    char text[BS_ERROR_TEXT_MAX];     /* a sentence for a person */
    char reason[BS_ERROR_REASON_MAX]; /* what is wrong, in a word; "" if none */
    unsigned line;                    /* the line of field's text at fault (1, ...), 0 if none */
} bs_error_t;

/* The wire name of a code: "malformed", "invalid", ... Never NULL. */
const char *bs_error_name (int code);

/* The code for a wire name, BS_E_SYSTEM if the name is unknown. */
int bs_error_code (const char *name);

/* Fill error (if not NULL; no reason nor line) and return code, so a
   caller can write
   `return bs_error_set (error, BS_E_INVALID, "unit", "unit is empty");` */
int bs_error_set (bs_error_t *error, int code, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

/* Give error (set already by bs_error_set, which clears them) its reason
   and line (0: none); return its code, BS_OK if error is NULL. */
int bs_error_reason (bs_error_t *error, const char *reason, unsigned line);

/* Reset to BS_OK with empty field, text and reason. */
void bs_error_clear (bs_error_t *error);

#endif
