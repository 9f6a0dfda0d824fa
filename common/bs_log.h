/*  bs_log: one line per event on stderr, with time, level and component.

        2026-11-28T02:03:11.123Z intake W refused frame: declared length ...

    The level comes from configuration (error, warning, info, debug); lines
    below it cost one comparison.
*/
#ifndef BS_LOG_H_INCLUDED
#define BS_LOG_H_INCLUDED

typedef enum { BS_LOG_ERROR, BS_LOG_WARNING, BS_LOG_INFO, BS_LOG_DEBUG } bs_log_level_t;

/* Set the component name printed on every line (e.g. "intake"). */
void bs_log_set_component (const char *component);

/* Set the least important level that is printed. */
void bs_log_set_level (bs_log_level_t level);

/* Parse "error", "warning", "info", "debug"; -1 if unknown. */
int bs_log_level_parse (const char *name);

void bs_log_write (bs_log_level_t level, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

#define bs_log_error(...) bs_log_write (BS_LOG_ERROR, __VA_ARGS__)
#define bs_log_warning(...) bs_log_write (BS_LOG_WARNING, __VA_ARGS__)
#define bs_log_info(...) bs_log_write (BS_LOG_INFO, __VA_ARGS__)
#define bs_log_debug(...) bs_log_write (BS_LOG_DEBUG, __VA_ARGS__)

#endif
