/*  tables: a bulletin's HTML shows every heading and cell as it was entered,
    its markup characters escaped by bs_html (& < > " '), Chinese as it is,
    and the CSV of the same table keeps the text unescaped.
*/
#include "bs_test.h"

#include <stdlib.h>
#include <string.h>

#include "bs_error.h"
#include "tables.h"

static const statistics_column_t s_columns[] = {
    {.field = "unit", .label = "单位"},
    {.field = "adopted", .label = "采用<篇>", .number = true},
};

/* The table "一季度 & '评比'" with one row: unit, adopted. */
static statistics_table_t *
s_table (const char *unit, const char *adopted)
{
    statistics_table_t *table = statistics_table_new ("一季度 & '评比'", s_columns, 2);
    assert_non_null (table);
    const char *cells[] = {unit, adopted};
    assert_int_equal (statistics_table_add (table, cells), BS_OK);
    return table;
}

/* The bytes as a C string (caller frees). */
static char *
s_text (bs_bytes_t *bytes)
{
    char *text = malloc (bytes->size + 1);
    assert_non_null (text);
    memcpy (text, bytes->data, bytes->size);
    text[bytes->size] = 0;
    free (bytes->data);
    return text;
}

static void
test_html_escapes_what_was_entered (void **state)
{
    (void) state;
    statistics_table_t *table = s_table ("林州市\"<b>'东'</b>\"", "3");
    statistics_table_t *tables[] = {table};
    bs_bytes_t bytes = {0};
    assert_int_equal (statistics_tables_html ("<三月> 通报 'A&B'", tables, 1, &bytes), BS_OK);
    char *html = s_text (&bytes);
    assert_non_null (strstr (html, "<title>&lt;三月&gt; 通报 &#39;A&amp;B&#39;</title>"));
    assert_non_null (strstr (html, "<h1>&lt;三月&gt; 通报 &#39;A&amp;B&#39;</h1>"));
    assert_non_null (strstr (html, "<caption>一季度 &amp; &#39;评比&#39;</caption>"));
    assert_non_null (strstr (html, "<th>采用&lt;篇&gt;</th>"));
    assert_non_null (strstr (
        html, "<td>林州市&quot;&lt;b&gt;&#39;东&#39;&lt;/b&gt;&quot;</td><td class=\"n\">3</td>"));
    /* no markup character of the data is left bare */
    assert_null (strstr (html, "<b>"));
    assert_null (strstr (html, "'"));
    free (html);
    statistics_table_destroy (&table);
}

static void
test_csv_keeps_the_text_as_entered (void **state)
{
    (void) state;
    statistics_table_t *table = s_table ("林州市<'东'>", "3");
    bs_bytes_t bytes = {0};
    assert_int_equal (statistics_table_csv (table, true, &bytes), BS_OK);
    char *csv = s_text (&bytes);
    assert_non_null (strstr (csv, "林州市<'东'>"));
    assert_null (strstr (csv, "&"));
    free (csv);
    statistics_table_destroy (&table);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_html_escapes_what_was_entered),
        cmocka_unit_test (test_csv_keeps_the_text_as_entered),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
