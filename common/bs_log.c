/*  bs_log: levelled log lines on stderr; see bs_log.h. */
#include "bs_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static bs_log_level_t s_level = BS_LOG_INFO;
static char s_component[32] = "baosong";

void
bs_log_set_component (const char *component)
{
    snprintf (s_component, sizeof s_component, "%s", component);
}

void
bs_log_set_level (bs_log_level_t level)
{
    s_level = level;
}

int
bs_log_level_parse (const char *name)
{
    static const char *names[] = {"error", "warning", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (strcmp (name, names[i]) == 0)
            return i;
    return -1;
}

void
bs_log_write (bs_log_level_t level, const char *format, ...)
{
    if (level > s_level)
        return;
    struct timeval now;
    gettimeofday (&now, NULL);
    struct tm utc;
    gmtime_r (&now.tv_sec, &utc);
    char line[2048];
    size_t used = strftime (line, sizeof line, "%Y-%m-%dT%H:%M:%S", &utc);
    used += (size_t) snprintf (line + used, sizeof line - used, ".%03dZ %s %c ",
                               (int) (now.tv_usec / 1000), s_component, "EWID"[level]);
    va_list args;
    va_start (args, format);
    int written = vsnprintf (line + used, sizeof line - used, format, args);
    va_end (args);
    if (written < 0)
        written = 0;
    used += (size_t) written;
    if (used > sizeof line - 2)
        used = sizeof line - 2;
    line[used++] = '\n';
    /* One write call per line, so lines from several processes do not mix. */
    fwrite (line, 1, used, stderr);
}
