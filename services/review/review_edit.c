/*  review_edit: editors edit a copy of a case's title and body; the text
    as received stays as it was. review.diff shows both and the difference,
    sentence by sentence (a sentence ends at 。！？; or a line end), which
    is how an editor reads changes to Chinese prose.
*/
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
review_edit (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_edit_t *edit = request->message->data;
    review_actor_t actor = {edit->editor, edit->role};
    int rc = review_actor_check (request, &actor, REVIEW_ROLES_DESK, "edit a case");
    if (rc != BS_OK)
        return rc;
    bool title = edit->title && *edit->title, body = edit->body && *edit->body;
    if (!title && !body)
        return bs_request_fail (request, BS_E_INVALID, "title",
                                "an edit gives a new title, a new body or both");
    bs_review_case_t review_case;
    rc = review_case_load (request, edit->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    if (!review_state_next (review_case.state, "edit"))
        rc = review_case_refuse (request, &review_case, "be edited");
    else if (strcmp (review_case.holder ? review_case.holder : "", edit->editor) != 0)
        rc = bs_request_refuse (request, BS_E_CONFLICT, "report_id", "claimed",
                                "report %s is claimed by %s, not by %s", review_case.reg_no,
                                review_case.holder, edit->editor);
    else {
        /* What the edit changes, against the text as it reads now (the
           editors' copy, else as received): a form sends both fields, and
           the history says 正文 when only the body changed. An edit that
           changes nothing is answered with the case as it is. */
        const char *title_now =
            review_case.edited_title ? review_case.edited_title : review_case.title;
        const char *body_now = review_case.edited_body ? review_case.edited_body : review_case.body;
        title = title && strcmp (edit->title, title_now ? title_now : "") != 0;
        body = body && strcmp (edit->body, body_now ? body_now : "") != 0;
        if (!title && !body) {
            rc = review_case_reply (request, &review_case);
            bs_codec_record_free (&bs_review_case_schema, &review_case);
            return rc;
        }
        rc = review_case_take (request->service, request->txn, &review_case);
        if (rc == BS_OK && title)
            rc = review_string_set (&review_case.edited_title, edit->title);
        if (rc == BS_OK && body)
            rc = review_string_set (&review_case.edited_body, edit->body);
        if (rc == BS_OK)
            rc = review_string_set (&review_case.edited_by, edit->editor);
        if (rc == BS_OK)
            rc = review_case_move (request->service, request->txn, &review_case, "edit", &actor,
                                   title && body ? "title and body"
                                   : title       ? "title"
                                                 : "body",
                                   request->now);
        if (rc == BS_OK)
            rc = review_case_reply (request, &review_case);
    }
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}

/* The difference                                                         */

typedef struct {
    const char *start; /* first byte of the sentence */
    size_t size;       /* bytes, its ending mark included */
} s_piece_t;

#define S_PIECES_MAX 2000 /* beyond this the diff says "replaced" whole */

static bool
s_ends_sentence (const char *at, size_t *mark_size)
{
    static const char *const marks[] = {"。", "！", "？", "；", "\n"};
    for (size_t i = 0; i < sizeof marks / sizeof marks[0]; i++) {
        size_t size = strlen (marks[i]);
        if (strncmp (at, marks[i], size) == 0) {
            *mark_size = size;
            return true;
        }
    }
    return false;
}

/* Split text into sentences; -1 when there are more than S_PIECES_MAX. */
static long
s_split (const char *text, s_piece_t *pieces)
{
    long count = 0;
    const char *start = text;
    for (const char *at = text; *at;) {
        size_t mark;
        if (s_ends_sentence (at, &mark)) {
            at += mark;
            if (count == S_PIECES_MAX)
                return -1;
            pieces[count++] = (s_piece_t){start, (size_t) (at - start)};
            start = at;
        } else
            at++;
    }
    if (*start) {
        if (count == S_PIECES_MAX)
            return -1;
        pieces[count++] = (s_piece_t){start, strlen (start)};
    }
    return count;
}

static bool
s_same (const s_piece_t *a, const s_piece_t *b)
{
    return a->size == b->size && memcmp (a->start, b->start, a->size) == 0;
}

/* Append one line: sign, a space, the sentence without its line end. */
static void
s_line (char **out, char sign, const s_piece_t *piece)
{
    size_t size = piece->size;
    if (size && piece->start[size - 1] == '\n')
        size--;
    *(*out)++ = sign;
    *(*out)++ = ' ';
    memcpy (*out, piece->start, size);
    *out += size;
    *(*out)++ = '\n';
}

char *
review_diff_text (const char *original, const char *edited)
{
    s_piece_t *a = calloc (S_PIECES_MAX, sizeof *a), *b = calloc (S_PIECES_MAX, sizeof *b);
    char *text = malloc (2 * (strlen (original) + strlen (edited)) + 8 * S_PIECES_MAX + 64);
    long n = a ? s_split (original, a) : -1, m = b ? s_split (edited, b) : -1;
    /* lengths[i][j]: the longest common run of sentences of a[i..] and b[j..] */
    unsigned short *lengths =
        n >= 0 && m >= 0 ? calloc ((size_t) (n + 1) * (size_t) (m + 1), sizeof *lengths) : NULL;
    char *out = text;
    if (text && lengths) {
        for (long i = n - 1; i >= 0; i--)
            for (long j = m - 1; j >= 0; j--) {
                unsigned short down = lengths[(i + 1) * (m + 1) + j],
                               right = lengths[i * (m + 1) + j + 1];
                lengths[i * (m + 1) + j] = s_same (&a[i], &b[j])
                                               ? lengths[(i + 1) * (m + 1) + j + 1] + 1
                                               : (down > right ? down : right);
            }
        long i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && s_same (&a[i], &b[j])) {
                s_line (&out, ' ', &a[i++]);
                j++;
            } else if (j < m
                       && (i == n || lengths[i * (m + 1) + j + 1] > lengths[(i + 1) * (m + 1) + j]))
                s_line (&out, '+', &b[j++]);
            else
                s_line (&out, '-', &a[i++]);
        }
    } else if (text) { /* too long to compare sentence by sentence */
        s_piece_t whole_a = {original, strlen (original)}, whole_b = {edited, strlen (edited)};
        if (!s_same (&whole_a, &whole_b)) {
            s_line (&out, '-', &whole_a);
            s_line (&out, '+', &whole_b);
        }
    }
    if (out)
        *out = 0;
    free (lengths);
    free (a);
    free (b);
    return text;
}

