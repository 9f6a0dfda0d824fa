/*  issue_document: what a rendered issue shows; see issue_document.h. */
#include "issue_document.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *
s_text (const char *text)
{
    return text ? text : "";
}

/* "2026年12月3日", local time, of a time in ms. */
static void
s_date (uint64_t at, char *buffer, size_t size)
{
    time_t seconds = (time_t) (at / 1000);
    struct tm local;
    localtime_r (&seconds, &local);
    snprintf (buffer, size, "%d年%d月%d日", local.tm_year + 1900, local.tm_mon + 1, local.tm_mday);
}

static void
s_labels (issue_document_t *self)
{
    const bs_issue_t *issue = &self->issue;
    const char *series = s_text (issue->series);
    if (self->draft) {
        snprintf (self->number_text, sizeof self->number_text, "%s第　期", series);
        self->total_text[0] = 0;
        snprintf (self->heading, sizeof self->heading, "《%s》%s（草稿）", self->periodical,
                  series);
    } else {
        snprintf (self->number_text, sizeof self->number_text, "%s第%llu期", series,
                  (unsigned long long) issue->number);
        snprintf (self->total_text, sizeof self->total_text, "總第%llu期",
                  (unsigned long long) issue->total);
        snprintf (self->heading, sizeof self->heading, "《%s》%llu年%s（%s）", self->periodical,
                  (unsigned long long) issue->year, self->number_text, self->total_text);
    }
    s_date (self->draft || !issue->published_at ? issue->created_at : issue->published_at,
            self->date_text, sizeof self->date_text);
}

int
issue_document_build (MDB_txn *txn, MDB_dbi issues, MDB_dbi periodicals, uint64_t issue_id,
                      issue_document_t **document)
{
    *document = NULL;
    issue_document_t *self = calloc (1, sizeof *self);
    if (!self)
        return BS_E_SYSTEM;
    int rc = bs_store_get_record (txn, issues, issue_id, &bs_issue_schema, &self->issue);
    if (rc != BS_OK) {
        free (self);
        return rc;
    }
    const bs_issue_t *issue = &self->issue;
    rc = periodicals_get (txn, periodicals, issue->periodical, &self->stored);
    if (rc != BS_OK && rc != BS_E_NOT_FOUND) {
        issue_document_destroy (&self);
        return rc;
    }
    self->periodical = issue->periodical;
    self->issuing_unit = s_text (self->stored.issuing_unit);
    self->draft = strcmp (issue->state, "draft") == 0;
    self->note = s_text (issue->note);
    self->responsible_editor = s_text (issue->responsible_editor);
    self->signed_off_by = s_text (issue->signed_off_by);
    s_labels (self);
    self->count = issue->items.count;
    self->items = calloc (self->count ? self->count : 1, sizeof *self->items);
    if (!self->items) {
        issue_document_destroy (&self);
        return BS_E_SYSTEM;
    }
    const bs_issue_item_t *items = issue->items.items;
    for (size_t i = 0; i < self->count; i++) {
        issue_document_item_t *item = &self->items[i];
        item->title = items[i].title;
        item->body = s_text (items[i].body);
        item->section = s_text (items[i].section);
        item->section_starts =
            *item->section && (i == 0 || strcmp (item->section, self->items[i - 1].section) != 0);
        item->note = s_text (items[i].note);
        item->source_units =
            items[i].source_units && *items[i].source_units ? items[i].source_units : items[i].unit;
        item->author = s_text (items[i].author);
        item->reg_no = items[i].reg_no;
    }
    *document = self;
    return BS_OK;
}

void
issue_document_destroy (issue_document_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    issue_document_t *self = *self_p;
    bs_codec_record_free (&bs_issue_schema, &self->issue);
    bs_codec_record_free (&bs_periodical_schema, &self->stored);
    free (self->items);
    free (self);
    *self_p = NULL;
}

int
issue_document_paragraphs (const char *text, issue_document_paragraph_fn *fn, void *argument)
{
    char *copy = strdup (text);
    if (!copy)
        return BS_E_SYSTEM;
    char *save = NULL;
    for (char *paragraph = strtok_r (copy, "\n", &save); paragraph;
         paragraph = strtok_r (NULL, "\n", &save))
        fn (paragraph, argument);
    free (copy);
    return BS_OK;
}
