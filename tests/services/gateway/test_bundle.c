/*  test_bundle: the web console's modules made one script (bundle.c).

    Each form of import and export the console writes becomes its
    __require and its getter, lines keeping their numbers; import(...)
    becomes __import(...); a module outside app.js's reach and pages/ stays
    out. Forms the bundle cannot keep the meaning of (export let, a list of
    exports, import.meta, a path leaving web/js, a module that is missing)
    are refused naming the file and line. And web/js as it is committed
    bundles, every page in it, the other script's dictionary out.
*/
#include "bs_test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gateway.h"

/* Write text to folder/name (folders made as needed). */
static void
s_write (const char *folder, const char *name, const char *text)
{
    char path[1024];
    snprintf (path, sizeof path, "%s/%s", folder, name);
    char *slash = strrchr (path, '/');
    *slash = 0;
    mkdir (path, 0700);
    *slash = '/';
    FILE *file = fopen (path, "w");
    assert_non_null (file);
    fputs (text, file);
    fclose (file);
}

/* The bundle of folder, which must be made (caller frees). */
static char *
s_bundle (const char *folder)
{
    char *text;
    size_t size;
    bs_error_t error = {0};
    int rc = gateway_bundle_make (folder, &text, &size, &error);
    if (rc != BS_OK)
        fail_msg ("bundle of %s: %s", folder, error.text);
    assert_int_equal (strlen (text), size);
    return text;
}

/* The error text of a bundle of folder that must be refused with code. */
static void
s_refused (const char *folder, int code, const char *said)
{
    char *text = NULL;
    size_t size;
    bs_error_t error = {0};
    assert_int_equal (gateway_bundle_make (folder, &text, &size, &error), code);
    assert_null (text);
    if (!strstr (error.text, said))
        fail_msg ("the refusal '%s' does not say '%s'", error.text, said);
}