int
review_diff (bs_request_t *request, void *argument)
{
    (void) argument;
    const bs_diff_request_t *query = request->message->data;
    bs_review_case_t review_case;
    int rc = review_case_read (request, query->report_id, &review_case);
    if (rc != BS_OK)
        return rc;
    const char *body = review_case.body ? review_case.body : "";
    bs_diff_t diff = {
        .report_id = review_case.report_id,
        .original_title = review_case.title,
        .edited_title = review_case.edited_title ? review_case.edited_title : review_case.title,
        .original_body = (char *) body,
        .edited_body = review_case.edited_body ? review_case.edited_body : (char *) body,
    };
    char *title_changes = review_diff_text (diff.original_title, diff.edited_title);
    char *body_changes = review_diff_text (diff.original_body, diff.edited_body);
    size_t size = (title_changes ? strlen (title_changes) : 0)
                  + (body_changes ? strlen (body_changes) : 0) + 16;
    diff.changes = malloc (size);
    if (!title_changes || !body_changes || !diff.changes)
        rc = bs_request_fail (request, BS_E_SYSTEM, "", "out of memory");
    else {
        snprintf (diff.changes, size, "%s\n%s", title_changes, body_changes);
        rc = bs_request_reply (request, &bs_diff_schema, &diff);
    }
    free (title_changes);
    free (body_changes);
    free (diff.changes);
    bs_codec_record_free (&bs_review_case_schema, &review_case);
    return rc;
}
