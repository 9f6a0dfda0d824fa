/*  bs_error: result codes and the error record; see bs_error.h. */
#include "bs_error.h"

#include <stdio.h>
#include <string.h>

static const char *s_names[] = {
    "ok",          "malformed", "invalid",   "unknown_type", "not_found", "conflict", "timeout",
    "unavailable", "storage",   "disk_full", "map_full",     "system",    "limit",    "denied",
};

const char *
bs_error_name (int code)
{
    if (code < 0 || code >= (int) (sizeof s_names / sizeof s_names[0]))
        return "system";
    return s_names[code];
}

int
bs_error_code (const char *name)
{
    for (size_t i = 0; i < sizeof s_names / sizeof s_names[0]; i++)
        if (name && strcmp (name, s_names[i]) == 0)
            return (int) i;
    return BS_E_SYSTEM;
}

int
bs_error_set (bs_error_t *error, int code, const char *field, const char *format, ...)
{
    if (error) {
        error->code = code;
        snprintf (error->field, sizeof error->field, "%s", field ? field : "");
        va_list args;
        va_start (args, format);
        vsnprintf (error->text, sizeof error->text, format, args);
        va_end (args);
        error->reason[0] = 0;
        error->line = 0;
    }
    return code;
}

int
bs_error_reason (bs_error_t *error, const char *reason, unsigned line)
{
    if (!error)
        return BS_OK;
    snprintf (error->reason, sizeof error->reason, "%s", reason ? reason : "");
    error->line = line;
    return error->code;
}

void
bs_error_clear (bs_error_t *error)
{
    if (error) {
        error->code = BS_OK;
        error->field[0] = 0;
        error->text[0] = 0;
        error->reason[0] = 0;
        error->line = 0;
    }
}
