/*  issue_document: everything a rendered issue shows, in the order it
    shows it, built once from publication's store so that every renderer
    (render_pdf.c, render_docx.c, render_html.c, render_txt.c) prints the
    same issue.

    Filled from the store: the periodical's name (刊名) and issuing unit
    (編印單位, from the stored periodicals), the series (專刊, 增刊),
    第N期 and 總第N期 (0 for a draft, which is numbered when published),
    the date (published, or created for a draft), draft or published, the
    issue's editor's note (編者按), responsible editor (責任編輯) and
    sign-off (簽發), and per item: title, body text, section (欄目), the
    editor's note on it, the source unit(s) credited and the author.

    Texts point into the issue record the document owns; the labels
    ("第3期", "2026年12月3日") are formatted once here so the renderers
    agree on them.
*/
#ifndef ISSUE_DOCUMENT_H_INCLUDED
#define ISSUE_DOCUMENT_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>

#include "bs_schemas.h"
#include "bs_service.h"
#include "periodicals.h"

typedef struct {
    const char *title;        /* 標題 */
    const char *body;         /* the text; paragraphs separated by '\n'; "" if none */
    const char *section;      /* 欄目, "" if none */
    bool section_starts;      /* first item of its section: print the heading */
    const char *note;         /* 編者按 on this item, "" if none */
    const char *source_units; /* 來源單位 (the report's unit when none credited) */
    const char *author;       /* 作者, "" if none */
    const char *reg_no;       /* the report's registration number */
} issue_document_item_t;

typedef struct {
    bs_issue_t issue;         /* the stored issue (owned) */
    bs_periodical_t stored;   /* its periodical (owned; zeroed when not stored) */
    const char *periodical;   /* 刊名 */
    const char *issuing_unit; /* 編印單位, "" if not configured */
    bool draft;               /* not published yet: marked 草稿 */
    char number_text[64];     /* "第3期", "專刊第1期"; "第　期" for a draft */
    char total_text[64];      /* "總第15期"; "" for a draft */
    char date_text[64];       /* "2026年12月3日" */
    char heading[512]; /* 《組工信息》2026年第3期（總第15期） for titles, files */
    const char *note;  /* 編者按 on the issue, "" if none */
    const char *responsible_editor; /* 責任編輯, "" if none */
    const char *signed_off_by;      /* 簽發, "" if none */
    issue_document_item_t *items;   /* in print order */
    size_t count;                   /* items */
} issue_document_t;

/* Build the document of issue issue_id from the store (txn, the issues
   database) and its periodicals database. BS_OK with *document (the
   caller's, free with issue_document_destroy); BS_E_NOT_FOUND when there
   is no such issue; a store error; BS_E_SYSTEM when out of memory. */
int issue_document_build (MDB_txn *txn, MDB_dbi issues, MDB_dbi periodicals, uint64_t issue_id,
                          issue_document_t **document);

void issue_document_destroy (issue_document_t **self_p);

/* Called with one paragraph (NUL-terminated, valid during the call). */
typedef void (issue_document_paragraph_fn) (const char *paragraph, void *argument);

/* The paragraphs of text as every renderer prints them: the parts between
   '\n's, empty ones skipped, in order, each handed to fn. BS_OK, or
   BS_E_SYSTEM when out of memory (nothing printed). */
int issue_document_paragraphs (const char *text, issue_document_paragraph_fn *fn,
                               void *argument);

#endif