static void
test_forms (void **state)
{
    (void) state;
    char *folder = bs_test_temp_dir ("bundle");
    s_write (folder, "app.js",
             "import { a, b as c } from './lib.js';\n"
             "import d from './data/words.js';\n"
             "import * as all from './lib.js';\n"
             "import {\n  e,\n} from './pages/one.js';\n"
             "export function go() { return import(`./pages/${'one'}.js`); }\n"
             "export const late = () => later();\n"
             "function later() { return all.a + c + d.x + e; }\n"
             "obj.import('x'); reimport('y');\n");
    s_write (folder, "lib.js",
             "export const a = 1;\nexport async function b() {}\nexport class K {}\n");
    s_write (folder, "data/words.js", "export default {\n  x: 'x',\n};\n");
    s_write (folder, "data/other.js", "export default {};\n");
    s_write (folder, "pages/one.js", "import './../lib.js';\nexport const e = 2;\n");
    char *text = s_bundle (folder);
    const char *expected[] = {
        "'app.js': function (__require, __import) {\n"
        "const { a, b: c } = __require('lib.js');\n"
        "const d = __require('data/words.js').default;\n"
        "const all = __require('lib.js');\n"
        "const {  e,} = __require('pages/one.js');\n\n\n"
        "function go() { return __import(`./pages/${'one'}.js`); }\n"
        "const late = () => later();\n"
        "function later() { return all.a + c + d.x + e; }\n"
        "obj.import('x'); reimport('y');\n"
        "\nreturn { get go() { return go; }, get late() { return late; } };\n},\n",
        "'lib.js': function (__require, __import) {\n"
        "const a = 1;\nasync function b() {}\nclass K {}\n"
        "\nreturn { get a() { return a; }, get b() { return b; }, get K() { return K; } };\n},\n",
        "'data/words.js': function (__require, __import) {\n"
        "const __default = {\n  x: 'x',\n};\n"
        "\nreturn { get default() { return __default; } };\n},\n",
        "'pages/one.js': function (__require, __import) {\n"
        "__require('lib.js');\nconst e = 2;\n",
        "__load('app.js');\n",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (!strstr (text, expected[i]))
            fail_msg ("the bundle has no\n%s\nin\n%s", expected[i], text);
    /* data/other.js is imported by no one: not in the bundle. */
    assert_null (strstr (text, "other.js"));
    free (text);
    bs_folder_remove (folder);
    free (folder);
}

/* A page's first view (web/first/NAME.html) is imported as its text. */
static void
test_first_view (void **state)
{
    (void) state;
    char *root = bs_test_temp_dir ("bundle");
    char js[1100];
    snprintf (js, sizeof js, "%s/js", root);
    s_write (root, "js/app.js", "import './pages/one.js';\n");
    s_write (root, "js/pages/one.js",
             "import view from '../../first/one.html';\nexport const v = view;\n");
    s_write (root, "first/one.html", "<main id=\"main\"><h1>\"一\"\\</h1>\n</main>\n");
    s_write (root, "first/two.html", "<main></main>\n");
    char *text = s_bundle (js);
    const char *expected[] = {
        "const view = __require('../first/one.html').default;\n",
        "'../first/one.html': function () {\n"
        "const __default = \"<main id=\\\"main\\\"><h1>\\\"一\\\"\\\\</h1>\\n</main>\\n\";\n"
        "return { get default() { return __default; } };\n},\n",
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (!strstr (text, expected[i]))
            fail_msg ("the bundle has no\n%s\nin\n%s", expected[i], text);
    assert_null (strstr (text, "two.html")); /* imported by no one */
    free (text);
    bs_folder_remove (root);
    free (root);
}

static void
test_refusals (void **state)
{
    (void) state;
    static const struct {
        const char *source;
        int code;
        const char *said;
    } cases[] = {
        {"const x = 1;\nexport let y = 2;\n", BS_E_INVALID, "app.js:2"},
        {"const x = 1;\nexport { x };\n", BS_E_INVALID, "app.js:2"},
        {"export * from './lib.js';\n", BS_E_INVALID, "app.js:1"},
        {"const here = import.meta.url;\n", BS_E_INVALID, "import.meta"},
        {"import { a } from '../outside.js';\n", BS_E_INVALID, "leaves web/js"},
        {"import a from '../first/a.js';\n", BS_E_INVALID, "leaves web/js"},
        {"import a from '../other/a.html';\n", BS_E_INVALID, "leaves web/js"},
        {"import a from '../../first/a.html';\n", BS_E_INVALID, "leaves web/js"},
        {"import a from './a.html';\n", BS_E_INVALID, "no .js file"},
        {"import a from '../first/missing.html';\n", BS_E_NOT_FOUND, "missing.html"},
        {"import { a } from 'lib.js';\n", BS_E_INVALID, "not ./ or ../"},
        {"import { a } from './missing.js';\n", BS_E_NOT_FOUND, "missing.js"},
        {"import { a } from './lib.js'\n", BS_E_INVALID, "app.js:1"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *folder = bs_test_temp_dir ("bundle");
        s_write (folder, "app.js", cases[i].source);
        s_write (folder, "lib.js", "export const a = 1;\n");
        s_refused (folder, cases[i].code, cases[i].said);
        bs_folder_remove (folder);
        free (folder);
    }
}

static void
test_the_console (void **state)
{
    (void) state;
    char *text = s_bundle (BAOSONG_SOURCE_DIR "/web/js");
    const char *modules[] = {"'app.js'",           "'api.js'",           "'dom.js'",
                             "'i18n.js'",          "'errors.js'",        "'i18n/zh-Hans.js'",
                             "'pages/officer.js'", "'pages/editor.js'",  "'pages/publisher.js'",
                             "'pages/leader.js'",  "'pages/admin.js'",   "'pages/login.js'",
                             "'pages/common.js'",  "'pages/notfound.js'",
                             /* the first views the pages are drawn from */
                             "'../first/login.html'", "'../first/officer.html'",
                             "'../first/leader.html'"};
    for (size_t i = 0; i < sizeof modules / sizeof modules[0]; i++)
        if (!strstr (text, modules[i]))
            fail_msg ("the console's bundle has no %s", modules[i]);
    /* The other script's dictionary is fetched when asked for. */
    assert_null (strstr (text, "'i18n/zh-Hant.js'"));
    for (const char *line = text; line; line = strchr (line, '\n'), line = line ? line + 1 : NULL)
        if (strncmp (line, "import ", 7) == 0 || strncmp (line, "export ", 7) == 0)
            fail_msg ("a line of the bundle still imports or exports: %.60s", line);
    free (text);
}

int
main (void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test (test_forms),
        cmocka_unit_test (test_first_view),
        cmocka_unit_test (test_refusals),
        cmocka_unit_test (test_the_console),
    };
    return cmocka_run_group_tests (tests, NULL, NULL);
}
