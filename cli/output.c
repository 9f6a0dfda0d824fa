/*  output: JSON and error output shared by every command.

    --json prints a reply with bs_json (common/bs_json.h), which walks its
    schema table, not its field names, so a field added to
    schemas/bs_schemas.def shows up in the CLI's JSON with no change here;
    the gateway's HTTP API uses the same mapping.

    Errors go to stderr as "baosong: <sentence>" for a person, or to stdout
    as {"error": {"code", "field", "message"}} for a script using --json.

    Everything printed passes through a guard (cli_output_guard): stdout
    and stderr become fopencookie streams that replace control characters
    on their way to the file descriptor, so no command has to remember to
    clean what it prints. JSON output escapes every control character itself
    (\u001b, \u009b), so it passes the guard unchanged and exact.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "bs_clock.h"
#include "bs_json.h"
#include "cli.h"

/* The guard                                                              */

typedef struct {
    int fd;       /* where the cleaned bytes go */
    bool pending; /* the last byte seen was 0xC2: a C1 control may follow */
} s_guard_t;

static FILE *s_raw_stdout; /* the streams the guards write for, put back at exit */
static FILE *s_raw_stderr;

static bool
s_write_all (int fd, const char *bytes, size_t size)
{
    while (size) {
        ssize_t wrote = write (fd, bytes, size);
        if (wrote < 0 && errno == EINTR)
            continue;
        if (wrote <= 0)
            return false;
        bytes += wrote;
        size -= (size_t) wrote;
    }
    return true;
}

/* Copy size bytes to the guard's fd, controls replaced: C0 (but newline
   and tab) and DEL as bytes, C1 (U+0080..U+009F) as UTF-8 C2 80..C2 9F,
   which may be split across two writes. */
static ssize_t
s_guard_write (void *cookie, const char *bytes, size_t size)
{
    static const char replacement[] = "\xEF\xBF\xBD"; /* U+FFFD */
    s_guard_t *guard = cookie;
    char out[4096 + 8];
    size_t used = 0;
    for (size_t i = 0; i < size; i++) {
        unsigned char byte = (unsigned char) bytes[i];
        if (used > 4096) {
            if (!s_write_all (guard->fd, out, used))
                return -1;
            used = 0;
        }
        if (guard->pending) {
            guard->pending = false;
            if (byte >= 0x80 && byte <= 0x9f) {
                memcpy (out + used, replacement, 3);
                used += 3;
                continue;
            }
            out[used++] = (char) 0xC2;
        }
        if (byte == 0xC2)
            guard->pending = true;
        else if (byte == '\r')
            ; /* dropped: CR LF reads as LF, a lone CR rewrites nothing */
        else if ((byte < 0x20 && byte != '\n' && byte != '\t') || byte == 0x7f) {
            memcpy (out + used, replacement, 3);
            used += 3;
        } else
            out[used++] = (char) byte;
    }
    if (used && !s_write_all (guard->fd, out, used))
        return -1;
    return (ssize_t) size;
}

static int
s_guard_close (void *cookie)
{
    s_guard_t *guard = cookie;
    if (guard->pending)
        s_write_all (guard->fd, "\xC2", 1);
    free (guard);
    return 0;
}

static FILE *
s_guarded (FILE *original, int mode)
{
    s_guard_t *guard = calloc (1, sizeof *guard);
    if (!guard)
        return original;
    fflush (original);
    guard->fd = fileno (original);
    cookie_io_functions_t functions = {.write = s_guard_write, .close = s_guard_close};
    FILE *stream = fopencookie (guard, "w", functions);
    if (!stream) {
        free (guard);
        return original;
    }
    setvbuf (stream, NULL, mode, BUFSIZ);
    return stream;
}

/* Close the guard that replaced *stream (writing what it holds and freeing
   it: exit flushes streams but closes none) and put original back. */
static void
s_unguard (FILE **stream, FILE *original)
{
    FILE *guard = *stream;
    if (!original || guard == original)
        return;
    *stream = original;
    fclose (guard);
}

/* At exit, after every handler registered later (czmq's, which may still
   print): the guards go, stdout first. */
static void
s_unguard_all (void)
{
    s_unguard (&stdout, s_raw_stdout);
    s_unguard (&stderr, s_raw_stderr);
}

void
cli_output_guard (void)
{
    s_raw_stdout = stdout;
    s_raw_stderr = stderr;
    stdout = s_guarded (stdout, isatty (STDOUT_FILENO) ? _IOLBF : _IOFBF);
    stderr = s_guarded (stderr, _IONBF);
    atexit (s_unguard_all);
}

FILE *
cli_output_raw (void)
{
    return s_raw_stdout ? s_raw_stdout : stdout;
}

/* JSON and errors                                                        */

void *
cli_json_record (const bs_schema_t *schema, const void *record)
{
    return bs_json_from_record (schema, record);
}

/* JSON text with DEL and C1 controls (which jansson leaves raw) written
   as \u escapes: the guard then has nothing to replace, and a script
   reads the data exactly. They can only occur inside strings. */
static void
s_json_put (const char *text, FILE *stream)
{
    for (const unsigned char *at = (const unsigned char *) text; *at; at++)
        if (*at == 0x7f)
            fputs ("\\u007f", stream);
        else if (*at == 0xC2 && at[1] >= 0x80 && at[1] <= 0x9f) {
            fprintf (stream, "\\u%04x", at[1]);
            at++;
        } else
            fputc (*at, stream);
}

void
cli_json_print_value (void *value, bool compact)
{
    if (!value)
        return;
    size_t flags = JSON_PRESERVE_ORDER | (compact ? JSON_COMPACT : JSON_INDENT (2));
    char *text = json_dumps (value, flags);
    if (text) {
        s_json_put (text, stdout);
        fputc ('\n', stdout);
        free (text);
    }
    json_decref ((json_t *) value);
}

void
cli_json_print (const bs_schema_t *schema, const void *record, bool compact)
{
    cli_json_print_value (cli_json_record (schema, record), compact);
}

int
cli_exit_code (int code)
{
    if (code == BS_OK)
        return CLI_EXIT_OK;
    if (code == BS_E_UNAVAILABLE || code == BS_E_TIMEOUT)
        return CLI_EXIT_UNAVAILABLE;
    return CLI_EXIT_REFUSED;
}

void
cli_error_print (cli_t *cli, const bs_error_t *error)
{
    if (cli->json) {
        cli_json_print_value (bs_json_error (error), false);
        return;
    }
    /* Name the field at fault unless the sentence already does. */
    if (error->field[0] && !strstr (error->text, error->field))
        fprintf (stderr, "baosong: %s (field: %s)\n", error->text, error->field);
    else
        fprintf (stderr, "baosong: %s\n",
                 error->text[0] ? error->text : bs_error_name (error->code));
}

void
cli_time_format (uint64_t at, char *buffer, size_t size)
{
    if (at == 0) {
        snprintf (buffer, size, "-");
        return;
    }
    bs_clock_format_minute (at, buffer, size);
}

void
cli_periodical_format (const char *name, char *buffer, size_t size)
{
    if (!name)
        name = "";
    if (strncmp (name, "《", strlen ("《")) == 0)
        snprintf (buffer, size, "%s", name);
    else
        snprintf (buffer, size, "《%s》", name);
}

int
cli_show (cli_t *cli, const bs_schema_t *schema, void *reply, cli_print_fn *print,
          const void *context)
{
    if (cli->json)
        cli_json_print (schema, reply, false);
    else
        print (reply, context);
    bs_codec_record_free (schema, reply);
    return CLI_EXIT_OK;
}
